#include "http/request.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "http/json_schema.h"
#include "http/route.h"

namespace pasaprod::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes a query/form component: '+' is a space, %XX an octet; malformed escapes verbatim.
std::string decode_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const std::string kEmpty;

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Params parse_query(std::string_view text) {
  Params out;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view item = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(decode_component(item), std::string());
    } else {
      out.emplace_back(decode_component(item.substr(0, eq)), decode_component(item.substr(eq + 1)));
    }
  }
  return out;
}

Params parse_cookies(std::string_view text) {
  Params out;
  while (!text.empty()) {
    std::size_t semi = text.find(';');
    std::string_view item = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    std::size_t eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos || eq == 0) continue;
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace_back(std::string(trim(item.substr(0, eq))), std::string(value));
  }
  return out;
}

Lang parse_accept_language(std::string_view text) {
  Lang best = Lang::es;
  double best_q = 0.0;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    std::size_t semi = item.find(';');
    std::string_view tag = trim(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view param = trim(item.substr(semi + 1));
      if (param.size() > 2 && lower(param[0]) == 'q' && param[1] == '=') {
        std::string num(param.substr(2));
        char* end = nullptr;
        q = std::strtod(num.c_str(), &end);
        if (end == num.c_str()) q = 0.0;
      }
    }
    bool is_en = tag.size() >= 2 && lower(tag[0]) == 'e' && lower(tag[1]) == 'n' &&
                 (tag.size() == 2 || tag[2] == '-');
    bool is_es = tag.size() >= 2 && lower(tag[0]) == 'e' && lower(tag[1]) == 's' &&
                 (tag.size() == 2 || tag[2] == '-');
    if ((is_en || is_es) && q > best_q) {
      best_q = q;
      best = is_en ? Lang::en : Lang::es;
    }
  }
  return best;
}

void Request::set_target(std::string target) {
  target_ = std::move(target);
  std::size_t q = target_.find('?');
  path_ = target_.substr(0, q);
  query_ = q == std::string::npos ? Params() : parse_query(std::string_view(target_).substr(q + 1));
}

void Request::add_header(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

void Request::set_body(std::string body) {
  body_ = std::move(body);
  json_ = nullptr;
  json_status_.reset();
  form_.reset();
}

const std::string& Request::param(std::string_view name) const {
  for (const auto& [k, v] : path_params_) {
    if (k == name) return v;
  }
  return kEmpty;
}

std::optional<std::string> Request::query(std::string_view name) const {
  for (const auto& [k, v] : query_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (!iequals(k, "cookie")) continue;
    for (auto& [ck, cv] : parse_cookies(v)) {
      if (ck == name) return std::move(cv);
    }
  }
  return std::nullopt;
}

Lang Request::lang() const {
  std::optional<std::string_view> h = header("accept-language");
  return h ? parse_accept_language(*h) : Lang::es;
}

std::optional<std::uint64_t> Request::content_length() const {
  std::optional<std::string_view> h = header("content-length");
  if (!h) return std::nullopt;
  std::uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(h->data(), h->data() + h->size(), n);
  if (ec != std::errc() || ptr != h->data() + h->size()) return std::nullopt;
  return n;
}

Status Request::parse_json() {
  if (json_status_) return *json_status_;
  nlohmann::json parsed = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again with exceptions only to report where it failed.
    std::string where;
    try {
      nlohmann::json ignored = nlohmann::json::parse(body_);
    } catch (const nlohmann::json::parse_error& e) {
      where = std::to_string(e.byte);
    } catch (const nlohmann::json::exception&) {
      // out_of_range.406, a number beyond a double ("1e999"): no position to report.
    }
    const std::string at_es = where.empty() ? "" : " (byte " + where + ")";
    const std::string at_en = where.empty() ? "" : " (byte " + where + ")";
    Error e = make_error(
        Code::invalid_argument, "http.malformed_json",
        body_.empty() ? "Falta el cuerpo JSON de la solicitud."
                      : fmt::format("El cuerpo de la solicitud no es JSON válido{}.", at_es),
        body_.empty() ? "The request's JSON body is missing."
                      : fmt::format("The request body is not valid JSON{}.", at_en));
    if (!where.empty()) e.with("byte", where);
    json_status_ = Status(std::move(e));
  } else if (auto bad = route_ ? check_json_schema(route_->request_schema, parsed) : std::nullopt) {
    json_status_ = Status(std::move(*bad));  // wrong types never reach a handler
  } else {
    json_ = std::move(parsed);
    json_status_ = Status();
  }
  return *json_status_;
}

std::optional<std::string> Request::form(std::string_view name) const {
  if (!form_) form_ = parse_query(body_);
  for (const auto& [k, v] : *form_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace pasaprod::http
