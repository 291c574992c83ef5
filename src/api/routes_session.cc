// /api/v1/session, /me, /tokens.
#include <charconv>
#include <chrono>

#include "api/routes.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Auth;
using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

std::string jstr(const json& body, const char* key) {
  if (!body.is_object()) return {};
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error bad_field(const std::string& field, const std::string& es, const std::string& en) {
  return make_error(Code::invalid_argument, "request.bad_field", es, en).with("field", field);
}

std::optional<std::int64_t> if_match(const Request& req) {
  auto h = req.header("If-Match");
  if (!h) return std::nullopt;
  std::string v(*h);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  try {
    return std::stoll(v);
  } catch (...) {
    return std::nullopt;
  }
}

namespace {

// DELETE of the token {id} of `owner`.
Response revoke(ApiContext& ctx, Request& req, const std::string& owner) {
  const std::string text = req.param("id");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return problem(req, bad_field("id", "El identificador del token no es un número.", "The token id is not a number."));
  }
  auto st = ctx.access.revoke_token(caller(req), owner, id);
  return st ? Response::empty() : problem(req, st.error());
}

json token_json(const ApiToken& t) {
  return {{"id", t.id}, {"name", t.name}, {"prefix", t.prefix}, {"created_at", format_iso(t.created_at)},
          {"last_used_at", t.last_used_at ? json(format_iso(t.last_used_at)) : json(nullptr)}, {"revoked", t.revoked},
          {"expires_at", t.expires_at ? json(format_iso(t.expires_at)) : json(nullptr)}};
}

json me_json(const Principal& p) {
  json j = user_json(p.user);
  j["via"] = p.via;
  if (!p.csrf_token.empty()) j["csrf_token"] = p.csrf_token;
  return j;
}

}  // namespace

User with_profile(User u, const json& b) {
  if (b.contains("name")) u.name = jstr(b, "name");
  if (b.contains("email")) u.email = jstr(b, "email");
  if (b.contains("lang")) u.lang = jstr(b, "lang");
  if (b.contains("mail_digest")) u.mail_digest = b["mail_digest"].get<bool>();
  return u;
}

json profile_schema(const json& extra) {
  json properties = {{"name", {{"type", "string"}}},
                     {"email", {{"type", "string"}}},
                     {"lang", {{"type", "string"}}},
                     {"mail_digest", {{"type", "boolean"}}}};
  properties.update(extra);
  return {{"type", "object"}, {"properties", properties}};
}

