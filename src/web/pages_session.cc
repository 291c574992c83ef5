// Sign-in, sign-out, the language switch and the account page (password, API tokens,
// calendar addresses).
#include <charconv>
#include <chrono>

#include "service/access.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

http::Cookie session_cookie(const Page& page, std::string value, std::chrono::seconds max_age) {
  return {.name = page.web.api_options().session_cookie, .value = std::move(value), .max_age = max_age,
          .secure = page.web.api_options().secure_cookies, .same_site = "Lax"};
}

// Where to go after signing in: the form's `next` when it is a safe same-origin path
// (is_local_path) other than the sign-in page itself, else the inbox.
std::string next_or_inbox(const Page& page) {
  const std::string next = page.form("next");
  return is_local_path(next) && next.rfind("/login", 0) != 0 ? next : "/inbox";
}

// The `next` to carry in the sign-in form: only a safe one is echoed back.
std::string safe_next(const std::string& next) { return is_local_path(next) ? next : ""; }

Response login_form(Page& page, const std::string& username, const std::optional<Error>& error) {
  json data = {{"title", "login"}, {"username", username}, {"next", safe_next(page.query("next"))}};
  if (!page.form("next").empty()) data["next"] = safe_next(page.form("next"));
  if (error) data["error"] = page.error_view(*error);
  return page.render("login", data);
}

// The validity choices of the token form, `selected` (a number of days, as sent) marked.
json validity_choices(const Page& page, const std::string& selected) {
  json out = json::array();
  for (int days : {30, kTokenDefaultDays, 180, kTokenMaxDays}) {
    const std::string v = std::to_string(days);
    out.push_back({{"value", v}, {"label", page.fmt("account.days", {{"n", v}})}, {"selected", v == selected}});
  }
  return out;
}

// "Toda la oficina", "Mis solicitudes", "Sistema SIGA": a calendar address's scope.
std::string scope_label(const Page& page, const std::string& scope) {
  if (scope == "office" || scope == "mine") return page.t("account.scope_" + scope);
  return page.fmt("account.scope_system", {{"code", scope.substr(scope.find(':') + 1)}});
}

// The account page; `extra` adds a new token, a new calendar address or a form's error.
Response account_page(Page& page, json extra) {
  json data = {{"title", "account"}};
  const User& u = page.user();
  json roles = json::array();
  for (const auto& g : u.grants) {
    roles.push_back({{"role", page.proc().role_name(g.role, page.lang)}, {"system", g.system}, {"directory", false}});
  }
  for (const auto& g : u.directory_grants) {
    roles.push_back({{"role", page.proc().role_name(g.role, page.lang)}, {"system", g.system}, {"directory", true}});
  }
  data["account"] = {{"username", u.username}, {"name", u.name}, {"email", u.email}, {"roles", roles},
                     {"directory", u.from_directory()}};
  data["directory_account"] = u.from_directory();  // its password is changed in the directory
  json tokens = json::array();
  if (auto ts = page.web.access().tokens(u.username)) {
    for (const auto& t : *ts) {
      const TokenExpiry expiry = token_expiry(page, t);
      tokens.push_back({{"id", std::to_string(t.id)}, {"name", t.name}, {"prefix", t.prefix}, {"created", page.when(t.created_at)},
                        {"last_used", t.last_used_at ? page.when(t.last_used_at) : page.t("account.never_used")},
                        {"expires", expiry.text}, {"expired", expiry.expired},
                        {"revoked", t.revoked}});
    }
  }
  data["tokens"] = tokens;
  data["validity"] = validity_choices(page, std::to_string(kTokenDefaultDays));
  json keys = json::array();
  if (auto ks = page.office().calendar_keys(page.caller())) {
    for (const auto& k : *ks) {
      keys.push_back({{"scope", k.scope}, {"label", scope_label(page, k.scope)}, {"created", page.when(k.created_at)},
                      {"rotated", k.rotated_at ? page.when(k.rotated_at) : page.t("account.calendar_never_rotated")}});
    }
  }
  data["calendar_keys"] = keys;
  json scopes = json::array({{{"value", "office"}, {"label", scope_label(page, "office")}},
                             {{"value", "mine"}, {"label", scope_label(page, "mine")}}});
  if (auto systems = page.office().systems()) {
    for (const auto& sys : *systems) scopes.push_back({{"value", "system:" + sys.code}, {"label", scope_label(page, "system:" + sys.code)}});
  }
  data["calendar_scopes"] = scopes;
  data["mail_digest"] = u.mail_digest;
  data.update(extra);
  return page.render("account", data);
}

}  // namespace

