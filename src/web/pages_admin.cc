// Administration: users and their roles (office-wide and per system), freeze windows, the
// emergency committee and its quorum. The office decides who may do what (admin; freezes also
// it_chief and production_lead; the quorum also it_chief).
#include <charconv>
#include <chrono>

#include "web/forms.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

json role_options(const Page& page, const std::string& selected) {
  json out = json::array();
  for (const auto& r : page.proc().roles) {
    out.push_back({{"value", r.code}, {"label", r.label.get(page.lang) + (r.per_system ? " " + page.t("admin.per_system_mark") : "")},
                   {"selected", r.code == selected}});
  }
  return out;
}

json system_options(const Page& page, const std::string& selected) {
  json out = json::array();
  if (auto ss = page.office().systems()) {
    for (const auto& s : *ss) out.push_back({{"value", s.code}, {"label", s.code}, {"selected", s.code == selected}});
  }
  return out;
}

json grants_json(const Page& page, const User& u) {
  json out = json::array();
  for (const auto& g : u.grants) {
    out.push_back({{"role", g.role}, {"system", g.system}, {"label", page.proc().role_name(g.role, page.lang)}, {"directory", false}});
  }
  return out;
}

// The roles the user's directory groups give (not revocable here: the directory decides).
json directory_grants_json(const Page& page, const User& u) {
  json out = json::array();
  for (const auto& g : u.directory_grants) {
    out.push_back({{"role", g.role}, {"system", g.system}, {"label", page.proc().role_name(g.role, page.lang)}, {"directory", true}});
  }
  return out;
}

Response users_page(Page& page, json values, const std::optional<Error>& error) {
  auto users = page.office().users();
  if (!users) return page.error_page(users.error());
  json rows = json::array();
  for (const auto& u : *users) {
    rows.push_back({{"username", u.username}, {"url", "/admin/users/" + url_part(u.username)}, {"name", u.name}, {"email", u.email},
                    {"active", u.active}, {"grants", [&] {
                      json all = grants_json(page, u);
                      for (auto& g : directory_grants_json(page, u)) all.push_back(std::move(g));
                      return all;
                    }()}});
  }
  json data = {{"title", "admin_users"}, {"nav_admin", true},  {"rows", rows}, {"values", values},
               {"roles", role_options(page, values.value("role", ""))}, {"systems", system_options(page, values.value("system", ""))},
               {"errors", json::object()}};
  if (error) {
    const std::string field = error->detail("field");
    if (!field.empty()) data["errors"][field == "roles" ? "role" : field] = error->message(page.lang);
    else data["error"] = page.error_view(*error);
  }
  return page.render("admin_users", data);
}

Response user_page(Page& page, const std::string& username, const std::optional<Error>& error) {
  auto u = page.office().user(username);
  if (!u) return page.error_page(u.error());
  json grants = grants_json(page, *u);
  json data = {{"heading", u->username + " — " + u->name},
               {"nav_admin", true},
               {"user", {{"username", u->username}, {"name", u->name}, {"email", u->email}, {"active", u->active},
                         {"base", "/admin/users/" + url_part(u->username)}, {"tokens_url", "/admin/tokens?user=" + url_part(u->username)}}},
               {"grants", grants},
               {"directory_grants", directory_grants_json(page, *u)},
               {"roles", role_options(page, "")},
               {"systems", system_options(page, "")}};
  if (error) data["error"] = page.error_view(*error);
  return page.render("admin_user", data);
}

Response settings_page(Page& page, json values, const std::optional<Error>& error, const std::string& form) {
  json freezes = json::array();
  if (auto fs = page.office().freezes()) {
    for (const auto& f : *fs) {
      const Timestamp now = page.office().now();
      freezes.push_back({{"id", f.id},
                         {"from", page.when(f.from)},
                         {"to", page.when(f.to)},
                         {"reason", f.reason},
                         {"by", f.created_by},
                         {"current", f.from <= now && now < f.to}});
    }
  }
  json members = json::array();
  const std::string role = page.proc().committee_role;
  if (auto us = page.office().users()) {
    for (const auto& u : *us) {
      if (u.active && u.holds(role, "")) members.push_back({{"username", u.username}, {"name", u.name}});
    }
  }
  std::optional<std::string> q;
  (void)page.office().store().read([&](ReadTx& tx) -> Status {
    q = tx.setting("committee.quorum");
    return ok_status();
  });
  // The quorum as a choice: the majority of the members, or a number of votes up to their count.
  const std::string quorum = q.value_or(page.proc().committee_quorum);
  json quorum_options = json::array({{{"value", "majority"}, {"label", page.t("settings.quorum_majority")}, {"selected", quorum == "majority"}}});
  const int most = std::max<int>(static_cast<int>(members.size()), 1);
  bool listed = quorum == "majority";
  for (int n = 1; n <= most || (!listed && n <= 99); ++n) {
    const bool here = quorum == std::to_string(n);
    listed = listed || here;
    if (n > most && !here) continue;
    quorum_options.push_back({{"value", std::to_string(n)}, {"label", page.fmt("settings.quorum_votes", {{"n", std::to_string(n)}})}, {"selected", here}});
  }
  json data = {{"title", "admin_settings"},
               {"nav_settings", true},
               {"quorum_options", quorum_options},
               {"freezes", freezes},
               {"members", members},
               {"quorum", q.value_or(page.proc().committee_quorum)},
               {"votes_needed", page.fmt("admin.votes_needed", {{"n", std::to_string(committee_votes_needed(page.office()))}})},
               {"values", values}};
  if (error) data[form + "_error"] = page.error_view(*error);
  return page.render("admin_settings", data);
}

