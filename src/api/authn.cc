// The authenticator: session cookie (+ CSRF header on state changes) or bearer token.
#include <any>

#include "api/api.h"
#include "api/routes.h"
#include "auth/credentials.h"

namespace pasaprod::api {

const Principal* principal(const http::Request& req) { return std::any_cast<Principal>(&req.context()); }

Caller caller(const http::Request& req) {
  const Principal* p = principal(req);
  return Caller{p ? p->user.username : "anonymous", false};
}

namespace {

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

Status authenticate(ApiContext& ctx, http::Request& req, const http::Route& route) {
  if (route.auth == http::Auth::none) return ok_status();
  Result<Principal> p = make_error(Code::unauthenticated, "signin.required", "Inicie sesión para continuar.", "Sign in to continue.");
  if (auto authz = req.header("Authorization")) {
    const std::string value(*authz);
    // RFC 9110 §11.1: the scheme is case-insensitive; one or more spaces before the token.
    const std::size_t space = value.find(' ');
    const std::size_t start = space == std::string::npos ? space : value.find_first_not_of(' ', space);
    if (space == std::string::npos || !http::iequals(std::string_view(value).substr(0, space), "Bearer") ||
        start == std::string::npos) {
      return make_error(Code::unauthenticated, "token.malformed", "Use «Authorization: Bearer TOKEN».", "Use \"Authorization: Bearer TOKEN\".");
    }
    p = ctx.access.from_token(value.substr(start));
  } else if (auto sid = req.cookie(ctx.options.session_cookie)) {
    p = ctx.access.from_session(*sid);
    if (p && changes_state(req.method())) {
      auto sent = req.header("X-CSRF-Token");
      std::string token = sent ? std::string(*sent) : req.form("csrf").value_or("");
      if (token.empty() || !auth::equal_secrets(token, p->csrf_token)) {
        return make_error(Code::permission_denied, "csrf.invalid",
                          "Falta o no coincide el token CSRF de su sesión: vuelva a cargar la página e intente de nuevo.",
                          "The session's CSRF token is missing or wrong: reload the page and try again.");
      }
    }
  }
  if (!p) return p.error();
  const Procedure& proc = ctx.office.current_procedure();
  if (const std::string& admin = proc.administering_role(); route.auth == http::Auth::admin && !p->user.holds(admin, "")) {
    return make_error(Code::permission_denied, "role.required", "Esta operación requiere el rol " + proc.role_name(admin, Lang::es) + ".",
                      "This operation requires the role " + proc.role_name(admin, Lang::en) + ".")
        .with("required_role", admin);
  }
  req.set_user(p->user.username);
  req.context() = std::move(*p);
  return ok_status();
}

}  // namespace

void add_api_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.set_authenticator([&ctx](http::Request& req, const http::Route& route) { return authenticate(ctx, req, route); });
  add_session_routes(routes, ctx);
  add_admin_routes(routes, ctx);
  add_mail_routes(routes, ctx);
  add_release_routes(routes, ctx);
  add_file_routes(routes, ctx);
  add_document_routes(routes, ctx);
  add_meta_routes(routes, ctx);
  add_report_routes(routes, ctx);
  add_calendar_routes(routes, ctx);
}

}  // namespace pasaprod::api
