// Editing an information system's data (name, description, unit, origin, technology, status,
// INDECOPI registration) with a form. The office decides who may (admin or production lead);
// a refusal shows the form again with the reason next to its field and what was typed kept.
#include <algorithm>

#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

// The form's fields, in order: name in the form = field id of the office's errors.
const std::vector<std::string> kFields = {"name", "description", "unit", "origin", "technology", "status",
                                          "indecopi_requested_on", "indecopi_file_number", "indecopi_status"};

json values_of(const System& s) {
  return {{"name", s.name},
          {"description", s.description},
          {"unit", s.unit},
          {"origin", s.origin},
          {"technology", s.technology},
          {"status", s.status},
          {"indecopi_requested_on", s.indecopi.requested_on},
          {"indecopi_file_number", s.indecopi.file_number},
          {"indecopi_status", s.indecopi.status}};
}

json choices(const Page& page, const std::string& prefix, const std::vector<std::string>& codes, const std::string& selected) {
  json out = json::array();
  for (const auto& c : codes) out.push_back({{"value", c}, {"label", page.t(prefix + c)}, {"selected", c == selected}});
  return out;
}

Response edit_page(Page& page, const System& system, const json& values, const std::optional<Error>& error) {
  const std::string base = "/systems/" + url_part(system.code);
  json data = {{"heading", page.fmt("systems.edit_heading", {{"code", system.code}})},
               {"nav_systems", true},
               {"system", {{"code", system.code}, {"name", system.name}, {"url", base}, {"action", base + "/edit"}}},
               {"values", values},
               {"origins", choices(page, "origin.", {"inhouse", "outsourcing"}, values.value("origin", ""))},
               {"statuses", choices(page, "system_status.", {"in_development", "in_production", "retired"}, values.value("status", ""))},
               {"indecopi_statuses",
                choices(page, "indecopi_status.", {"none", "requested", "registered", "observed"},
                        values.value("indecopi_status", "").empty() ? "none" : values.value("indecopi_status", ""))},
               {"errors", json::object()}};
  if (error) {
    const std::string field = error->detail("field");
    if (std::find(kFields.begin(), kFields.end(), field) != kFields.end()) {
      data["errors"][field] = error->message(page.lang);
    } else {
      data["error"] = page.error_view(*error);
    }
  }
  return page.render("system_edit", data);
}

}  // namespace

bool may_edit_systems(const Page& page) {
  if (!page.who) return false;
  const auto roles = page.proc().roles_allowed(&RoleDef::edits_systems);
  return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return page.user().holds(r, ""); });
}

void add_system_edit_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/systems/{code}/edit", "Edit an information system's data (form; admin or production lead)",
           PageAccess::signed_in, [](Page& page) {
             auto v = page.office().system_view(page.req.param("code"));
             if (!v) return page.error_page(v.error());
             return edit_page(page, v->system, page.flash_values(values_of(v->system)), page.flash_error());
           });
  add_page(routes, web, Method::post, "/systems/{code}/edit", "Save an information system's data (form fields as on the edit page)",
           PageAccess::signed_in, [](Page& page) {
             auto v = page.office().system_view(page.req.param("code"));
             if (!v) return page.error_page(v.error());
             json values = json::object();
             for (const auto& f : kFields) values[f] = page.form(f);
             System s = v->system;
             s.name = page.form("name");
             s.description = page.form("description");
             s.unit = page.form("unit");
             s.origin = page.form("origin");
             s.technology = page.form("technology");
             s.status = page.form("status");
             s.indecopi = {page.form("indecopi_requested_on"), page.form("indecopi_file_number"), page.form("indecopi_status") == "none" ? "" : page.form("indecopi_status")};
             auto updated = page.office().update_system(page.caller(), s);
             if (!updated) return page.refuse_to("/systems/" + url_part(s.code) + "/edit", updated.error(), values);
             return page.redirect("/systems/" + url_part(s.code) + "?ok=system_updated");
           });
}

}  // namespace pasaprod::web
