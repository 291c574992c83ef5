// Fuzz target: JSON request bodies through the server's checks, against the schemas the route
// table declares. The input is "METHOD /path\n" then the body: the route that request line
// matches, when it takes a JSON body; otherwise one of the JSON routes picked by a hash of the
// line (so every declared schema gets inputs). As the server does before a json handler runs
// (check_small_body): parse, validate against the route's request_schema (valijson), check
// every text of the body (input_check), and build the 400 answer of a refusal.
//
// Properties: a refusal is invalid_argument (400; never "json.bad_schema", a 500), and a body
// that passes is a JSON object that satisfies the schema when checked again.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_routes.h"
#include "http/header_safety.h"
#include "http/json_schema.h"
#include "http/session_parts.h"

using namespace pasaprod;
using namespace pasaprod::http;
using pasaprod::http::detail::check_small_body;

namespace {

std::vector<const Route*> json_routes(const RouteTable& table) {
  std::vector<const Route*> out;
  for (const Route& r : table.routes()) {
    if (r.body == BodyKind::json) out.push_back(&r);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const RouteTable& table = fuzz::server_routes();
  static const std::vector<const Route*> routes = json_routes(table);
  FUZZ_CHECK(!routes.empty(), "the route table declares no JSON route");

  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t eol = in.find('\n');
  const std::string_view line = eol == std::string_view::npos ? std::string_view() : in.substr(0, eol);
  const std::string_view body = eol == std::string_view::npos ? in : in.substr(eol + 1);

  const Route* route = nullptr;
  Params params;
  if (const std::size_t sp = line.find(' '); sp != std::string_view::npos) {
    RouteMatch m = table.match(parse_method(line.substr(0, sp)), line.substr(sp + 1));
    if (m.kind == RouteMatch::Kind::found && m.route->body == BodyKind::json) {
      route = m.route;
      params = std::move(m.params);
    }
  }
  if (!route) route = routes[std::hash<std::string_view>{}(line) % routes.size()];

  Request req;
  req.set_method(method_name(route->method));
  req.set_target(route->pattern);
  req.add_header("Content-Type", "application/json");
  req.set_route(route, &table);
  req.set_path_params(std::move(params));
  req.set_body(std::string(body));
  if (auto bad = check_small_body(req, *route)) {
    FUZZ_CHECK(bad->code == Code::invalid_argument, "a body refused with a code other than invalid_argument");
    const Response r = Response::problem(*bad, Lang::en);
    FUZZ_CHECK(r.status() == 400, "a refused body not answered 400");
    FUZZ_CHECK(!unsafe_header(r), "a refusal carries an unsafe header");
    return 0;
  }
  FUZZ_CHECK(req.json().is_object(), "a body that is not an object reached a handler");
  FUZZ_CHECK(!check_json_schema(route->request_schema, req.json()), "an accepted body fails its schema");
  return 0;
}
