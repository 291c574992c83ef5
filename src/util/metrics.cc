#include "util/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pasaprod::metrics {
namespace {

bool valid_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
  });
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// HELP text: backslash and newline escaped. Label values: also the double quote.
std::string escape(const std::string& text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape(help, false), name, type);
}

// {a="x",b="y"} (+ an extra label such as le), or "" without labels.
std::string label_set(const std::vector<std::string>& names, const Labels& values, const std::string& extra = "") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + escape(values[i], true) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void check_labels(const std::vector<std::string>& names, const Labels& values) {
  if (names.size() != values.size()) throw std::invalid_argument("metrics: wrong number of label values");
}

}  // namespace

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Counter::add(const Labels& labels, double amount) {
  check_labels(label_names_, labels);
  if (!(amount >= 0)) return;  // a counter never goes down
  std::lock_guard lock(mu_);
  values_[labels] += amount;
}

double Counter::value(const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Counter::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mu_);
  if (values_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + label_set(label_names_, labels) + " " + number(v) + "\n";
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Gauge::set(const Labels& labels, double value) {
  check_labels(label_names_, labels);
  std::lock_guard lock(mu_);
  values_[labels] = value;
}

void Gauge::add(const Labels& labels, double amount) {
  check_labels(label_names_, labels);
  std::lock_guard lock(mu_);
  values_[labels] += amount;
}

void Gauge::render(std::string& out) const {
  header(out, name_, help_, "gauge");
  std::lock_guard lock(mu_);
  if (values_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + label_set(label_names_, labels) + " " + number(v) + "\n";
}

GaugeCallback::GaugeCallback(std::string name, std::string help, std::function<double()> read)
    : name_(std::move(name)), help_(std::move(help)), read_(std::move(read)) {}

void GaugeCallback::render(std::string& out) const {
  header(out, name_, help_, "gauge");
  double v = 0;
  try {
    v = read_();
  } catch (...) {
    v = std::nan("");  // a failed read shows as NaN rather than failing the whole scrape
  }
  out += name_ + " " + number(v) + "\n";
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      throw std::invalid_argument("metrics: histogram bounds must be finite and ascending");
    }
  }
  for (const auto& l : label_names_) {
    if (l == "le") throw std::invalid_argument("metrics: 'le' is reserved in histograms");
  }
}

void Histogram::observe(const Labels& labels, double value) {
  check_labels(label_names_, labels);
  std::size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard lock(mu_);
  Series& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
  ++s.buckets[i];
  s.sum += value;
  ++s.count;
}

std::uint64_t Histogram::count(const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mu_);
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le = "le=\"" + (i < bounds_.size() ? number(bounds_[i]) : std::string("+Inf")) + "\"";
      out += name_ + "_bucket" + label_set(label_names_, labels, le) + " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_sum" + label_set(label_names_, labels) + " " + number(s.sum) + "\n";
    out += name_ + "_count" + label_set(label_names_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

void Registry::claim(const std::string& name, const std::vector<std::string>& label_names) {
  if (!valid_name(name)) throw std::invalid_argument("metrics: invalid name " + name);
  for (const auto& l : label_names) {
    if (!valid_name(l) || l.find(':') != std::string::npos || l.starts_with("__")) {
      throw std::invalid_argument("metrics: invalid label name " + l);
    }
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::invalid_argument("metrics: " + name + " declared twice");
  }
  names_.push_back(name);
}

Counter& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
  claim(name, label_names);
  auto* c = new Counter(name, help, std::move(label_names));
  families_.emplace_back(c);
  return *c;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
  claim(name, label_names);
  auto* g = new Gauge(name, help, std::move(label_names));
  families_.emplace_back(g);
  return *g;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                               std::vector<double> bounds) {
  claim(name, label_names);
  auto* h = new Histogram(name, help, std::move(label_names), std::move(bounds));
  families_.emplace_back(h);
  return *h;
}

void Registry::gauge_callback(const std::string& name, const std::string& help, std::function<double()> read) {
  claim(name, {});
  families_.emplace_back(new GaugeCallback(name, help, std::move(read)));
}

std::string Registry::render() const {
  std::string out;
  for (const auto& f : families_) f->render(out);
  return out;
}

}  // namespace pasaprod::metrics
