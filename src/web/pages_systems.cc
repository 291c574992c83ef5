// The inventory of information systems: list and detail with the release history (editing:
// pages_system_edit.cc).
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

// Where a baseline file can be downloaded: its deliverable or its generated document.
std::string baseline_file_url(const Baseline& b, const BaselineFile& f) {
  const std::string base = "/api/v1/releases/" + url_part(b.release);
  if (f.path.rfind("deliverables/", 0) == 0) {
    const std::string rest = f.path.substr(13);
    const auto slash = rest.find('/');
    if (slash != std::string::npos) return base + "/deliverables/" + url_part(rest.substr(0, slash)) + "/" + url_part(rest.substr(slash + 1));
  }
  if (f.path.rfind("documents/", 0) == 0) return base + "/documents/" + url_part(f.path.substr(10));
  return "";
}

// The library page of a system: every baseline with its files. `verified_version` (when not
// "") is re-read from the library and each of its files marked as intact or not.
Response library_page(Page& page, const std::string& code, const std::string& verified_version) {
  auto v = page.office().system_view(code);
  if (!v) return page.error_page(v.error());
  auto list = page.office().baselines(code);
  if (!list) return page.error_page(list.error());
  json baselines = json::array();
  for (const Baseline& b : *list) {
    const bool verify = !verified_version.empty() && b.version == verified_version;
    std::int64_t total = 0, bad = 0;
    json files = json::array();
    for (const BaselineFile& f : b.files) {
      total += f.size;
      json row = {{"path", f.path}, {"size", page.cat->size(page.lang, f.size)}, {"sha256", f.sha256}, {"url", baseline_file_url(b, f)}};
      if (verify) {
        auto actual = page.office().library().rehash(f.sha256);
        const bool ok = actual && *actual == f.sha256;
        if (!ok) ++bad;
        row["checked"] = true;
        row["ok"] = ok;
        if (!actual) {
          row["problem"] = actual.error().message(page.lang);
        } else if (!ok) {
          row["problem"] = page.fmt("library.mismatch", {{"sha256", *actual}});
        }
      }
      files.push_back(row);
    }
    const std::string url = "/api/v1/systems/" + url_part(b.system) + "/baselines/" + url_part(b.version);
    json row = {{"version", b.version},
                {"id", "baseline-" + b.version},
                {"release", b.release},
                {"release_url", "/releases/" + url_part(b.release)},
                {"state_name", page.proc().state_name(b.state, page.lang)},
                {"frozen_at", page.when(b.frozen_at)},
                {"frozen_by", b.frozen_by},
                {"manifest", b.manifest_sha256},
                {"count", page.fmt("library.count", {{"files", page.cat->integer(page.lang, static_cast<std::int64_t>(b.files.size()))},
                                                     {"size", page.cat->size(page.lang, total)}})},
                {"files", files},
                {"archive_url", url + "/archive"},
                {"verify_url", "/systems/" + url_part(b.system) + "/library/verify"}};
    if (verify) {
      row["verified"] = true;
      row["verified_ok"] = bad == 0;
      row["verdict"] = bad == 0 ? page.fmt("library.verified_ok", {{"files", std::to_string(b.files.size())}})
                                : page.fmt("library.verified_bad", {{"bad", std::to_string(bad)}, {"files", std::to_string(b.files.size())}});
    }
    baselines.push_back(row);
  }
  json data = {{"heading", page.fmt("library.heading_for", {{"system", v->system.code}})},
               {"nav_systems", true},
               {"system", {{"code", v->system.code}, {"name", v->system.name}, {"url", "/systems/" + url_part(v->system.code)}}},
               {"baselines", baselines},
               {"empty", baselines.empty()}};
  return page.render("library", data);
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
                                {"status", page.t("indecopi_status." + (ip.status.empty() ? std::string("none") : ip.status))}};
             sys["asset_id"] = v->system.asset_id.empty() ? page.t("systems.no_asset") : v->system.asset_id;
             // The system's own history: registration, edits and what closing requests changed.
             json changes = json::array();
             if (auto events = page.office().events(v->system.code, 0, 200)) {
               for (const auto& e : *events) {
                 const json after = json::parse(e.after.empty() ? "null" : e.after, nullptr, false);
                 std::string what = e.action == "system.inventory" ? page.t("systems.change_inventory")
                                    : e.action == "system.add"     ? page.t("systems.change_added")
                                                                   : page.t("systems.change_edited");
                 if (after.is_object()) {
                   for (const char* k : {"status", "asset_id", "release"}) {
                     if (after.contains(k) && after[k].is_string() && !after[k].get<std::string>().empty()) {
                       what += std::string(" · ") + k + ": " + after[k].get<std::string>();
                     }
                   }
                   if (after.contains("indecopi") && after["indecopi"].is_object()) {
                     const json& ip = after["indecopi"];
                     if (ip.value("file_number", "") != "") what += " · INDECOPI: " + ip.value("file_number", "") + " (" + ip.value("status", "") + ")";
                   }
                 }
                 changes.push_back({{"when", page.when(e.at)}, {"what", what}, {"actor", e.actor}});
               }
             }
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
                          {"changes", changes},
                          {"new_url", "/releases/new?system=" + url_part(v->system.code)},
                          {"edit_url", may_edit_systems(page) ? "/systems/" + url_part(v->system.code) + "/edit" : ""},
                          {"library_url", "/systems/" + url_part(v->system.code) + "/library"}};
             return page.render("system", data);
           });
  add_page(routes, web, Method::get, "/systems/{code}/library", "The library of a system: its baselines per version, with their files",
           PageAccess::signed_in, [](Page& page) {
             const json& f = page.flash();
             return library_page(page, page.req.param("code"), f.is_object() ? f.value("verify", "") : "");
           });
  add_page(routes, web, Method::post, "/systems/{code}/library/verify",
           "Re-reads the stored files of one baseline (form field version): 303 to the library page, which shows each as intact or not", PageAccess::signed_in,
           [](Page& page) {
             const std::string version = page.form("version");
             if (version.empty()) return page.redirect("/systems/" + url_part(page.req.param("code")) + "/library");
             auto b = page.office().baseline(page.req.param("code"), version);
             if (!b) return page.error_page(b.error());
             // The library page verifies it once, on the GET this redirects to.
             return page.redirect_flash("/systems/" + url_part(page.req.param("code")) + "/library", {{"verify", version}});
           });
}

}  // namespace pasaprod::web
