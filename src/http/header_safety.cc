#include "http/header_safety.h"

#include "http/response.h"
#include "http/route.h"

namespace pasaprod::http {

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 pchar minus '%' (checked separately), plus '/' and '?' (path and query).
bool is_target_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                   // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*':
    case '+': case ',': case ';': case '=':                                   // sub-delims
    case ':': case '@': case '/': case '?':
      return true;
    default:
      return false;
  }
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

bool is_safe_local_target(std::string_view t) {
  if (t.empty() || t.size() > kMaxLocalTarget || t[0] != '/') return false;
  if (t.size() > 1 && (t[1] == '/' || t[1] == '\\')) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '%') {
      if (i + 2 >= t.size() || !is_hex(t[i + 1]) || !is_hex(t[i + 2])) return false;
      i += 2;
    } else if (!is_target_char(t[i])) {
      return false;
    }
  }
  const std::optional<std::string> decoded = percent_decode(t);
  if (!decoded) return false;
  for (char c : *decoded) {
    if (is_control(static_cast<unsigned char>(c)) || c == '\\') return false;
  }
  return !(decoded->size() > 1 && ((*decoded)[1] == '/' || (*decoded)[1] == '\\'));
}

bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool is_safe_header_value(std::string_view value) {
  for (char c : value) {
    if (is_control(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::optional<std::string> unsafe_header(const Response& resp) {
  for (const auto& [name, value] : resp.headers()) {
    if (!is_header_name(name) || !is_safe_header_value(value)) return name;
  }
  if (!is_safe_header_value(resp.etag())) return std::string("ETag");
  return std::nullopt;
}

void add_default_headers(Response& resp) {
  auto add = [&](const char* name, const char* value) {
    if (!resp.header(name)) resp.add_header(name, value);
  };
  add("X-Content-Type-Options", "nosniff");
  add("Referrer-Policy", "same-origin");
  add("X-Frame-Options", "DENY");
  add("Content-Security-Policy", "frame-ancestors 'none'");
}

}  // namespace pasaprod::http
