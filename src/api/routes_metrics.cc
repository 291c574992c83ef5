// GET /metrics: the server's metrics in the Prometheus text format (util/metrics.h).
#include "api/api.h"

namespace pasaprod::api {

void add_metrics_route(http::RouteTable& routes, const metrics::Registry& registry, http::Auth auth) {
  routes.add({.method = http::Method::get,
              .pattern = "/metrics",
              .auth = auth,
              .summary = "Metrics for Prometheus",
              .description =
                  "The server's metrics in the Prometheus text format 0.0.4: requests by route pattern and status, "
                  "latency histograms, requests in flight, write transactions and their wait for the write lock, "
                  "audit anchor lag, library size, sign-ins by outcome. On the main listener it needs an "
                  "administrator (session or API token); `serve --metrics-listen` serves it without sign-in on an "
                  "address of its own.",
              .responses = {{200, "The metrics", nullptr, metrics::kContentType}},
              .tags = {"meta"},
              .handler = [&registry](http::Request&) {
                http::Response r = http::Response::text(registry.render());
                r.set_header("Content-Type", metrics::kContentType);
                r.set_header("Cache-Control", "no-store");
                return r;
              }});
}

}  // namespace pasaprod::api
