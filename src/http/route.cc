#include "http/route.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

namespace pasaprod::http {

namespace {

constexpr Method kAllMethods[] = {Method::get,   Method::head, Method::post,   Method::put,
                                  Method::patch, Method::del,  Method::options};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "/a/b" into {"a", "b"}; "/" into {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool valid_capture(const std::string& value) {
  if (value.empty() || value == "." || value == "..") return false;
  return value.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos;
}

Error bad_param(const std::string& name, const std::string& raw) {
  return make_error(Code::invalid_argument, "http.bad_path_param",
                    fmt::format("El parámetro de ruta «{}» no es válido: no puede estar vacío, "
                                "ser «.» o «..», ni contener «/», «\\» o caracteres nulos.",
                                name),
                    fmt::format("Path parameter '{}' is invalid: it cannot be empty, '.' or "
                                "'..', nor contain '/', '\\' or NUL characters.",
                                name))
      .with("param", name)
      .with("value", raw);
}

}  // namespace

const char* method_name(Method method) {
  switch (method) {
    case Method::get: return "GET";
    case Method::head: return "HEAD";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::del: return "DELETE";
    case Method::options: return "OPTIONS";
  }
  return "GET";
}

std::optional<Method> parse_method(std::string_view text) {
  for (Method m : kAllMethods) {
    if (text == method_name(m)) return m;
  }
  return std::nullopt;
}

const char* auth_name(Auth auth) {
  switch (auth) {
    case Auth::none: return "none";
    case Auth::session_or_token: return "session_or_token";
    case Auth::admin: return "admin";
  }
  return "none";
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

RouteTable& RouteTable::add(Route route) {
  const std::string& p = route.pattern;
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(fmt::format("route {} {}: {}", method_name(route.method), p, why));
  };
  if (p.empty() || p[0] != '/') fail("pattern must start with '/'");
  std::vector<Segment> segments;
  for (std::string_view s : split_path(p)) {
    if (s.empty() && p != "/") fail("empty segment");
    Segment seg;
    if (!s.empty() && s.front() == '{') {
      if (s.size() < 3 || s.back() != '}') fail("malformed capture");
      seg.text = std::string(s.substr(1, s.size() - 2));
      seg.capture = true;
      if (seg.text.find_first_of("{}") != std::string::npos) fail("malformed capture");
      for (const Segment& other : segments) {
        if (other.capture && other.text == seg.text) fail("repeated capture " + seg.text);
      }
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) fail("braces inside a literal");
      seg.text = std::string(s);
    }
    segments.push_back(std::move(seg));
  }
  if (route.body == BodyKind::stream ? !route.stream_handler : !route.handler) {
    fail("missing handler for its body kind");
  }
  if (route.stream_refusal && route.body != BodyKind::stream) fail("stream_refusal on a route that does not stream");
  if (route.form_refusal && route.body != BodyKind::form) fail("form_refusal on a route that is not a form");
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) fail("declared twice");
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(segments));
  return *this;
}

RouteMatch RouteTable::match(std::optional<Method> method, std::string_view path) const {
  RouteMatch result;
  if (path.empty() || path[0] != '/') return result;
  std::vector<std::string_view> raw = split_path(path);
  std::vector<std::string> decoded;
  decoded.reserve(raw.size());
  for (std::string_view s : raw) {
    std::optional<std::string> d = percent_decode(s);
    decoded.push_back(d ? std::move(*d) : std::string(s));
  }

  // Candidates whose shape matches, ranked: a literal beats a capture at the first segment
  // where two candidates differ.
  auto better = [](const std::vector<Segment>& a, const std::vector<Segment>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].capture != b[i].capture) return !a[i].capture;
    }
    return false;
  };
  const Route* best = nullptr;
  const std::vector<Segment>* best_segments = nullptr;
  const std::vector<Segment>* best_shape = nullptr;  // best path shape for any method
  std::vector<Method> allowed;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const std::vector<Segment>& segs = compiled_[i];
    if (segs.size() != raw.size()) continue;
    bool ok = true;
    for (std::size_t k = 0; k < segs.size() && ok; ++k) {
      ok = segs[k].capture ? !raw[k].empty() : segs[k].text == decoded[k];
    }
    if (!ok) continue;
    if (best_shape == nullptr || better(segs, *best_shape)) best_shape = &segs;
    const Route& r = routes_[i];
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
      allowed.push_back(r.method);
    }
    bool method_ok = method && (r.method == *method ||
                                (*method == Method::head && r.method == Method::get));
    if (!method_ok) continue;
    // An exact HEAD route beats GET-as-HEAD at the same shape.
    if (best == nullptr || better(segs, *best_segments) ||
        (!better(*best_segments, segs) && r.method == *method && best->method != *method)) {
      best = &r;
      best_segments = &segs;
    }
  }
  if (best_shape == nullptr) return result;  // not_found
  if (best == nullptr) {
    result.kind = RouteMatch::Kind::method_not_allowed;
    if (std::find(allowed.begin(), allowed.end(), Method::get) != allowed.end() &&
        std::find(allowed.begin(), allowed.end(), Method::head) == allowed.end()) {
      allowed.push_back(Method::head);
    }
    std::sort(allowed.begin(), allowed.end());
    result.allowed = std::move(allowed);
    return result;
  }
  for (std::size_t k = 0; k < best_segments->size(); ++k) {
    const Segment& seg = (*best_segments)[k];
    if (!seg.capture) continue;
    std::optional<std::string> value = percent_decode(raw[k]);
    if (!value || !valid_capture(*value)) {
      result.kind = RouteMatch::Kind::bad_param;
      result.error = bad_param(seg.text, std::string(raw[k]));
      return result;
    }
    result.params.emplace_back(seg.text, std::move(*value));
  }
  result.kind = RouteMatch::Kind::found;
  result.route = best;
  return result;
}

}  // namespace pasaprod::http
