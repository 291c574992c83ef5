// bench_http_server: the HTTP layer with trivial handlers, to measure the server itself.
//
//   bench_http_server [--listen 127.0.0.1:8088] [--threads 2] [--log]
//
//   GET  /hello                 "hello" (text/plain)
//   GET  /api/v1/status         a small JSON object
//   POST /api/v1/echo           echoes a JSON body
//   PUT  /upload/{name}         streams the body into SHA-256, answers the digest
//   PUT  /discard/{name}        streams the body and counts it (transport alone)
//   GET  /api/openapi.json      the OpenAPI document
//
// Runs until SIGINT/SIGTERM (graceful stop). Request logging is off unless --log (it measures
// the server, not the terminal).
#include <cstdio>
#include <cstring>
#include <string>

#include "http/openapi.h"
#include "http/server.h"
#include "util/sha256.h"

namespace {

using namespace pasaprod;
using namespace pasaprod::http;

class DigestSink : public BodySink {
 public:
  explicit DigestSink(bool hash) : hash_(hash) {}
  Status write(const char* data, std::size_t size) override {
    if (hash_) sha_.update(data, size);
    bytes_ += size;
    return ok_status();
  }
  Response finish() override {
    return Response::json({{"sha256", hash_ ? sha_.hex_digest() : ""}, {"bytes", bytes_}}, 201);
  }
  void abort(const Error&) override {}

 private:
  bool hash_;
  Sha256 sha_;
  std::uint64_t bytes_ = 0;
};

RouteTable bench_routes() {
  RouteTable t;
  t.add({.method = Method::get, .pattern = "/hello", .auth = Auth::none, .summary = "Plain text",
         .handler = [](Request&) { return Response::text("hello"); }});
  t.add({.method = Method::get, .pattern = "/api/v1/status", .auth = Auth::none, .summary = "Small JSON",
         .handler = [](Request& r) {
           return Response::json({{"service", "pasaprod"}, {"ok", true}, {"lang", r.lang() == Lang::en ? "en" : "es"},
                                  {"releases", {{"open", 12}, {"closed", 340}}}});
         }});
  t.add({.method = Method::post, .pattern = "/api/v1/echo", .auth = Auth::none, .summary = "Echo JSON",
         .body = BodyKind::json, .handler = [](Request& r) { return Response::json(r.json()); }});
  t.add({.method = Method::put, .pattern = "/upload/{name}", .auth = Auth::none, .summary = "Hash upload",
         .body = BodyKind::stream, .stream_handler = [](Request&) -> Result<std::unique_ptr<BodySink>> {
           return std::unique_ptr<BodySink>(std::make_unique<DigestSink>(true));
         }});
  t.add({.method = Method::put, .pattern = "/discard/{name}", .auth = Auth::none, .summary = "Count upload",
         .body = BodyKind::stream, .stream_handler = [](Request&) -> Result<std::unique_ptr<BodySink>> {
           return std::unique_ptr<BodySink>(std::make_unique<DigestSink>(false));
         }});
  add_openapi_route(t, {.title = "bench", .version = "0"});
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  ServerConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 8088;
  cfg.stop_on_signals = true;
  cfg.request_logger = [](const RequestLogEntry&) {};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--listen" && i + 1 < argc) {
      auto l = parse_listen(argv[++i]);
      if (!l) {
        std::fprintf(stderr, "%s\n", l.error().en.c_str());
        return 2;
      }
      cfg.host = l->first;
      cfg.port = l->second;
    } else if (a == "--threads" && i + 1 < argc) {
      cfg.threads = std::atoi(argv[++i]);
    } else if (a == "--log") {
      cfg.request_logger = nullptr;  // spdlog, one line per request
    } else {
      std::fprintf(stderr, "usage: bench_http_server [--listen HOST:PORT] [--threads N] [--log]\n");
      return 2;
    }
  }
  HttpServer server(cfg, bench_routes());
  if (Status s = server.start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().en.c_str());
    return 1;
  }
  std::printf("listening on %s:%u with %d threads\n", cfg.host.c_str(), server.port(), cfg.threads);
  std::fflush(stdout);
  server.wait();
  std::printf("stopped\n");
  return 0;
}
