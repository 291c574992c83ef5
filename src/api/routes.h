// Route groups of the API (one file each) and helpers they share. Internal to src/api.
#pragma once

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "http/request.h"
#include "http/response.h"

namespace pasaprod::api {

void add_session_routes(http::RouteTable& routes, ApiContext& ctx);
void add_admin_routes(http::RouteTable& routes, ApiContext& ctx);
void add_mail_routes(http::RouteTable& routes, ApiContext& ctx);  // /api/v1/mail
void add_release_routes(http::RouteTable& routes, ApiContext& ctx);
void add_file_routes(http::RouteTable& routes, ApiContext& ctx);
void add_meta_routes(http::RouteTable& routes, ApiContext& ctx);
void add_document_routes(http::RouteTable& routes, ApiContext& ctx);
void add_report_routes(http::RouteTable& routes, ApiContext& ctx);
void add_calendar_routes(http::RouteTable& routes, ApiContext& ctx);  // /calendar/{key}.ics, /api/v1/calendar

// A problem response for `e` in the request's language.
inline http::Response problem(const http::Request& req, const Error& e) { return http::Response::problem(e, req.lang()); }

// 200 {"items": [to_json(x), ...]} for a listing, or the problem of its error.
template <class T, class ToJson>
http::Response items_response(const http::Request& req, const Result<std::vector<T>>& list, ToJson to_json) {
  if (!list) return problem(req, list.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& x : *list) items.push_back(to_json(x));
  return http::Response::json({{"items", items}});
}

// String member of the JSON body, or "" (also when not a string).
std::string jstr(const nlohmann::json& body, const char* key);
// `u` with the profile fields `body` gives (name, email, lang, mail_digest), for update_profile.
User with_profile(User u, const nlohmann::json& body);
// The request schema of those fields (and `extra` properties).
nlohmann::json profile_schema(const nlohmann::json& extra = nlohmann::json::object());
// invalid_argument naming a missing or malformed field.
Error bad_field(const std::string& field, const std::string& es, const std::string& en);
// RFC 6266 Content-Disposition "attachment" for a download named `name`: an ASCII fallback
// and the UTF-8 name.
std::string disposition(const std::string& name);
// The stored blob `sha256` as a download: a local file is sent as a file (ranges, sendfile),
// any other blob streamed (no ranges). ETag = the digest.
Result<http::Response> blob_response(const BlobStore& blobs, const std::string& sha256, std::string content_type);
// The row_version from an If-Match header ("\"7\"" or "7"), if any.
std::optional<std::int64_t> if_match(const http::Request& req);

}  // namespace pasaprod::api
