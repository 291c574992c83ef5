// The OpenAPI 3.0 description of a RouteTable: generated from the same routes the server
// dispatches on, so the document cannot drift from the API.
//
//   add_openapi_route(routes, {.title = "pasaprod", .version = "0.1.0"});
//   HttpServer server(config, std::move(routes));   // GET /api/openapi.json now serves it
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "http/route.h"

namespace pasaprod::http {

struct OpenApiInfo {
  std::string title = "pasaprod API";
  std::string version = "0.1.0";
  std::string description{};
  std::string session_cookie = "pasaprod_session";  // cookie the "session" scheme names
};

// The document: one path item per pattern (its {captures} as required string path parameters),
// one operation per route (summary, description, tags, query parameters, request body by
// BodyKind, documented responses plus a problem+json default), security per Auth (none: public;
// others: cookie session or bearer token; admin also marked "x-pasaprod-auth": "admin"), and
// the Problem schema. HEAD is implied by GET and not listed.
nlohmann::json openapi_document(const RouteTable& routes, const OpenApiInfo& info);

// Adds `GET path` (Auth::none) answering openapi_document() of the table the server runs —
// which includes this route itself.
void add_openapi_route(RouteTable& routes, OpenApiInfo info,
                       std::string path = "/api/openapi.json");

}  // namespace pasaprod::http
