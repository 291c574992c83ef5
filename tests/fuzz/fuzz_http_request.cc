// Fuzz target: raw bytes a client sends on a connection, through what the server does before a
// handler runs. Beast's request parser reads them (the server's header and JSON limits), then
// our code as session.cc runs it: the Request is filled in (fill_request, with X-Forwarded-For
// through trusted proxies), the path is matched against the server's real route table, the
// answers to unmatched paths are built, the path and query inputs are checked, and a body is
// checked as its route declares it (JSON schema and texts, form fields, multipart boundary).
// The conditional and range headers are planned against a file as file responses are.
//
// Beyond "no crash, no sanitizer report", it checks: a matched route's captures are safe file
// name components, and no response built here carries an unsafe header.
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_routes.h"
#include "http/file_range.h"
#include "http/header_safety.h"
#include "http/session_parts.h"
#include "web/multipart.h"

namespace bhttp = boost::beast::http;
using namespace pasaprod;
using namespace pasaprod::http;
using namespace pasaprod::http::detail;  // fill_request, answer_unmatched, check_small_body

namespace {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // ServerConfig defaults
constexpr std::uint64_t kMaxJsonBytes = 1024 * 1024;

const TrustedProxies& proxies() {
  static const TrustedProxies t = TrustedProxies::parse({"127.0.0.1", "10.0.0.0/8", "::1"}).value();
  return t;
}

void check_response(const Response& r) {
  FUZZ_CHECK(!unsafe_header(r), "a response carries an unsafe header");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const RouteTable& routes = fuzz::server_routes();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxJsonBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    in.remove_prefix(used);
    // need_more: every byte there is was offered. Beast requires more bytes on the next put
    // (as the server's reads supply), never the same ones again.
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec) break;
  }
  if (!ec && !parser.is_done() && parser.is_header_done()) parser.put_eof(ec);
  if (!parser.is_header_done()) return 0;

  Request req;
  fill_request(req, parser.get().base(), proxies(), "127.0.0.1");
  (void)req.lang();
  (void)req.cookie("pasaprod_session");
  (void)req.content_length();

  const FilePlan plan = plan_file_response(1000, "\"abc\"", req.header("range"), req.header("if-none-match"),
                                           req.header("if-range"));
  FUZZ_CHECK(plan.offset + plan.length <= 1000, "a file plan reaches past the end of the file");
  FUZZ_CHECK(plan.status == 200 || plan.status == 206 || plan.status == 304 || plan.status == 416, "odd file plan status");

  RouteMatch m = routes.match(parse_method(req.method()), req.path());
  if (m.kind != RouteMatch::Kind::found) {
    check_response(answer_unmatched(m, req));
    return 0;
  }
  for (const auto& [name, value] : m.params) {
    FUZZ_CHECK(!value.empty() && value != "." && value != ".." &&
                   value.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos,
               "an unsafe path capture reached a handler");
  }
  const Route& route = *m.route;
  req.set_route(&route, &routes);
  req.set_path_params(std::move(m.params));
  if (auto bad = check_url_inputs(req)) {
    check_response(Response::problem(*bad, req.lang()));
    return 0;
  }
  if (route.body == BodyKind::stream) {
    if (auto ct = req.header("content-type")) {
      if (auto boundary = web::multipart_boundary(*ct)) {
        FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70, "boundary length out of 1..70");
      }
    }
    return 0;
  }
  if (!parser.is_done() || ec) return 0;  // the server answers 400/413 or drops the connection
  req.set_body(std::move(parser.get().body()));
  if (auto bad = check_small_body(req, route)) {
    check_response(Response::problem(*bad, req.lang()));
    return 0;
  }
  if (route.body == BodyKind::json) FUZZ_CHECK(req.json().is_object(), "a json handler would get a non-object body");
  return 0;
}
