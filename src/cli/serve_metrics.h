// The metrics `pasaprod serve` keeps (served by GET /metrics, api::add_metrics_route), and the
// hooks that feed them: the request log, the store's write observer, Access's sign-in outcome.
//
//   ServeMetrics m;
//   options.write_observer = m.write_observer();   // before the store opens
//   access_options.on_sign_in = m.sign_in_observer();
//   config.request_logger = m.observe_requests(std::move(logger));
//   m.watch(store, [&] { return server.requests_in_flight(); });
//
// Every name starts with pasaprod_; README.md lists them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "audit/tsa_witness.h"
#include "http/request_log.h"
#include "storage/anchored_store.h"
#include "util/metrics.h"

namespace pasaprod {

class ServeMetrics {
 public:
  ServeMetrics();

  metrics::Registry& registry() { return registry_; }

  // Counts each request by route pattern ("none" when no route matched), method and status
  // ("none" when no answer was sent) and observes its latency, then passes it to `next`.
  http::RequestLogger observe_requests(http::RequestLogger next);
  std::function<void(std::chrono::nanoseconds, bool)> write_observer();
  std::function<void(const char*)> sign_in_observer();

  // Gauges read at each scrape: anchor lag and library usage from `store`, requests in flight
  // from `in_flight`. Both must outlive every scrape. Call once, before serving.
  void watch(AnchoredStore& store, std::function<std::int64_t()> in_flight);
  // Gauges of the time-stamp witness, which must outlive every scrape.
  void watch_timestamps(const audit::TsaWitness& tsa);

 private:
  metrics::Registry registry_;
  metrics::Counter& requests_;
  metrics::Histogram& latency_;
  metrics::Counter& writes_;
  metrics::Histogram& write_wait_;
  metrics::Counter& sign_ins_;
};

}  // namespace pasaprod
