// /api/v1/users, /systems, /freezes, /settings.
#include <charconv>

#include "api/routes.h"
#include "core/time.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Auth;
using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

std::vector<RoleGrant> grants_from(const json& roles) {
  std::vector<RoleGrant> out;
  if (!roles.is_array()) return out;
  for (const auto& r : roles) {
    if (r.is_string()) out.push_back({r.get<std::string>(), ""});
    if (r.is_object()) out.push_back({jstr(r, "role"), jstr(r, "system")});
  }
  return out;
}

// Applies the fields present in `body` to `s`.
void merge_system(System& s, const json& body) {
  for (auto [key, field] : {std::pair{"name", &s.name}, {"description", &s.description}, {"unit", &s.unit}, {"origin", &s.origin},
                            {"technology", &s.technology}, {"status", &s.status}}) {
    if (body.contains(key) && body[key].is_string()) *field = body[key].get<std::string>();
  }
  if (body.contains("indecopi") && body["indecopi"].is_object()) {
    const json& i = body["indecopi"];
    s.indecopi.requested_on = jstr(i, "requested_on");
    s.indecopi.file_number = jstr(i, "file_number");
    s.indecopi.status = jstr(i, "status");
  }
}

json mail_json(const OutboxMail& m) {
  return {{"id", m.id},
          {"to", m.username},
          {"address", m.address},
          {"release", m.release},
          {"step", m.step},
          {"raci", std::string(1, m.raci)},
          {"role", m.role},
          {"state", m.state},
          {"attempts", m.attempts},
          {"queued_at", format_iso(m.at)},
          {"sent_at", m.sent_at ? json(format_iso(m.sent_at)) : json(nullptr)},
          {"due_from", m.due_to ? json(format_iso(m.due_from)) : json(nullptr)},
          {"due_to", m.due_to ? json(format_iso(m.due_to)) : json(nullptr)},
          {"last_error", m.last_error}};
}

}  // namespace

// /api/v1/mail: the outbox (issue 15), for administrators.
void add_mail_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/api/v1/mail",
              .auth = Auth::admin,
              .summary = "The mail outbox",
              .description = "Counts of queued, sent, failed and dropped mail (and `held`: notices waiting for their "
                             "person's daily digest), and one page of mail, newest first "
                             "(`state` = queued|sent|failed|dropped, `limit` ≤ 500, `offset`).",
              .query = {{"state", "queued, sent, failed or dropped"}, {"limit", "At most 500 (default 100)"}, {"offset", "Mails skipped"}},
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                const auto number = [&req](const char* name, int fallback) {
                  const std::string v = req.query(name).value_or("");
                  int n = fallback;
                  if (!v.empty() && v.size() <= 6) std::from_chars(v.data(), v.data() + v.size(), n);
                  return n;
                };
                auto counts = ctx.office.mail_counts(caller(req));
                if (!counts) return problem(req, counts.error());
                auto mails = ctx.office.mails(caller(req), req.query("state").value_or(""), number("limit", 100), number("offset", 0));
                if (!mails) return problem(req, mails.error());
                json items = json::array();
                for (const auto& m : *mails) items.push_back(mail_json(m));
                return Response::json({{"queued", counts->queued},
                                       {"sent", counts->sent},
                                       {"failed", counts->failed},
                                       {"dropped", counts->dropped},
                                       {"held", counts->held},
                                       {"items", items}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/mail/{id}/{op}",
              .auth = Auth::admin,
              .summary = "Retry or drop a mail",
              .description = "`op` = retry (a failed or dropped mail is queued again) or drop (a queued or failed mail is never "
                             "sent); audited as mail.retry / mail.drop.",
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                const std::string text = req.param("id"), op = req.param("op");
                std::int64_t id = 0;
                const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
                if (ec != std::errc() || end != text.data() + text.size() || (op != "retry" && op != "drop")) {
                  return problem(req, make_error(Code::not_found, "mail.not_found", "No existe ese correo u operación (retry o drop).",
                                                 "No such mail or operation (retry or drop)."));
                }
                auto m = op == "retry" ? ctx.office.retry_mail(caller(req), id) : ctx.office.drop_mail(caller(req), id);
                return m ? Response::json(mail_json(*m)) : problem(req, m.error());
              }});
}

