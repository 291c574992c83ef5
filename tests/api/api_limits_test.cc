// Robustness of the real server: a thousand idle connections do not stop it from answering
// others; a client that sends its headers too slowly is disconnected at the header deadline
// (`serve` has no flag for it: the default 10 s is used); SIGTERM lets an in-flight upload
// finish and the process exit 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "api_office.h"

namespace apitest {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

TEST(LimitsTest, ThousandIdleConnectionsAndASlowHeaderClient) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 4096) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  }
  if (lim.rlim_cur < 2200) GTEST_SKIP() << "RLIMIT_NOFILE too low for 1000 connections: " << lim.rlim_cur;

  TempDir dir;
  // All connections come from 127.0.0.1: raise the per-address cap above the 1000 idle ones.
  ServeOptions options;
  options.extra = {"--max-connections-per-address", "2000"};
  ServerProcess server(dir.path() / "p.db", options);
  server.start();
  const std::uint16_t port = server.port();

  // The slow client: one header byte every 250 ms (the request needs ~25 s; the deadline is 10 s).
  const std::string slow_request = make_request("GET", "/healthz", {{"X-Slow", std::string(40, 's')}, {"Accept-Language", "en"}});
  std::atomic<bool> slow_closed{false};
  std::atomic<double> slow_closed_after{0};
  std::atomic<int> slow_bytes{0};
  Conn slow(port);
  ASSERT_TRUE(slow.connected());
  const auto slow_t0 = Clock::now();
  std::thread slow_thread([&] {
    for (char ch : slow_request) {
      if (!slow.send_all(std::string_view(&ch, 1))) break;
      ++slow_bytes;
      if (slow.wait_closed(250ms)) break;
    }
    slow_closed = slow.wait_closed(1ms) || !slow.send_all("x") || slow.wait_closed(2s);
    slow_closed_after = seconds_since(slow_t0);
  });

  // A thousand idle connections: half silent, half with a partial request line.
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<Conn>(port));
    ASSERT_TRUE(idle.back()->connected()) << "connection " << i;
    if (i % 2) {
      ASSERT_TRUE(idle.back()->send_all("GET /heal"));
    }
  }
  const auto idle_t0 = Clock::now();
  std::this_thread::sleep_for(300ms);
  // Others are still answered, quickly: a new connection, several times.
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    Api api(port);
    Response r = api.get("/healthz");
    const double took = seconds_since(t0);
    EXPECT_EQ(r.status, 200) << r.describe();
    EXPECT_LT(took, 1.0) << "a request beside 1000 idle connections took " << took << " s";
    Response spec = api.get("/api/openapi.json");
    EXPECT_EQ(spec.status, 200);
  }
  EXPECT_TRUE(server.running());

  // The header deadline: the slow client is cut off about 10 s after its first byte.
  slow_thread.join();
  EXPECT_TRUE(slow_closed) << "the slow client was not disconnected";
  EXPECT_LT(slow_bytes.load(), static_cast<int>(slow_request.size())) << "the server waited for the whole slow request";
  EXPECT_GT(slow_closed_after.load(), 8.0);
  EXPECT_LT(slow_closed_after.load(), 14.0);
  std::cerr << "slow client disconnected after " << slow_closed_after.load() << " s (" << slow_bytes.load() << " of "
            << slow_request.size() << " bytes sent)\n";
  // The idle connections are closed by the same deadline (they never completed a request).
  const double waited = seconds_since(idle_t0);
  if (waited < 12) std::this_thread::sleep_for(std::chrono::duration<double>(12 - waited));
  int closed = 0;
  for (auto& c : idle) closed += c->wait_closed(1ms) ? 1 : 0;
  EXPECT_EQ(closed, 1000) << "idle connections closed by the server after the header deadline";
  idle.clear();
  Api api(port);
  EXPECT_EQ(api.get("/healthz").status, 200);
  EXPECT_EQ(server.stop(), 0) << server.output();
}

TEST(LimitsTest, OversizedHeadersAndJsonBodiesAreRefused) {
  auto office = Office::fresh();
  Conn c(office->port());
  ASSERT_TRUE(c.send_all(make_request("GET", "/healthz", {{"X-Big", std::string(20000, 'h')}})));
  Response big = c.read_response(false, 10s);
  EXPECT_EQ(big.status, 431) << big.describe();
  Api& lead = office->as(office->cast.at("project_lead"));
  Response huge = lead.send("POST", "/api/v1/releases", "{\"title\":\"" + std::string(2 << 20, 'x') + "\"}");
  EXPECT_EQ(huge.status, 413) << huge.describe().substr(0, 500);
  EXPECT_EQ(lead.get("/api/v1/me").status, 200);
  EXPECT_EQ(office->stop(), 0) << office->server().output();
}

TEST(LimitsTest, SigtermLetsAnInFlightUploadFinishThenExitsZero) {
  auto office = Office::fresh();
  Walker walker(*office);
  const std::string n = walker.open("ALFA", "maintenance").at("number");
  Api& lead = office->as(office->cast.at("project_lead"));
  const std::string body(4 << 20, 'z');
  Headers h = lead.auth_headers("PUT");
  h.emplace_back("Content-Length", std::to_string(body.size()));
  Conn c(office->port());
  ASSERT_TRUE(c.send_all(make_request("PUT", "/api/v1/releases/" + n + "/deliverables/installers/final.bin", h)));
  ASSERT_TRUE(c.send_all(std::string_view(body).substr(0, body.size() / 2)));
  std::this_thread::sleep_for(300ms);
  ::kill(office->server().pid(), SIGTERM);
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(c.send_all(std::string_view(body).substr(body.size() / 2)));
  Response r = c.read_response(false, 20s);
  EXPECT_EQ(r.status, 201) << "the in-flight upload finishes\n" << r.describe();
  EXPECT_EQ(r.header("Connection").value_or(""), "close");
  EXPECT_EQ(office->server().wait_exit(20s), 0) << office->server().output();
  // Nothing half-written: the file is in the library and on the request.
  const auto blobs = stored_blobs(office->blobs_dir());
  bool found = false;
  for (const auto& b : blobs) found = found || fs::file_size(b) == body.size();
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace apitest