// A refused form of the settings page ("freeze" or "quorum"): back to it, the reason beside the form.
Response refuse_settings(Page& page, const std::string& form, const Error& e, const json& values) {
  return page.redirect_flash(std::string("/admin/settings#") + (form == "quorum" ? "committee" : "freezes"),
                             {{"form", form}, {"error", error_to_json(e)}, {"values", values}},
                             {{"form", form}, {"error", error_to_json(e)}});
}

}  // namespace

void add_admin_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/admin/users", "Users and their roles", PageAccess::admin,
           [](Page& page) { return users_page(page, page.flash_values(json::object()), page.flash_error()); });
  add_page(routes, web, Method::post, "/admin/users", "Add a user (form)", PageAccess::admin, [](Page& page) {
    json values = {{"username", page.form("username")}, {"name", page.form("name")}, {"email", page.form("email")},
                   {"role", page.form("role")},         {"system", page.form("system")}};
    User u;
    u.username = page.form("username");
    u.name = page.form("name");
    u.email = page.form("email");
    if (!page.form("role").empty()) u.grants.push_back({page.form("role"), page.form("system")});
    const std::string password = page.form("password");
    if (password.size() < 10) {
      Error e = make_error(Code::invalid_argument, "password.short", page.cat->text(Lang::es, "admin.password_short"),
                           page.cat->text(Lang::en, "admin.password_short"));
      return page.refuse_to("/admin/users", e.with("field", "password"), values);
    }
    auto added = page.office().add_user(page.caller(), u);
    if (!added) return page.refuse_to("/admin/users", added.error(), values);
    if (auto st = page.web.access().set_password(page.caller(), u.username, password); !st) {
      return page.refuse_to("/admin/users", Error(st.error()).with("field", "password"), values);
    }
    return page.redirect("/admin/users/" + url_part(u.username) + "?ok=user_added");
  });
  add_page(routes, web, Method::get, "/admin/users/{username}", "A user: roles, status, password", PageAccess::admin,
           [](Page& page) { return user_page(page, page.req.param("username"), page.flash_error()); });
  add_page(routes, web, Method::post, "/admin/users/{username}/{op}", "Change a user (form; op = grant, revoke, activate, deactivate, password)",
           PageAccess::admin, [](Page& page) {
             const std::string username = page.req.param("username");
             const std::string op = page.req.param("op");
             Status st;
             if (op == "grant" || op == "revoke") {
               RoleGrant g{page.form("role"), page.form("system")};
               auto r = op == "grant" ? page.office().grant(page.caller(), username, g) : page.office().revoke(page.caller(), username, g);
               if (!r) st = r.error();
             } else if (op == "activate" || op == "deactivate") {
               auto r = page.office().set_active(page.caller(), username, op == "activate");
               if (!r) st = r.error();
             } else if (op == "password") {
               st = page.web.access().set_password(page.caller(), username, page.form("password"));
             } else {
               st = make_error(Code::not_found, "page.not_found", "No existe esa operación.", "No such operation.");
             }
             if (!st) return page.refuse_to("/admin/users/" + url_part(username), st.error());
             return page.redirect("/admin/users/" + url_part(username) + "?ok=user_changed");
           });
  add_page(routes, web, Method::get, "/admin/settings", "Freeze windows, emergency committee and quorum", PageAccess::signed_in,
           [](Page& page) {
             const json& f = page.flash();
             const std::string form = f.is_object() ? f.value("form", "") : "";
             return settings_page(page, page.flash_values(json::object()), page.flash_error(), form);
           });
  add_page(routes, web, Method::post, "/admin/freezes", "Add a freeze window (form)", PageAccess::signed_in, [](Page& page) {
    json values = {{"from", page.form("from")}, {"to", page.form("to")}, {"reason", page.form("reason")}};
    auto from = parse_iso(local_to_iso(page, page.form("from")));
    auto to = parse_iso(local_to_iso(page, page.form("to")));
    if (!from || !to) {
      const Error& e = !from ? from.error() : to.error();
      return refuse_settings(page, "freeze", e, values);
    }
    auto f = page.office().add_freeze(page.caller(), *from, *to, page.form("reason"));
    if (!f) return refuse_settings(page, "freeze", f.error(), values);
    return page.redirect("/admin/settings?ok=freeze_added");
  });
  add_page(routes, web, Method::post, "/admin/freezes/{id}", "End a freeze now or remove it, with a note (form)", PageAccess::signed_in,
           [](Page& page) {
             std::int64_t id = 0;
             const std::string text = page.req.param("id");
             std::from_chars(text.data(), text.data() + text.size(), id);
             const std::string op = page.form("op");
             Status st = ok_status();
             if (op == "end") {
               auto ended = page.office().end_freeze(page.caller(), id, page.form("note"));
               if (!ended) st = ended.error();
             } else {
               st = page.office().remove_freeze(page.caller(), id, page.form("note"));
             }
             if (!st) return refuse_settings(page, "freeze", st.error(), json::object());
             return page.redirect(std::string("/admin/settings?ok=") + (op == "end" ? "freeze_ended" : "freeze_removed"));
           });
  add_page(routes, web, Method::post, "/admin/quorum", "Set the emergency committee's quorum (form)", PageAccess::signed_in, [](Page& page) {
    const std::string q = page.form("quorum");
    auto st = page.office().set_setting(page.caller(), "committee.quorum", q.empty() ? "invalid" : q);
    if (!st) return refuse_settings(page, "quorum", st.error(), {{"quorum", q}});
    return page.redirect("/admin/settings?ok=quorum_set");
  });
}

}  // namespace pasaprod::web
