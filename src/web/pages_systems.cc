// The inventory of information systems: list and detail with the release history.
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

json system_row(const Page& page, const SystemView& v) {
  const System& s = v.system;
  return {{"code", s.code},
          {"url", "/systems/" + url_part(s.code)},
          {"name", s.name},
          {"description", s.description},
          {"unit", s.unit},
          {"origin", page.t("origin." + s.origin)},
          {"technology", s.technology},
          {"status", page.t("system_status." + s.status)},
          {"status_code", s.status},
          {"current", v.production_version.empty() ? page.t("systems.no_version") : v.production_version},
          {"count", page.cat->integer(page.lang, static_cast<std::int64_t>(v.releases.size()))}};
}

}  // namespace

void add_system_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/systems", "Inventory of information systems", PageAccess::signed_in, [](Page& page) {
    auto systems = page.office().systems();
    if (!systems) return page.error_page(systems.error());
    json rows = json::array();
    for (const auto& s : *systems) {
      auto v = page.office().system_view(s.code);
      if (v) rows.push_back(system_row(page, *v));
    }
    return page.render("systems", {{"title", "systems"}, {"nav_systems", true}, {"rows", rows}});
  });
  add_page(routes, web, Method::get, "/systems/{code}", "An information system: data, INDECOPI, release history",
           PageAccess::signed_in, [](Page& page) {
             auto v = page.office().system_view(page.req.param("code"));
             if (!v) return page.error_page(v.error());
             json sys = system_row(page, *v);
             const auto& ip = v->system.indecopi;
             sys["indecopi"] = {{"requested_on", ip.requested_on.empty() ? page.t("systems.not_requested") : ip.requested_on},
                                {"file_number", ip.file_number},
                                {"status", ip.status}};
             json releases = json::array();
             for (const auto& r : v->releases) {
               releases.push_back({{"number", r.number}, {"url", "/releases/" + url_part(r.number)}, {"title", r.title},
                                   {"kind_name", page.proc().kind_name(r.kind, page.lang)}, {"version", r.version}, {"state", r.state},
                                   {"state_name", page.proc().state_name(r.state, page.lang)}, {"created", page.when(r.created_at)}});
             }
             json data = {{"heading", v->system.code + " — " + v->system.name},
                          {"nav_systems", true},
                          {"system", sys},
                          {"releases", releases},
                          {"new_url", "/releases/new?system=" + url_part(v->system.code)}};
             return page.render("system", data);
           });
}

}  // namespace pasaprod::web
