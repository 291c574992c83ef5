// What the server lets into a response header, and the headers every response carries.
//
//   if (!is_safe_local_target(next)) next = "/inbox";       // redirect targets from a form
//   if (auto bad = unsafe_header(resp)) ...                  // checked centrally before writing
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pasaprod::http {

class Response;

// Longest redirect target accepted from a client.
inline constexpr std::size_t kMaxLocalTarget = 2048;

// True when `target` is a same-origin path (and optional query) from a strict grammar: starts
// with exactly one '/', then only RFC 3986 unreserved, sub-delims, ':', '@', '/', '?' and
// well-formed %XX escapes; at most kMaxLocalTarget bytes; and once decoded it has no control
// character, no backslash and does not start with "//". Anything else (a scheme, "//host",
// "/\host", "/%09/host", CR/LF) is false: callers fall back to a fixed page.
bool is_safe_local_target(std::string_view target);

// True when `name` is an RFC 9110 token (non-empty, tchar only).
bool is_header_name(std::string_view name);

// True when `value` has no control character (C0, CR, LF, NUL, TAB included) and no DEL.
bool is_safe_header_value(std::string_view value);

// The name of the first header of `resp` whose name or value is unsafe; nullopt when all are
// safe. The server answers 500 instead of writing such a response.
std::optional<std::string> unsafe_header(const Response& resp);

// Adds the headers every response carries unless the handler set them: X-Content-Type-Options
// nosniff, Referrer-Policy same-origin, X-Frame-Options DENY, and a Content-Security-Policy
// "frame-ancestors 'none'" (HTML pages set their fuller policy themselves).
void add_default_headers(Response& resp);

}  // namespace pasaprod::http
