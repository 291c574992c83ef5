// The JSON API under /api/v1: every operation of the office over HTTP, declared once in a
// route table from which the router and the OpenAPI document are both derived.
//
//   ApiContext ctx{office, access, options};
//   http::RouteTable routes = build_api_routes(ctx);
//   http::HttpServer server(config, std::move(routes));
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/route.h"
#include "service/access.h"
#include "service/office.h"
#include "util/metrics.h"

namespace pasaprod::api {

struct ApiOptions {
  std::uint64_t max_upload_bytes = 4ull << 30;
  bool secure_cookies = false;  // set behind TLS: cookies get the Secure attribute
  std::string session_cookie = "pasaprod_session";
};

struct ApiContext {
  Office& office;
  Access& access;
  ApiOptions options;
  // Verifies the audit trail of the backend in use: {ok, events_checked, problems[...]}.
  std::function<nlohmann::json(Lang)> audit_verify;
};

// Declares every /api/v1 route, /healthz and /api/openapi.json, and installs the
// authenticator (session cookie + CSRF header, or bearer token).
void add_api_routes(http::RouteTable& routes, ApiContext& ctx);

// Declares GET /metrics, answering `registry` rendered, for callers `auth` admits: Auth::admin
// on the main listener, Auth::none on a metrics-only listener (a table without authenticator).
// `registry` must outlive the routes.
void add_metrics_route(http::RouteTable& routes, const metrics::Registry& registry, http::Auth auth);

// The feed address of a calendar key: --public-url + "/calendar/KEY.ics", or without it the
// request's own Host (http://, https:// with secure cookies), or the bare path when the Host
// is missing or odd.
std::string calendar_url(const http::Request& req, const ApiContext& ctx, const std::string& key);

// The signed-in caller of a request the authenticator accepted (nullptr for Auth::none).
const Principal* principal(const http::Request& req);
Caller caller(const http::Request& req);

}  // namespace pasaprod::api
