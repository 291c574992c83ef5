// Plumbing shared by the page handlers (internal to src/web): who is asking, in which
// language, rendering a template inside the layout, redirects and form fields.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "http/route.h"
#include "service/access.h"
#include "web/assets.h"
#include "web/catalog.h"
#include "web/web.h"

namespace pasaprod::web {

// What every page handler shares. Immutable after construction (safe across threads).
class Web {
 public:
  Web(api::ApiContext& api, WebOptions options);

  Office& office() const { return api_.office; }
  Access& access() const { return api_.access; }
  const api::ApiOptions& api_options() const { return api_.options; }
  const api::ApiContext& api() const { return api_; }
  const WebOptions& options() const { return options_; }
  const Assets& assets() const { return assets_; }
  // The catalogs: the embedded ones parsed once, or (dev_dir) re-read at every call.
  std::shared_ptr<const Catalog> catalog() const;

 private:
  api::ApiContext& api_;
  const WebOptions options_;
  const Assets assets_;
  std::shared_ptr<const Catalog> catalog_;  // null in development mode
};

// One request being served.
class Page {
 public:
  Page(const Web& web, http::Request& req);

  const Web& web;
  http::Request& req;
  std::optional<Principal> who;  // the signed-in user, if any
  // Without a session: the pre-session CSRF token (cookie kPreSessionCookie) that the sign-in
  // and language forms must echo; `pre_csrf_new` when this request gets it first (render() then
  // sets the cookie).
  std::string pre_csrf;
  bool pre_csrf_new = false;
  Lang lang = Lang::es;
  std::shared_ptr<const Catalog> cat;
  // The office's time zone (Office::time_zone): every time shown or typed on a page is a wall
  // time there, and the pages name it.
  std::shared_ptr<const TimeZone> zone;

  Office& office() const { return web.office(); }
  const Procedure& proc() const { return web.office().current_procedure(); }
  Caller caller() const { return Caller{who ? who->user.username : "anonymous", false}; }
  const User& user() const { return who->user; }  // REQUIRES: who
  bool holds(const std::string& role) const;      // office-wide or for any system

  std::string t(std::string_view key) const { return cat->text(lang, key); }
  std::string fmt(std::string_view key, const std::vector<std::pair<std::string, std::string>>& args) const {
    return cat->format(lang, key, args);
  }
  std::string when(Timestamp t) const { return cat->datetime(lang, t, *zone); }
  std::string when_iso(const std::string& iso) const;  // an ISO date of a record, shown like when()

  // First value of a form field (application/x-www-form-urlencoded body), or "".
  std::string form(std::string_view name) const { return req.form(name).value_or(""); }
  // Every value of a form field, in order (checkbox groups).
  std::vector<std::string> form_all(std::string_view name) const;
  // First value of a query parameter, or "".
  std::string query(std::string_view name) const { return req.query(name).value_or(""); }

  // Renders web/templates/<name>.mustache inside the layout. `data` is completed with t (the
  // catalog), me, csrf, lang, the navigation and `title` (a catalog key under "title.").
  http::Response render(const std::string& name, nlohmann::json data, int status = 200) const;
  // A page telling what went wrong, with the HTTP status of the error's code.
  http::Response error_page(const Error& e) const;
  // 303 to `location` (a local path).
  http::Response redirect(const std::string& location) const { return http::Response::redirect(location); }

  // {message, field, error_id} of an error in the page's language, for templates.
  nlohmann::json error_view(const Error& e) const;
};

enum class PageAccess {
  anyone,     // sign-in page, assets
  signed_in,  // everything else: without a session, a redirect to /login?next=PATH
  admin,      // signed in and holding admin; others get a 403 page
};

using PageFn = std::function<http::Response(Page&)>;

// Declares a page route; the route shares ownership of `web`. (Auth::none for the HTTP layer; the page checks the session itself,
// and the CSRF form field on every POST of a signed-in user).
void add_page(http::RouteTable& routes, std::shared_ptr<const Web> web, http::Method method, std::string pattern, std::string summary,
              PageAccess access, PageFn fn);

// True when `path` is a local path safe to redirect to: http::is_safe_local_target.
bool is_local_path(const std::string& path);

// The cookie holding the pre-session CSRF token (login CSRF: POST /login and /lang without a session).
inline constexpr const char* kPreSessionCookie = "pasaprod_pre";

// True when the form's csrf field matches the expected token (constant time; "" never matches).
bool csrf_matches(const std::string& sent, const std::string& expected);

// Percent-encodes a path segment or query value.
std::string url_part(const std::string& text);

}  // namespace pasaprod::web
