// The route table: the one place where an HTTP endpoint is declared.
//
// A Route says what it accepts (method, path pattern with {param} captures, the auth it
// requires, the kind of body) and documents itself (summary, description, query parameters,
// request schema, responses). The router (HttpServer) and the OpenAPI document (openapi.h) are
// both derived from the same RouteTable, so they cannot drift apart.
//
//   RouteTable routes;
//   routes.add({.method = Method::get,
//               .pattern = "/api/v1/releases/{number}",
//               .auth = Auth::session_or_token,
//               .summary = "Get a release",
//               .handler = [&](Request& req) {
//                 Result<Release> r = service.release(req.param("number"));
//                 if (!r) return Response::problem(r.error(), req.lang());
//                 return Response::json(to_json(*r));
//               }});
//
// Patterns are absolute paths whose segments are literals or whole-segment captures "{name}".
// Captures are percent-decoded; a capture that decodes to "", ".", ".." or contains '/', '\\'
// or NUL is refused with 400 (so a capture is always safe as a single file-name component).
// When several patterns match, the one with a literal at the first differing segment wins
// ("/releases/new" beats "/releases/{number}").
//
// Every member of Route (and ParamDoc, ResponseDoc) has a default member initializer, so
// designated initializers may skip any of them without -Wmissing-field-initializers.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "http/body_sink.h"
#include "http/request.h"
#include "http/response.h"

namespace pasaprod::http {

enum class Method { get, head, post, put, patch, del, options };

// "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS".
const char* method_name(Method method);
// Exact (case-sensitive, as HTTP requires) inverse of method_name; nullopt for others.
std::optional<Method> parse_method(std::string_view text);

// Who may call a route. The HTTP layer does not authenticate: it hands the requirement to the
// application's Authenticator (RouteTable::set_authenticator) and to the OpenAPI document.
enum class Auth {
  none,              // public
  session_or_token,  // a signed-in user: session cookie or bearer token
  admin,             // as session_or_token, and the user must be an administrator
};
const char* auth_name(Auth auth);  // "none", "session_or_token", "admin"

// What the server does with the request body before the handler runs.
enum class BodyKind {
  none,    // no body expected; one sent anyway is read (JSON limit) and kept in Request::body()
  json,    // read up to the JSON limit and parsed; malformed → 400 before the handler runs
  form,    // application/x-www-form-urlencoded, read up to the JSON limit (Request::form)
  stream,  // streamed to the BodySink returned by the route's stream_handler (upload limit)
};

// Documentation of one query parameter (OpenAPI only; the router does not enforce it).
struct ParamDoc {
  std::string name{};
  std::string description{};
  bool required = false;
};

// Documentation of one response (OpenAPI only).
struct ResponseDoc {
  int status = 200;
  std::string description{};
  nlohmann::json schema{};  // JSON Schema of the body; null = not described
  std::string content_type = "application/json";
};

// Handler of a none/json/form route. Runs on a server thread after authentication; must not
// block for long (it holds one of the server's threads). Handlers of concurrent requests run
// at the same time on different threads: they must be thread-safe. Exceptions become 500
// problems (logged; the message is not sent to the client).
using Handler = std::function<Response(Request& req)>;

// Handler of a stream route. Runs once the headers are in (before the body is read, before
// "100 Continue" is sent): it validates the request and returns the sink the body is streamed
// to, or an Error (answered as problem+json without reading the body). `req` outlives the sink.
using StreamHandler = std::function<Result<std::unique_ptr<BodySink>>(Request& req)>;

// Answers, for one stream route, the refusals the server itself makes of the body (over the
// upload limit) instead of problem+json: e.g. the web page a form was posted from, with the
// reason. Same threading and exception rules as Handler.
using StreamRefusal = std::function<Response(Request& req, const Error& why)>;

struct Route {
  Method method = Method::get;
  std::string pattern{};           // "/api/v1/releases/{number}/deliverables/{slot}/{filename}"
  Auth auth = Auth::session_or_token;
  std::string summary{};           // one line
  std::string description{};       // longer doc text (Markdown allowed, as in OpenAPI)
  BodyKind body = BodyKind::none;
  nlohmann::json request_schema{}; // JSON Schema of a json body; null = any object
  std::vector<ParamDoc> query{};   // documented query parameters
  std::vector<ResponseDoc> responses{};  // documented responses; empty = "200 OK"
  std::vector<std::string> tags{}; // OpenAPI grouping
  Handler handler{};               // required unless body == stream
  StreamHandler stream_handler{};  // required iff body == stream
  StreamRefusal stream_refusal{};  // optional, body == stream only; null = problem+json
  // Optional, body == form only: answers a body whose fields the boundary refuses
  // (check_body_inputs: over a field's limit, not text) instead of problem+json — e.g. the page
  // the form came from, with the reason and what was typed. Same rules as Handler.
  StreamRefusal form_refusal{};
  bool secret_path = false;        // the path carries a secret: the request log shows the pattern instead
};

// Called for every matched route before its body is read (hence before "100 Continue"): it
// identifies the caller (Request::set_user, Request::context) and enforces route.auth. An
// error is answered as problem+json (use Code::unauthenticated → 401,
// Code::permission_denied → 403) and the handler does not run. Called concurrently from the
// server's threads. Not called for unmatched paths (404/405).
using Authenticator = std::function<Status(Request& req, const Route& route)>;

// Result of matching a request line against the table.
struct RouteMatch {
  enum class Kind { found, not_found, method_not_allowed, bad_param };
  Kind kind = Kind::not_found;
  const Route* route = nullptr;  // found
  std::vector<std::pair<std::string, std::string>> params;  // found: decoded captures
  std::vector<Method> allowed;   // method_not_allowed: methods the path accepts (HEAD if GET)
  std::optional<Error> error;    // bad_param: the 400 to answer
};

class RouteTable {
 public:
  // Adds a route. Throws std::invalid_argument for programming errors found at startup: a
  // pattern not starting with '/', with an empty segment, a malformed or repeated {capture};
  // a handler missing for the body kind; a (method, pattern) already declared.
  RouteTable& add(Route route);

  // Declared routes, in declaration order.
  const std::vector<Route>& routes() const { return routes_; }

  // Optional; see Authenticator. Without one every route is served unauthenticated.
  void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }
  const Authenticator& authenticator() const { return authenticator_; }

  // Matches `path` (raw, percent-encoded, without query). `method` is nullopt for a method
  // outside Method (answered 405 when the path exists). HEAD falls back to the GET route.
  RouteMatch match(std::optional<Method> method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // literal text, or capture name
    bool capture = false;
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> compiled_;  // parallel to routes_
  Authenticator authenticator_;
};

// Percent-decodes `text` ("%41" → "A"; '+' stays '+'). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);

}  // namespace pasaprod::http
