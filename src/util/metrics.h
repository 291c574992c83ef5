// Prometheus metrics, kept in memory and written in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/) by our own small code.
//
//   metrics::Registry reg;
//   auto& requests = reg.counter("pasaprod_http_requests_total", "HTTP requests answered.", {"route", "status"});
//   auto& latency = reg.histogram("pasaprod_http_request_duration_seconds", "Time to answer.", {"route"},
//                                 metrics::kLatencyBuckets);
//   reg.gauge_callback("pasaprod_library_bytes", "Bytes in the library.", [&] { return library_bytes(); });
//   requests.add({"/api/v1/releases", "200"});
//   latency.observe({"/api/v1/releases"}, 0.012);
//   std::string text = reg.render();   // what GET /metrics answers
//
// Families are declared (counter/gauge/histogram/gauge_callback) before the registry is shared
// between threads; after that, add/set/observe and render() are thread-safe. Label values are
// the caller's responsibility to keep few (route patterns, never raw paths or user names).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pasaprod::metrics {

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

// Upper bounds (seconds) for request latencies and lock waits.
inline const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1,    2.5,   5, 10};

class Family {
 public:
  virtual ~Family() = default;
  // Appends "# HELP", "# TYPE" and the samples of this family to `out`.
  virtual void render(std::string& out) const = 0;
};

// A value that only goes up (reset only by a restart). REQUIRES: labels.size() == label names.
class Counter final : public Family {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);
  void add(const Labels& labels, double amount = 1);
  // The current value (0 when never added); for tests.
  double value(const Labels& labels) const;
  void render(std::string& out) const override;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<Labels, double> values_;  // GUARDED_BY(mu_)
};

// A value that goes up and down.
class Gauge final : public Family {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);
  void set(const Labels& labels, double value);
  void add(const Labels& labels, double amount);
  void render(std::string& out) const override;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<Labels, double> values_;  // GUARDED_BY(mu_)
};

// A gauge without labels whose value is read when rendered. `read` runs on the scraping thread;
// it must be thread-safe and quick.
class GaugeCallback final : public Family {
 public:
  GaugeCallback(std::string name, std::string help, std::function<double()> read);
  void render(std::string& out) const override;

 private:
  const std::string name_, help_;
  const std::function<double()> read_;
};

// Observations counted in cumulative buckets, with their sum and count.
class Histogram final : public Family {
 public:
  // REQUIRES: `bounds` ascending and finite (+Inf is added).
  Histogram(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds);
  void observe(const Labels& labels, double value);
  // Observations so far (0 when none); for tests.
  std::uint64_t count(const Labels& labels) const;
  void render(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // per bound, not cumulative; last = +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<Labels, Series> series_;  // GUARDED_BY(mu_)
};

class Registry {
 public:
  // Declare a family. Throws std::invalid_argument for a malformed or repeated name (a
  // programming error found at startup). The reference lives as long as the registry.
  Counter& counter(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Gauge& gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                       std::vector<double> bounds);
  void gauge_callback(const std::string& name, const std::string& help, std::function<double()> read);

  // Every family, in declaration order, in the text format (Content-Type
  // "text/plain; version=0.0.4; charset=utf-8").
  std::string render() const;

 private:
  void claim(const std::string& name, const std::vector<std::string>& label_names);
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::string> names_;
};

inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace pasaprod::metrics
