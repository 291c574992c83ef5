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
#include "web/flash.h"
#include "web/once.h"
#include "web/web.h"

namespace pasaprod::web {

// What every page handler shares. Immutable after construction (safe across threads); the
// flashes and once tokens live in the database.
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
  FlashStore& flashes() const { return *flashes_; }
  OnceStore& once() const { return *once_; }

 private:
  api::ApiContext& api_;
  const WebOptions options_;
  const Assets assets_;
  std::shared_ptr<const Catalog> catalog_;  // null in development mode
  const std::unique_ptr<FlashStore> flashes_;
  const std::unique_ptr<OnceStore> once_;
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
  // Post/redirect/get: 303 to `location` (a local path, maybe with query and #anchor) carrying
  // `data`, which the first GET of its path by this person takes (take_flash). `smaller` is
  // kept instead when `data` is over FlashStore::kMaxFlashBytes (the error without the values).
  http::Response redirect_flash(const std::string& location, const nlohmann::json& data,
                                const nlohmann::json& smaller = nlohmann::json::object()) const;
  // The flash sent to this page by redirect_flash, or null. Taken from the store on the first
  // call (every GET page route makes it), so a reload does not show it again; render() then
  // drops the cookie.
  const nlohmann::json& flash();
  // A refused form: redirect_flash to `location` with {"error", "values"} (the error alone when
  // too large); the page reads them back with flash_error() and flash_values().
  http::Response refuse_to(const std::string& location, const Error& e,
                           const nlohmann::json& values = nlohmann::json::object()) const;
  std::optional<Error> flash_error();
  nlohmann::json flash_values(nlohmann::json otherwise);  // the flash's "values", or `otherwise`
  // A body field the boundary refused (too long, not text), for the POST routes that answer it
  // themselves (add_page's `on_bad_input`): the handler must refuse before writing anything.
  std::optional<Error> input_error;

  // {message, field, error_id} of an error in the page's language, for templates.
  nlohmann::json error_view(const Error& e) const;

  // Who the browser is, for flashes and once tokens: the session's digest, or one of the
  // pre-session token.
  std::string visitor() const;

 private:
  bool flash_taken_ = false;        // flash() looked
  bool clear_flash_cookie_ = false;  // flash() found one
  nlohmann::json flash_;
};

enum class PageAccess {
  anyone,     // sign-in page, assets
  signed_in,  // everything else: without a session, a redirect to /login?next=PATH
  admin,      // signed in and holding admin; others get a 403 page
};

using PageFn = std::function<http::Response(Page&)>;

// Declares a page route; the route shares ownership of `web`. (Auth::none for the HTTP layer; the page checks the session itself,
// and the CSRF form field on every POST of a signed-in user).
// A POST whose fields the boundary refuses (http::check_body_inputs: over a field's limit, not
// text) runs `on_bad_input` with Page::input_error set, after the same session and CSRF checks;
// without one it answers 303 back to the page the form was on (Referer, when local; else the
// inbox) with the reason as a flash ({"alert": message}).
void add_page(http::RouteTable& routes, std::shared_ptr<const Web> web, http::Method method, std::string pattern, std::string summary,
              PageAccess access, PageFn fn, PageFn on_bad_input = nullptr);

// An Error as JSON for a flash ({code, id, es, en, details}), and back (an object without
// "id" gives nullopt).
nlohmann::json error_to_json(const Error& e);
std::optional<Error> error_from_json(const nlohmann::json& j);

// True when `path` is a local path safe to redirect to: http::is_safe_local_target.
bool is_local_path(const std::string& path);

// The cookie holding the pre-session CSRF token (login CSRF: POST /login and /lang without a session).
inline constexpr const char* kPreSessionCookie = "pasaprod_pre";

// True when the form's csrf field matches the expected token (constant time; "" never matches).
bool csrf_matches(const std::string& sent, const std::string& expected);

// Percent-encodes a path segment or query value.
std::string url_part(const std::string& text);

}  // namespace pasaprod::web
