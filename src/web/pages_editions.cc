// Editions of the procedure: which one is in force for new requests and from when each came
// or comes into force; an administrator pastes an edition file to check it (its differences
// from the edition in force) or to load it from a date. The office checks the role and the
// file; a refusal shows the page again with the reason and the text kept.
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

Response editions_page(Page& page, const json& values, const std::optional<Error>& error, const std::optional<EditionCheck>& check) {
  auto editions = page.office().editions();
  if (!editions) return page.error_page(editions.error());
  json rows = json::array();
  for (const auto& e : *editions) {
    rows.push_back({{"code", e.code},
                    {"title", e.title.get(page.lang)},
                    {"approved_on", e.approved_on},
                    {"builtin", e.builtin},
                    {"in_force", e.in_force},
                    {"effective", e.builtin ? "" : page.when(e.effective_from)},
                    {"loaded", e.loaded_at ? page.when(e.loaded_at) : ""},
                    {"loaded_by", e.loaded_by},
                    {"sha256", e.sha256.substr(0, 16)}});
  }
  json data = {{"title", "admin_editions"},
               {"nav_admin", true},
               {"rows", rows},
               {"values", values},
               {"zone_hint", page.fmt("editions.zone", {{"zone", page.zone->name()}})},
               {"errors", json::object()}};
  if (error) {
    const std::string field = error->detail("field");
    if (field == "effective") data["errors"]["effective"] = error->message(page.lang);
    else data["error"] = page.error_view(*error);
  }
  if (check) {
    json changes = json::array();
    for (const auto& c : check->changes) changes.push_back(c.text(page.lang));
    data["check"] = {{"summary", page.fmt("editions.check_ok", {{"edition", check->code},
                                                                 {"in_force", check->in_force},
                                                                 {"n", std::to_string(check->changes.size())}})},
                     {"changes", changes}};
  }
  return page.render("admin_editions", data);
}

json typed(const Page& page) { return {{"yaml", page.form("yaml")}, {"effective", page.form("effective")}}; }

}  // namespace

void add_edition_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/admin/editions", "Editions of the procedure: the one in force, when each applies; check or load one",
           PageAccess::admin, [](Page& page) { return editions_page(page, json::object(), std::nullopt, std::nullopt); });
  add_page(routes, web, Method::post, "/admin/editions",
           "Check an edition file (op=check) or load it from a date (op=load): form fields yaml, effective", PageAccess::admin,
           [](Page& page) {
             const std::string yaml = page.form("yaml");
             if (page.form("op") == "check") {
               auto c = page.office().check_edition(yaml, "edition.yaml");
               if (!c) return editions_page(page, typed(page), c.error(), std::nullopt);
               return editions_page(page, typed(page), std::nullopt, *c);
             }
             auto loaded = page.office().load_edition(page.caller(), yaml, "edition.yaml", page.form("effective"));
             if (!loaded) return editions_page(page, typed(page), loaded.error(), std::nullopt);
             return page.redirect("/admin/editions?ok=edition_loaded");
           });
}

}  // namespace pasaprod::web
