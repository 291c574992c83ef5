// An HTTP request as handlers see it, without Beast.
//
// The server fills it in (the set_* members); tests can build one directly to call a handler
// without a server:
//
//   Request req;
//   req.set_method("GET");
//   req.set_target("/api/v1/releases?state=open");
//   req.add_header("Accept-Language", "en");
//   Response res = handler(req);
//
// A Request is used by one thread at a time (lazily parsed parts are cached without locking).
#pragma once

#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace pasaprod::http {

struct Route;
class RouteTable;

using Params = std::vector<std::pair<std::string, std::string>>;

class Request {
 public:
  // ---- Filled in by the server (or a test). ----
  void set_method(std::string method) { method_ = std::move(method); }
  // Sets the raw target ("/path?query"); splits path and query and decodes the query.
  void set_target(std::string target);
  void add_header(std::string name, std::string value);
  void set_client_address(std::string address) { client_ = std::move(address); }
  void set_path_params(Params params) { path_params_ = std::move(params); }
  void set_body(std::string body);
  void set_route(const Route* route, const RouteTable* table) { route_ = route; table_ = table; }

  // ---- For handlers. ----
  const std::string& method() const { return method_; }  // as sent: "GET"
  const std::string& target() const { return target_; }  // raw: "/a%20b?x=1"
  const std::string& path() const { return path_; }      // raw path, no query: "/a%20b"

  // Decoded value of the path capture `name`; "" when the route has no such capture.
  const std::string& param(std::string_view name) const;
  const Params& path_params() const { return path_params_; }

  // First value of query parameter `name` ('+' and %XX decoded); nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  const Params& query_params() const { return query_; }

  // Value of the first header named `name` (case-insensitive); nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  const Params& headers() const { return headers_; }

  // Value of cookie `name` from the Cookie header(s); nullopt when absent.
  std::optional<std::string> cookie(std::string_view name) const;

  // Remote IP address ("127.0.0.1", "::1").
  const std::string& client_address() const { return client_; }

  // Language of messages for this caller, from Accept-Language (es by default, or en).
  Lang lang() const;

  // Declared Content-Length, if any.
  std::optional<std::uint64_t> content_length() const;

  // Raw body of a none/json/form route (already bounded by the server's JSON limit).
  const std::string& body() const { return body_; }

  // Parses the body as JSON (once; later calls return the first outcome). The server calls it
  // for BodyKind::json routes before the handler and answers a failure with 400, so a json
  // handler can use json() directly. Error: invalid_argument "http.malformed_json". With a
  // route set, the body must also satisfy its request_schema (an object when none is
  // declared): invalid_argument "json.invalid_body" naming the field otherwise.
  Status parse_json();
  // The parsed JSON body; null when parse_json() was not called or failed.
  const nlohmann::json& json() const { return json_; }

  // First value of form field `name` of an application/x-www-form-urlencoded body.
  std::optional<std::string> form(std::string_view name) const;

  // The route being served and the table it belongs to (null outside the server).
  const Route* route() const { return route_; }
  const RouteTable* routes() const { return table_; }

  // The caller's identity for the request log ("" = anonymous); set by the Authenticator.
  void set_user(std::string user) { user_ = std::move(user); }
  const std::string& user() const { return user_; }

  // Free slot for the application (e.g. the authenticated principal), set by the Authenticator.
  std::any& context() { return context_; }
  const std::any& context() const { return context_; }

 private:
  std::string method_;
  std::string target_;
  std::string path_;
  Params query_;
  Params headers_;
  Params path_params_;
  std::string client_;
  std::string body_;
  nlohmann::json json_;
  std::optional<Status> json_status_;  // set by the first parse_json()
  mutable std::optional<Params> form_;  // parsed on first form() call
  const Route* route_ = nullptr;
  const RouteTable* table_ = nullptr;
  std::string user_;
  std::any context_;
};

// Parses "a=1&b=x+y&c=%2F" into decoded pairs, in order. Malformed escapes are kept verbatim.
Params parse_query(std::string_view text);

// Parses a Cookie header value ("a=1; b=\"2\"") into pairs, in order (quotes removed).
Params parse_cookies(std::string_view text);

// Picks es or en from an Accept-Language value by q-value ("en-US,en;q=0.9" → en); ties go to
// the first listed; es when neither is acceptable or the header is absent.
Lang parse_accept_language(std::string_view text);

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace pasaprod::http
