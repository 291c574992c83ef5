// GET /metrics: the text format (our registry, and a live server's output checked by Debian's
// `promtool check metrics`), and counters that move as a small walk expects.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>
#include <sstream>

#include "api_office.h"
#include "util/metrics.h"

namespace apitest {
namespace {

// promtool's verdict on `text`: "" when it accepts it, else its output. nullopt without promtool.
std::optional<std::string> promtool_check(const fs::path& dir, const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) return std::nullopt;
  const fs::path in = dir / "metrics.txt", out = dir / "promtool.out";
  std::ofstream(in) << text;
  const std::string cmd = "promtool check metrics < '" + in.string() + "' > '" + out.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(out);
  std::string said((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return rc == 0 ? "" : "exit " + std::to_string(rc) + ": " + said;
}

// The value of the sample `series` (name with its label set exactly as written), or 0.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

TEST(Metrics, RegistryWritesTheTextFormat) {
  pasaprod::metrics::Registry reg;
  auto& c = reg.counter("x_total", "Things.\nSecond line", {"route"});
  auto& h = reg.histogram("x_seconds", "Time.", {}, {0.1, 1});
  reg.gauge_callback("x_now", "Now.", [] { return 7.5; });
  c.add({"/a/{id}"});
  c.add({"quote\"back\\slash"}, 2);
  h.observe({}, 0.05);
  h.observe({}, 0.5);
  h.observe({}, 5);
  const std::string text = reg.render();
  EXPECT_NE(text.find("# HELP x_total Things.\\nSecond line\n# TYPE x_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{route=\"/a/{id}\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{route=\"quote\\\"back\\\\slash\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.1\"} 1\nx_seconds_bucket{le=\"1\"} 2\nx_seconds_bucket{le=\"+Inf\"} 3\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_sum 5.55\nx_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_now 7.5\n"), std::string::npos) << text;
  EXPECT_THROW(reg.counter("x_total", "again"), std::invalid_argument);
  EXPECT_THROW(reg.counter("bad name", "no"), std::invalid_argument);
  TempDir dir;
  if (auto verdict = promtool_check(dir.path(), text)) {
    EXPECT_EQ(*verdict, "") << text;
  }
}

TEST(Metrics, ServerMetricsPassPromtoolAndMoveOverAWalk) {
  ServeOptions options;
  options.extra = {"--metrics-listen", "127.0.0.1:0"};
  auto office = Office::fresh(options);
  // The metrics-only listener's port, as serve prints it.
  std::smatch m;
  const std::string out = office->server().output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(http://127\.0\.0\.1:(\d+)/metrics)"))) << out;
  const auto metrics_port = static_cast<std::uint16_t>(std::stoi(m[1]));

  // On the main listener /metrics needs an administrator; on its own listener nobody signs in.
  Api anonymous(office->port());
  EXPECT_EQ(anonymous.get("/metrics").status, 401);
  EXPECT_EQ(office->as(office->cast.at("project_lead")).get("/metrics").status, 403);
  Response before = office->admin().get("/metrics").expect(200);
  EXPECT_EQ(before.header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");

  Walker w(*office);
  const std::string number = w.open("ALFA", "maintenance")["number"];
  w.get(number);
  EXPECT_EQ(anonymous.sign_in(office->cast.at("project_lead"), "wrong-password").status, 401);

  // A request is counted once its answer is sent: the client may see the answer first.
  Api scraper(metrics_port);
  const std::string& b = before.body;
  const std::string get_release = R"(pasaprod_http_requests_total{route="/api/v1/releases/{number}",method="GET",status="200"})";
  std::string a;
  for (int i = 0; i < 50; ++i) {
    a = scraper.get("/metrics").expect(200).body;
    if (sample(a, get_release) > sample(b, get_release)) break;
    std::this_thread::sleep_for(20ms);
  }
  if (auto verdict = promtool_check(office->dir(), a)) {
    EXPECT_EQ(*verdict, "") << a;
  } else {
    GTEST_LOG_(WARNING) << "promtool not installed (Debian package prometheus): format not checked by it";
  }

  const auto delta = [&](const std::string& series) { return sample(a, series) - sample(b, series); };
  EXPECT_EQ(delta(R"(pasaprod_http_requests_total{route="/api/v1/releases",method="POST",status="201"})"), 1) << a;
  EXPECT_GE(delta(get_release), 1) << a;
  EXPECT_EQ(delta(R"(pasaprod_sign_ins_total{outcome="failure"})"), 1) << a;
  EXPECT_GE(delta(R"(pasaprod_store_write_transactions_total{outcome="committed"})"), 2) << a;  // release + failed sign-in
  EXPECT_GE(delta("pasaprod_store_write_wait_seconds_count"), 2) << a;
  EXPECT_GE(delta(R"(pasaprod_http_request_duration_seconds_count{route="/api/v1/releases"})"), 1) << a;
  // This scrape is on the other listener; a request leaves the gauge only after its answer is
  // sent and logged, so the walk's last two (on two connections) may still be counted.
  EXPECT_NE(a.find("\npasaprod_http_requests_in_flight "), std::string::npos) << a;
  EXPECT_LE(sample(a, "pasaprod_http_requests_in_flight"), 2) << a;
  EXPECT_GE(sample(a, "pasaprod_audit_anchor_lag_events"), 0) << a;
  EXPECT_EQ(sample(a, "pasaprod_store_writers_waiting"), 0) << a;  // nothing is writing now
  EXPECT_NE(a.find("\npasaprod_library_bytes "), std::string::npos) << a;
  // Route patterns only: a release number never becomes a label value.
  EXPECT_EQ(a.find(number), std::string::npos) << a;
  EXPECT_EQ(office->stop(), 0);
}

}  // namespace
}  // namespace apitest
