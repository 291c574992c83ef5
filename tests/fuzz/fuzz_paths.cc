// Fuzz target: the decoding of what arrives in a URL and its headers (src/http): percent
// decoding and encoding, query and form strings, Cookie and Accept-Language values, redirect
// targets taken from forms (is_safe_local_target), and route matching with {captures}.
//
// Properties checked:
//  - percent_decode(percent_encode(s)) == s, and a decodable s decodes to what parse_query's
//    component decoding gives (without '+');
//  - parse_query of the pairs it returned, re-encoded, gives the same pairs;
//  - a target accepted by is_safe_local_target stays on this origin: it starts with one '/',
//    and decoded it has no control character, no backslash and no leading "//";
//  - a matched capture is a safe file-name component (not "", ".", "..", no '/', '\\', NUL).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/header_safety.h"
#include "http/request.h"
#include "http/route.h"

using namespace pasaprod;
using namespace pasaprod::http;

namespace {

const RouteTable& table() {
  static const RouteTable t = [] {
    RouteTable r;
    auto ok = [](Request&) { return Response::text("ok"); };
    r.add({.method = Method::get, .pattern = "/", .auth = Auth::none, .handler = ok});
    r.add({.method = Method::get, .pattern = "/files/{name}", .auth = Auth::none, .handler = ok});
    r.add({.method = Method::get, .pattern = "/files/new", .auth = Auth::none, .handler = ok});
    r.add({.method = Method::put, .pattern = "/r/{number}/d/{slot}/{filename}", .auth = Auth::none, .handler = ok});
    r.add({.method = Method::get, .pattern = "/r/{number}/d/{slot}/{filename}", .auth = Auth::none, .handler = ok});
    return r;
  }();
  return t;
}

bool safe_capture(const std::string& v) {
  return !v.empty() && v != "." && v != ".." && v.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  const std::string encoded = percent_encode(s);
  const std::optional<std::string> round = percent_decode(encoded);
  FUZZ_CHECK(round && *round == s, "percent_decode(percent_encode(s)) != s");
  if (const std::optional<std::string> d = percent_decode(s); d && s.find('+') == std::string_view::npos &&
                                                              s.find('&') == std::string_view::npos &&
                                                              s.find('=') == std::string_view::npos && !s.empty()) {
    const Params q = parse_query(s);
    FUZZ_CHECK(q.size() == 1 && q[0].first == *d, "query decoding differs from percent_decode");
  }

  const Params pairs = parse_query(s);
  std::string again;
  for (const auto& [k, v] : pairs) again += (again.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  FUZZ_CHECK(parse_query(again) == pairs, "re-encoded query pairs parse differently");

  (void)parse_cookies(s);
  (void)parse_accept_language(s);

  if (is_safe_local_target(s)) {
    FUZZ_CHECK(!s.empty() && s[0] == '/' && s.size() <= kMaxLocalTarget, "a safe target not starting with '/'");
    const std::optional<std::string> d = percent_decode(s);
    FUZZ_CHECK(d.has_value(), "a safe target that does not decode");
    for (char c : *d) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 0x20 && u != 0x7f && c != '\\', "a safe target decodes to a control character or backslash");
    }
    FUZZ_CHECK(d->rfind("//", 0) != 0, "a safe target decodes to a network path");
  }

  const std::size_t sp = s.find(' ');
  const std::string_view path = sp == std::string_view::npos ? s : s.substr(sp + 1);
  const std::optional<Method> method = sp == std::string_view::npos ? std::optional<Method>(Method::get) : parse_method(s.substr(0, sp));
  const RouteMatch m = table().match(method, path);
  if (m.kind == RouteMatch::Kind::found) {
    for (const auto& [name, value] : m.params) FUZZ_CHECK(safe_capture(value), "an unsafe capture was matched");
  }
  if (m.kind == RouteMatch::Kind::bad_param) FUZZ_CHECK(m.error.has_value(), "bad_param without its error");
  return 0;
}
