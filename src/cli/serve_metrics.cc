#include "cli/serve_metrics.h"

#include <string>

namespace pasaprod {

ServeMetrics::ServeMetrics()
    : requests_(registry_.counter("pasaprod_http_requests_total", "HTTP requests answered, by route pattern, method and status.",
                                  {"route", "method", "status"})),
      latency_(registry_.histogram("pasaprod_http_request_duration_seconds",
                                   "Time from a request's complete headers to its answer sent, by route pattern.", {"route"},
                                   metrics::kLatencyBuckets)),
      writes_(registry_.counter("pasaprod_store_write_transactions_total",
                                "Write transactions that got the write lock, by outcome (committed or rolled back).",
                                {"outcome"})),
      write_wait_(registry_.histogram("pasaprod_store_write_wait_seconds",
                                      "Time a write transaction waited for the database's write lock.", {},
                                      metrics::kLatencyBuckets)),
      sign_ins_(registry_.counter("pasaprod_sign_ins_total",
                                  "Sign-in attempts by outcome: success, failure, throttled, invalid, error.", {"outcome"})) {
  for (const char* o : {"success", "failure", "throttled", "invalid", "error"}) sign_ins_.add({o}, 0);
  for (const char* o : {"committed", "rolled_back"}) writes_.add({o}, 0);
}

http::RequestLogger ServeMetrics::observe_requests(http::RequestLogger next) {
  return [this, next = std::move(next)](const http::RequestLogEntry& e) {
    const std::string route = e.route.empty() ? "none" : e.route;
    // Methods outside HTTP's few would make a label per invented method: fold them.
    static const char* const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    std::string method = "other";
    for (const char* k : known) {
      if (e.method == k) method = k;
    }
    requests_.add({route, method, e.status == 0 ? "none" : std::to_string(e.status)});
    latency_.observe({route}, e.ms / 1000.0);
    if (next) next(e);
  };
}

std::function<void(std::chrono::nanoseconds, bool)> ServeMetrics::write_observer() {
  return [this](std::chrono::nanoseconds wait, bool committed) {
    writes_.add({committed ? "committed" : "rolled_back"});
    write_wait_.observe({}, std::chrono::duration<double>(wait).count());
  };
}

std::function<void(const char*)> ServeMetrics::sign_in_observer() {
  return [this](const char* outcome) { sign_ins_.add({outcome}); };
}

void ServeMetrics::watch(AnchoredStore& store, std::function<std::int64_t()> in_flight) {
  registry_.gauge_callback("pasaprod_http_requests_in_flight", "Requests being served now.",
                           [in_flight = std::move(in_flight)] { return static_cast<double>(in_flight()); });
  registry_.gauge_callback("pasaprod_audit_anchor_lag_events",
                           "Audit events committed by this server and not yet anchored outside the database.",
                           [&store] { return static_cast<double>(store.anchor_lag()); });
  registry_.gauge_callback("pasaprod_store_writers_waiting",
                           "Writes queued for the next group commit while one is being committed.",
                           [&store] { return static_cast<double>(store.writers_waiting()); });
  const auto usage = [&store] {
    LibraryUsage u;
    (void)store.read([&u](ReadTx& tx) {
      u = tx.library_usage();
      return ok_status();
    });
    return u;
  };
  registry_.gauge_callback("pasaprod_library_bytes", "Bytes of the distinct library files the database refers to.",
                           [usage] { return static_cast<double>(usage().bytes); });
  registry_.gauge_callback("pasaprod_library_files", "Distinct library files the database refers to.",
                           [usage] { return static_cast<double>(usage().blobs); });
  const auto outbox = [&store] {
    OutboxCounts c;
    (void)store.read([&c](ReadTx& tx) {
      c = tx.mail_counts();
      return ok_status();
    });
    return c;
  };
  registry_.gauge_callback("pasaprod_mail_queued", "Mails in the outbox waiting to be sent.",
                           [outbox] { return static_cast<double>(outbox().queued); });
  registry_.gauge_callback("pasaprod_mail_failed", "Mails the mail server refused, or that failed every attempt.",
                           [outbox] { return static_cast<double>(outbox().failed); });
}

void ServeMetrics::watch_timestamps(const audit::TsaWitness& tsa) {
  registry_.gauge_callback("pasaprod_audit_timestamp_seq", "The newest audit head stamped by the time-stamp authority.",
                           [&tsa] { return static_cast<double>(tsa.status().stamped_seq); });
  registry_.gauge_callback("pasaprod_audit_timestamp_failures", "Failed time-stamp attempts since the server started.",
                           [&tsa] { return static_cast<double>(tsa.status().failures); });
  registry_.gauge_callback("pasaprod_audit_timestamp_failing", "1 while the last time-stamp attempt failed (it is retried).",
                           [&tsa] { return tsa.status().failing ? 1.0 : 0.0; });
  registry_.gauge_callback("pasaprod_audit_timestamp_last_success_seconds",
                           "When the last time-stamp was made (seconds since 1970), 0 before the first.",
                           [&tsa] { return static_cast<double>(tsa.status().last_success); });
}

}  // namespace pasaprod