void add_admin_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/api/v1/users",
              .summary = "List users",
              .description = "Every user with their roles (office-wide and per system).",
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                auto users = ctx.office.users();
                if (!users) return problem(req, users.error());
                json items = json::array();
                for (const auto& u : *users) items.push_back(user_json(u));
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/users",
              .auth = Auth::admin,
              .summary = "Create a user",
              .description = "Body `{username, name, email, lang, roles: [{role, system?}], password?}`.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"username":{"type":"string"},"name":{"type":"string"},"email":{"type":"string"},"lang":{"type":"string"},"password":{"type":"string"},"roles":{"type":"array","items":{"type":"object","required":["role"],"properties":{"role":{"type":"string"},"system":{"type":"string"}}}}}})json"),
              .responses = {{201, "Created"}, {409, "Username taken"}},
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                User u;
                u.username = jstr(b, "username");
                u.name = jstr(b, "name");
                u.email = jstr(b, "email");
                u.lang = jstr(b, "lang") == "en" ? "en" : "es";
                u.grants = grants_from(b.value("roles", json::array()));
                const std::string password = jstr(b, "password");
                if (!password.empty()) {
                  // Check the policy before creating anything.
                  if (password.size() < 10) {
                    return problem(req, bad_field("password", "La contraseña debe tener al menos 10 caracteres.",
                                                  "The password must have at least 10 characters."));
                  }
                }
                auto created = ctx.office.add_user(caller(req), u);
                if (!created) return problem(req, created.error());
                if (!password.empty()) {
                  if (auto st = ctx.access.set_password(caller(req), u.username, password); !st) return problem(req, st.error());
                }
                return Response::json(user_json(*created), 201);
              }});
  routes.add({.method = Method::patch,
              .pattern = "/api/v1/users/{username}",
              .auth = Auth::admin,
              .summary = "Update a user",
              .description = "Body with any of `{name, email, lang, mail_digest, active}`; `active: false` deactivates the "
                             "user; `mail_digest: true` gathers the mail they are only informed by into one daily digest.",
              .body = BodyKind::json,
              .request_schema = profile_schema({{"active", {{"type", "boolean"}}}}),
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                const std::string username = req.param("username");
                auto current = ctx.office.user(username);
                if (!current) return problem(req, current.error());
                auto updated = ctx.office.update_profile(caller(req), with_profile(*current, b));
                if (!updated) return problem(req, updated.error());
                if (b.contains("active") && b["active"].is_boolean() && b["active"].get<bool>() != updated->active) {
                  updated = ctx.office.set_active(caller(req), username, b["active"].get<bool>());
                  if (!updated) return problem(req, updated.error());
                }
                return Response::json(user_json(*updated));
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/users/{username}/roles",
              .auth = Auth::admin,
              .summary = "Grant a role",
              .description = "Body `{role, system?}`; per-system roles (functional_user, project_lead) need `system`.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"role":{"type":"string"},"system":{"type":"string"}}})json"),
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                auto u = ctx.office.grant(caller(req), req.param("username"), {jstr(req.json(), "role"), jstr(req.json(), "system")});
                return u ? Response::json(user_json(*u)) : problem(req, u.error());
              }});
  routes.add({.method = Method::del,
              .pattern = "/api/v1/users/{username}/roles/{role}",
              .auth = Auth::admin,
              .summary = "Revoke a role",
              .description = "Query `system` for a per-system role.",
              .query = {{"system", "System code of a per-system role"}},
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                auto u = ctx.office.revoke(caller(req), req.param("username"), {req.param("role"), req.query("system").value_or("")});
                return u ? Response::json(user_json(*u)) : problem(req, u.error());
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/users/{username}/password",
              .auth = Auth::admin,
              .summary = "Reset a user's password",
              .description = "Body `{password}`. Ends the user's sessions and revokes their API tokens (whoever knew the old "
                             "password may have made one).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"password":{"type":"string"}}})json"),
              .responses = {{204, "Reset"}},
              .tags = {"admin"},
              .handler = [&ctx](Request& req) {
                auto st = ctx.access.set_password(caller(req), req.param("username"), jstr(req.json(), "password"));
                return st ? Response::empty() : problem(req, st.error());
              }});

  routes.add({.method = Method::get,
              .pattern = "/api/v1/systems",
              .summary = "List information systems",
              .description = "The inventory, each with its current production version.",
              .tags = {"systems"},
              .handler = [&ctx](Request& req) {
                auto systems = ctx.office.systems();
                if (!systems) return problem(req, systems.error());
                json items = json::array();
                for (const auto& s : *systems) {
                  auto v = ctx.office.system_view(s.code);
                  if (!v) return problem(req, v.error());
                  json j = system_view_json(*v);
                  j.erase("releases");
                  items.push_back(j);
                }
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/systems",
              .auth = Auth::admin,
              .summary = "Register an information system",
              .description = "Body `{code, name, description, unit, origin: inhouse|outsourcing, technology, version?}`.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"code":{"type":"string"},"name":{"type":"string"},"description":{"type":"string"},"unit":{"type":"string"},"origin":{"type":"string"},"technology":{"type":"string"},"version":{"type":"string"}}})json"),
              .responses = {{201, "Registered"}},
              .tags = {"systems"},
              .handler = [&ctx](Request& req) {
                System s;
                s.code = jstr(req.json(), "code");
                s.origin = "inhouse";
                merge_system(s, req.json());
                s.initial_version = jstr(req.json(), "version");
                if (s.status.empty()) s.status = "in_development";
                auto created = ctx.office.add_system(caller(req), s);
                return created ? Response::json(system_json(*created), 201) : problem(req, created.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/systems/{code}",
              .summary = "An information system",
              .description = "Its data, current production version, INDECOPI registration and release history.",
              .tags = {"systems"},
              .handler = [&ctx](Request& req) {
                auto v = ctx.office.system_view(req.param("code"));
                return v ? Response::json(system_view_json(*v)) : problem(req, v.error());
              }});
  routes.add({.method = Method::patch,
              .pattern = "/api/v1/systems/{code}",
              .summary = "Update an information system",
              .description = "Admin or production lead. Any of `{name, description, unit, origin, technology, status, indecopi}`. "
                             "The version changes only through releases.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"name":{"type":"string"},"description":{"type":"string"},"unit":{"type":"string"},"origin":{"type":"string"},"technology":{"type":"string"},"status":{"type":"string"},"indecopi":{"type":"object","properties":{"requested_on":{"type":"string"},"file_number":{"type":"string"},"status":{"type":"string"}}}}})json"),
              .tags = {"systems"},
              .handler = [&ctx](Request& req) {
                auto v = ctx.office.system_view(req.param("code"));
                if (!v) return problem(req, v.error());
                System s = v->system;
                merge_system(s, req.json());
                auto updated = ctx.office.update_system(caller(req), s);
                return updated ? Response::json(system_json(*updated)) : problem(req, updated.error());
              }});

  routes.add({.method = Method::get,
              .pattern = "/api/v1/freezes",
              .summary = "Freeze windows",
              .description = "Periods in which only emergency releases may deploy.",
              .tags = {"configuration"},
              .handler = [&ctx](Request& req) {
                auto fs = ctx.office.freezes();
                if (!fs) return problem(req, fs.error());
                json items = json::array();
                for (const auto& f : *fs) items.push_back(freeze_json(f));
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/freezes",
              .summary = "Add a freeze window",
              .description = "Admin, IT chief or production lead. Body `{from, to, reason}` (ISO 8601).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},"reason":{"type":"string"}}})json"),
              .responses = {{201, "Added"}},
              .tags = {"configuration"},
              .handler = [&ctx](Request& req) {
                auto from = parse_iso(jstr(req.json(), "from"));
                if (!from) return problem(req, Error(from.error()).with("field", "from"));
                auto to = parse_iso(jstr(req.json(), "to"));
                if (!to) return problem(req, Error(to.error()).with("field", "to"));
                auto f = ctx.office.add_freeze(caller(req), *from, *to, jstr(req.json(), "reason"));
                return f ? Response::json(freeze_json(*f), 201) : problem(req, f.error());
              }});
  const auto freeze_id = [](Request& req) -> Result<std::int64_t> {
    const std::string text = req.param("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
      return make_error(Code::not_found, "freeze.not_found", "El congelamiento «" + text + "» no existe.", "Freeze \"" + text + "\" does not exist.");
    }
    return id;
  };
  routes.add({.method = Method::post,
              .pattern = "/api/v1/freezes/{id}/end",
              .summary = "End a freeze window now",
              .description = "Admin, IT chief or production lead. Body `{note}`: why (required, audited). Refused when it has not "
                             "started (change or remove it instead) or is over.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"note":{"type":"string"}}})json"),
              .tags = {"configuration"},
              .handler = [&ctx, freeze_id](Request& req) {
                auto id = freeze_id(req);
                if (!id) return problem(req, id.error());
                auto f = ctx.office.end_freeze(caller(req), *id, jstr(req.json(), "note"));
                return f ? Response::json(freeze_json(*f)) : problem(req, f.error());
              }});
  routes.add({.method = Method::put,
              .pattern = "/api/v1/freezes/{id}",
              .summary = "Change a freeze window",
              .description = "Admin, IT chief or production lead. Body `{from, to, reason, note}` (ISO 8601; note: why, audited).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},"reason":{"type":"string"},"note":{"type":"string"}}})json"),
              .tags = {"configuration"},
              .handler = [&ctx, freeze_id](Request& req) {
                auto id = freeze_id(req);
                if (!id) return problem(req, id.error());
                auto from = parse_iso(jstr(req.json(), "from"));
                if (!from) return problem(req, Error(from.error()).with("field", "from"));
                auto to = parse_iso(jstr(req.json(), "to"));
                if (!to) return problem(req, Error(to.error()).with("field", "to"));
                auto f = ctx.office.edit_freeze(caller(req), *id, *from, *to, jstr(req.json(), "reason"), jstr(req.json(), "note"));
                return f ? Response::json(freeze_json(*f)) : problem(req, f.error());
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/freezes/{id}/remove",
              .summary = "Remove a freeze window",
              .description = "Admin, IT chief or production lead. Body `{note}`: why (required, audited).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"note":{"type":"string"}}})json"),
              .responses = {{204, "Removed"}},
              .tags = {"configuration"},
              .handler = [&ctx, freeze_id](Request& req) {
                auto id = freeze_id(req);
                if (!id) return problem(req, id.error());
                auto st = ctx.office.remove_freeze(caller(req), *id, jstr(req.json(), "note"));
                return st ? Response::empty(204) : problem(req, st.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/committee",
              .summary = "Emergency committee",
              .description = "Its members (users holding the procedure's committee role) and the quorum in force.",
              .tags = {"configuration"},
              .handler = [&ctx](Request& req) {
                auto users = ctx.office.users();
                if (!users) return problem(req, users.error());
                json members = json::array();
                const std::string& role = ctx.office.current_procedure().committee_role;
                for (const auto& u : *users) {
                  if (u.active && u.holds(role, "")) members.push_back({{"username", u.username}, {"name", u.name}});
                }
                std::optional<std::string> q;
                (void)ctx.office.store().read([&](ReadTx& tx) -> Status {
                  q = tx.setting("committee.quorum");
                  return ok_status();
                });
                const std::string quorum = q.value_or(ctx.office.current_procedure().committee_quorum);
                const int effective = quorum == "majority" || quorum.empty() ? static_cast<int>(members.size()) / 2 + 1 : std::stoi(quorum);
                return Response::json({{"members", members}, {"quorum", quorum}, {"votes_needed", effective}});
              }});
  routes.add({.method = Method::put,
              .pattern = "/api/v1/committee/quorum",
              .summary = "Set the committee quorum",
              .description = "Admin or IT chief. Body `{quorum}`: \"majority\" or a positive number.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"quorum":{"type":["string","integer"]}}})json"),
              .responses = {{204, "Set"}},
              .tags = {"configuration"},
              .handler = [&ctx](Request& req) {
                const json& q = req.json().is_object() ? req.json().value("quorum", json()) : json();
                const std::string value = q.is_number_integer() ? std::to_string(q.get<int>()) : (q.is_string() ? q.get<std::string>() : "");
                auto st = ctx.office.set_setting(caller(req), "committee.quorum", value.empty() ? "invalid" : value);
                return st ? Response::empty() : problem(req, st.error());
              }});
}

}  // namespace pasaprod::api
