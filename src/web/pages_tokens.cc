// Administration of every user's API tokens: who holds which token (name, prefix, created,
// last used, expiry — never the secret) and revoking any of them. The access service checks
// the caller is an administrator; each revocation is an audit event.
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

// `only` (when not "") keeps the tokens of that user.
Response tokens_page(Page& page, const std::string& only, const std::optional<Error>& error) {
  auto ts = page.web.access().all_tokens(page.caller());
  if (!ts) return page.error_page(ts.error());
  json rows = json::array();
  for (const auto& t : *ts) {
    if (!only.empty() && t.username != only) continue;
    const TokenExpiry expiry = token_expiry(page, t);
    rows.push_back({{"id", std::to_string(t.id)},
                    {"row_id", "token-" + std::to_string(t.id)},
                    {"username", t.username},
                    {"user_url", "/admin/users/" + url_part(t.username)},
                    {"name", t.name},
                    {"prefix", t.prefix},
                    {"created", page.when(t.created_at)},
                    {"last_used", t.last_used_at ? page.when(t.last_used_at) : page.t("account.never_used")},
                    {"expires", expiry.text},
                    {"expired", expiry.expired},
                    {"revoked", t.revoked}});
  }
  json data = {{"title", "admin_tokens"}, {"nav_admin", true}, {"rows", rows}, {"only", only}, {"empty", rows.empty()}};
  if (!only.empty()) data["filter"] = page.fmt("admin_tokens.only_user", {{"username", only}});
  if (error) data["error"] = page.error_view(*error);
  return page.render("admin_tokens", data);
}

}  // namespace

TokenExpiry token_expiry(const Page& page, const ApiToken& token) {
  if (token.expires_at == 0) return {page.t("admin_tokens.never_expires"), false};
  const bool expired = token.expires_at <= page.office().now();
  return {expired ? page.fmt("account.token_expired_on", {{"when", page.when(token.expires_at)}}) : page.when(token.expires_at), expired};
}

void add_token_admin_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/admin/tokens", "Every user's API tokens (query user= to show one user's)", PageAccess::admin,
           [](Page& page) { return tokens_page(page, page.query("user"), page.flash_error()); });
  add_page(routes, web, Method::post, "/admin/tokens/revoke", "Revoke a user's API token (form: username, id, only)", PageAccess::admin,
           [](Page& page) {
             const std::string only = page.form("only");
             std::int64_t id = 0;
             try {
               id = std::stoll(page.form("id"));
             } catch (...) {
               id = 0;
             }
             auto st = page.web.access().revoke_token(page.caller(), page.form("username"), id);
             if (!st) return page.refuse_to("/admin/tokens" + (only.empty() ? "" : "?user=" + url_part(only)), st.error());
             return page.redirect("/admin/tokens?ok=token_revoked" + (only.empty() ? "" : "&user=" + url_part(only)));
           });
}

}  // namespace pasaprod::web