void add_session_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/login", "Sign-in page", PageAccess::anyone, [](Page& page) {
    if (page.who) return page.redirect("/inbox");
    return login_form(page, page.flash_values(json::object()).value("username", ""), page.flash_error());
  });
  add_page(routes, web, Method::post, "/login", "Sign in (form)", PageAccess::anyone, [](Page& page) {
    const std::string username = page.form("username");
    auto s = page.web.access().sign_in(username, page.form("password"), page.req.client_address());
    if (!s) {
      const std::string next = safe_next(page.form("next"));
      return page.refuse_to(next.empty() ? "/login" : "/login?next=" + url_part(next), s.error(), {{"username", username}});
    }
    const auto ttl = std::chrono::seconds((s->lifetime_end - s->record.created_at) / 1000);
    Response res = page.redirect(next_or_inbox(page));
    res.set_cookie(session_cookie(page, s->id, ttl));
    return res;
  });
  add_page(routes, web, Method::post, "/logout", "Sign out (form)", PageAccess::signed_in, [](Page& page) {
    if (auto sid = page.req.cookie(page.web.api_options().session_cookie)) (void)page.web.access().sign_out(*sid);
    Response res = page.redirect("/login?ok=signed_out");
    res.set_cookie(session_cookie(page, "", std::chrono::seconds(0)));
    return res;
  });
  add_page(routes, web, Method::post, "/lang", "Switch the language (kept in the user's profile)", PageAccess::anyone, [](Page& page) {
    const std::string lang = page.form("lang") == "en" ? "en" : "es";
    if (page.who) {
      User u = page.user();
      u.lang = lang;
      if (auto st = page.office().update_profile(page.caller(), u); !st) return page.redirect_flash("/account", {{"alert", st.error().message(page.lang)}});
    }
    const std::string next = page.form("next");
    Response res = page.redirect(is_local_path(next) ? next : "/");
    res.set_cookie({.name = "pasaprod_lang", .value = lang, .max_age = std::chrono::seconds(365 * 24 * 3600), .http_only = false,
                    .secure = page.web.api_options().secure_cookies, .same_site = "Lax"});
    return res;
  });
  add_page(routes, web, Method::get, "/account", "My account: language, password, API tokens", PageAccess::signed_in,
           [](Page& page) {
             const json& f = page.flash();
             return account_page(page, f.is_object() ? f : json::object());
           });
  add_page(routes, web, Method::post, "/account/mail", "Choose how notices come by mail: each at once or a daily digest (form: digest)",
           PageAccess::signed_in, [](Page& page) {
             User u = page.user();
             u.mail_digest = page.form("digest") == "1";
             if (auto st = page.office().update_profile(page.caller(), u); !st) {
               return page.redirect_flash("/account#mail", {{"alert", st.error().message(page.lang)}});
             }
             return page.redirect(std::string("/account?ok=") + (u.mail_digest ? "mail_digest" : "mail_each") + "#mail");
           });
  // The link every mail carries (mail/message.h preference_url): the GET only asks, so that a
  // mail scanner opening links changes nothing; the POST changes it when the token is right.
  add_page(routes, web, Method::get, "/mail/preference", "The mail preference link: asks to confirm the change (query: user, digest, token)",
           PageAccess::anyone, [](Page& page) {
             const std::string user = page.query("user");
             const bool digest = page.query("digest") == "1";
             const std::string token = page.query("token");
             if (auto st = page.office().check_mail_preference_link(user, digest, token); !st) return page.error_page(st.error());
             json data = {{"title", "mail_preference"}, {"user", user}, {"digest", digest ? "1" : "0"}, {"token", token},
                          {"question", page.fmt(digest ? "mail_preference.ask_digest" : "mail_preference.ask_each", {{"user", user}})}};
             return page.render("mail_preference", data);
           });
  add_page(routes, web, Method::post, "/mail/preference", "Follow the mail preference link (form: user, digest, token)", PageAccess::anyone,
           [](Page& page) {
             const bool digest = page.form("digest") == "1";
             auto u = page.office().set_mail_digest_by_link(page.form("user"), digest, page.form("token"));
             if (!u) return page.error_page(u.error());
             json data = {{"title", "mail_preference"}, {"done", page.t(digest ? "mail_preference.done_digest" : "mail_preference.done_each")}};
             return page.render("mail_preference", data);
           });
  add_page(routes, web, Method::post, "/account/password", "Change my password (form)", PageAccess::signed_in, [](Page& page) {
    const std::string password = page.form("password");
    if (password != page.form("confirm")) {
      json err = {{"message", page.t("account.password_mismatch")}, {"field", "confirm"}};
      return page.redirect_flash("/account#password", {{"password_error", err}});
    }
    auto st = page.web.access().set_password(page.caller(), page.user().username, password, page.form("current"),
                                                  page.who->session_digest);
    if (!st) {
      json err = page.error_view(st.error());
      err["field"] = st.error().id == "password.current_wrong" ? "current" : "password";
      return page.redirect_flash("/account#password", {{"password_error", err}});
    }
    return page.redirect("/account?ok=password_changed");
  });
  add_page(routes, web, Method::post, "/account/tokens", "Create an API token (form; shown once)", PageAccess::signed_in, [](Page& page) {
    const std::string days_text = page.form("expires_in_days");
    int days = kTokenDefaultDays;
    if (!days_text.empty()) {
      const auto [end, ec] = std::from_chars(days_text.data(), days_text.data() + days_text.size(), days);
      if (ec != std::errc() || end != days_text.data() + days_text.size()) days = 0;  // refused below, with the range
    }
    auto t = page.web.access().create_token(page.caller(), page.user().username, page.form("name"), days);
    if (!t) {
      return page.redirect_flash("/account#tokens", {{"token_error", page.error_view(t.error())}, {"token_name", page.form("name")},
                                                     {"validity", validity_choices(page, days_text)}});
    }
    // The token is shown once, by the GET this redirects to.
    return page.redirect_flash("/account#tokens", {{"new_token", {{"token", t->token}, {"name", t->record.name}}}});
  });
  add_page(routes, web, Method::post, "/account/calendar", "Make or rotate my calendar address for a scope (form: scope; shown once)",
           PageAccess::signed_in, [](Page& page) {
             auto k = page.office().issue_calendar_key(page.caller(), page.form("scope"));
             if (!k) return page.redirect_flash("/account#calendar", {{"calendar_error", page.error_view(k.error())}});
             const json made = {{"url", api::calendar_url(page.req, page.web.api(), k->key)}, {"label", scope_label(page, k->record.scope)}};
             return page.redirect_flash("/account#calendar", {{"new_calendar", made}});
           });
  add_page(routes, web, Method::post, "/account/calendar/remove", "Remove my calendar address for a scope (form: scope)",
           PageAccess::signed_in, [](Page& page) {
             auto st = page.office().remove_calendar_key(page.caller(), page.form("scope"));
             if (!st) return page.redirect_flash("/account#calendar", {{"calendar_error", page.error_view(st.error())}});
             return page.redirect("/account?ok=calendar_key_removed");
           });
  add_page(routes, web, Method::post, "/account/tokens/{id}/revoke", "Revoke an API token (form)", PageAccess::signed_in, [](Page& page) {
    std::int64_t id = 0;
    try {
      id = std::stoll(page.req.param("id"));
    } catch (...) {
      return page.redirect("/account");
    }
    auto st = page.web.access().revoke_token(page.caller(), page.user().username, id);
    if (!st) return page.redirect_flash("/account#tokens", {{"token_error", page.error_view(st.error())}});
    return page.redirect("/account?ok=token_revoked");
  });
}

}  // namespace pasaprod::web