void add_session_routes(http::RouteTable& routes, ApiContext& ctx) {
  const json credentials_schema = {{"type", "object"},
                                   {"required", {"username", "password"}},
                                   {"properties", {{"username", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}};
  routes.add({.method = Method::post,
              .pattern = "/api/v1/session",
              .auth = Auth::none,
              .summary = "Sign in",
              .description = "Checks the password and opens a browser session: sets the HttpOnly session cookie and returns the "
                             "CSRF token to send as `X-CSRF-Token` on every state-changing request. Attempts are throttled per "
                             "account and per address. With `serve --ldap-url`, accounts that are not local are checked "
                             "against the office's directory (the first sign-in creates the user; `directory_roles` come "
                             "from its groups).",
              .body = BodyKind::json,
              .request_schema = credentials_schema,
              .responses = {{200, "Signed in; the user and the CSRF token"}, {401, "Wrong username or password"}, {403, "Throttled"},
                            {503, "The office's directory does not answer (directory accounts only)"}},
              .tags = {"session"},
              .handler = [&ctx](Request& req) {
                auto s = ctx.access.sign_in(jstr(req.json(), "username"), jstr(req.json(), "password"), req.client_address());
                if (!s) return problem(req, s.error());
                auto p = ctx.access.from_session(s->id);
                if (!p) return problem(req, p.error());
                Response res = Response::json(me_json(*p));
                const auto ttl = std::chrono::seconds((s->lifetime_end - s->record.created_at) / 1000);
                res.set_cookie({.name = ctx.options.session_cookie, .value = s->id, .max_age = ttl, .secure = ctx.options.secure_cookies,
                                .same_site = "Lax"});
                return res;
              }});
  routes.add({.method = Method::del,
              .pattern = "/api/v1/session",
              .auth = Auth::session_or_token,
              .summary = "Sign out",
              .description = "Ends the browser session and clears its cookie.",
              .responses = {{204, "Signed out"}},
              .tags = {"session"},
              .handler = [&ctx](Request& req) {
                if (auto sid = req.cookie(ctx.options.session_cookie)) (void)ctx.access.sign_out(*sid);
                Response res = Response::empty();
                res.set_cookie({.name = ctx.options.session_cookie, .value = "", .max_age = std::chrono::seconds(0),
                                .secure = ctx.options.secure_cookies, .same_site = "Lax"});
                return res;
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/me",
              .summary = "Who am I",
              .description = "The signed-in user, their roles, and (for browser sessions) the CSRF token.",
              .tags = {"session"},
              .handler = [](Request& req) { return Response::json(me_json(*principal(req))); }});
  routes.add({.method = Method::patch,
              .pattern = "/api/v1/me",
              .summary = "Change my profile",
              .description = "Body with any of `{name, email, lang, mail_digest}`. `mail_digest: true`: the mail that only "
                             "informs me (RACI I) comes as one daily digest; what is asked of me always comes at once. "
                             "Turning it off sends at once a digest of what was waiting.",
              .body = BodyKind::json,
              .request_schema = profile_schema(),
              .tags = {"session"},
              .handler = [&ctx](Request& req) {
                auto current = ctx.office.user(principal(req)->user.username);
                if (!current) return problem(req, current.error());
                auto updated = ctx.office.update_profile(caller(req), with_profile(*current, req.json()));
                return updated ? Response::json(user_json(*updated)) : problem(req, updated.error());
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/me/password",
              .summary = "Change my password",
              .description = "Body `{current_password, password}`; at least 10 characters. Ends the caller's other "
                             "sessions (the one making the change, if any, stays).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"current_password":{"type":"string"},"password":{"type":"string"}}})json"),
              .responses = {{204, "Changed"}, {403, "Current password wrong"}},
              .tags = {"session"},
              .handler = [&ctx](Request& req) {
                auto st = ctx.access.set_password(caller(req), principal(req)->user.username, jstr(req.json(), "password"),
                                                  jstr(req.json(), "current_password"), principal(req)->session_digest);
                return st ? Response::empty() : problem(req, st.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/tokens",
              .summary = "My API tokens",
              .description = "Personal API tokens, with their last use; the secrets themselves are never shown again.",
              .tags = {"tokens"},
              .handler = [&ctx](Request& req) {
                return items_response(req, ctx.access.tokens(principal(req)->user.username), token_json);
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/tokens",
              .summary = "Create an API token",
              .description = "Body `{name, expires_in_days}`; the token is valid for `expires_in_days` days (1–365, "
                             "default 90), then refused with 401 `token.expired`. The answer holds the token (`token`) — "
                             "shown only this once; use it as `Authorization: Bearer TOKEN`.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"name":{"type":"string"}}})json"),
              .responses = {{201, "Created; the token is in `token`"}},
              .tags = {"tokens"},
              .handler = [&ctx](Request& req) {
                const json& body = req.json();
                int days = kTokenDefaultDays;
                if (body.is_object() && body.contains("expires_in_days")) {
                  const json& d = body["expires_in_days"];
                  const bool in_range = d.is_number_integer() && d.get<std::int64_t>() >= 1 && d.get<std::int64_t>() <= kTokenMaxDays;
                  days = in_range ? d.get<int>() : 0;  // 0: refused by create_token, with the range
                }
                auto t = ctx.access.create_token(caller(req), principal(req)->user.username, jstr(body, "name"), days);
                if (!t) return problem(req, t.error());
                json j = token_json(t->record);
                j["token"] = t->token;
                return Response::json(j, 201);
              }});
  routes.add({.method = Method::del,
              .pattern = "/api/v1/tokens/{id}",
              .summary = "Revoke an API token",
              .responses = {{204, "Revoked"}, {404, "No such token of yours"}},
              .tags = {"tokens"},
              .handler = [&ctx](Request& req) { return revoke(ctx, req, principal(req)->user.username); }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/admin/tokens",
              .auth = Auth::admin,
              .summary = "Every user's API tokens",
              .description = "Administrators only: every token of every user (revoked included), newest first, with `username`, "
                             "name, prefix, creation, last use and expiry (`expires_at` null: a token made before tokens expired). "
                             "The secrets are never shown.",
              .tags = {"tokens"},
              .handler = [&ctx](Request& req) {
                auto ts = ctx.access.all_tokens(caller(req));
                if (!ts) return problem(req, ts.error());
                json items = json::array();
                for (const auto& t : *ts) {
                  json j = token_json(t);
                  j["username"] = t.username;
                  items.push_back(j);
                }
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::del,
              .pattern = "/api/v1/users/{username}/tokens/{id}",
              .auth = Auth::admin,
              .summary = "Revoke another user's API token",
              .description = "Administrators only. The token stops working at once (401); audit event `token.revoke`.",
              .responses = {{204, "Revoked"}, {404, "The user has no such token"}},
              .tags = {"tokens"},
              .handler = [&ctx](Request& req) { return revoke(ctx, req, req.param("username")); }});
}

}  // namespace pasaprod::api
