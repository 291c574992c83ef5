// Crash test (issue 10, "keep it fixed"): `pasaprod serve` SIGKILLed three times under several
// writing clients. Every write acknowledged before a kill is found after the restart, the
// restarted server accepts writes (the anchor, up to ~50 ms behind at the kill, is a prefix of
// the trail: the start-up check passes), both verifiers pass, and no orphan or temporary file
// remains. Bounded: ~1 s of writes per round.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "api_office.h"

namespace apitest {
namespace {

constexpr int kRounds = 3;
constexpr int kSystemWriters = 3;
constexpr int kUploadWriters = 2;

// Files anywhere under `dir` whose name marks a temporary ("*.tmp", "*.tmp<pid>", "add-*").
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const fs::path& p : files_under(dir)) {
    const std::string name = p.filename().string();
    if (name.find(".tmp") != std::string::npos || name.rfind("add-", 0) == 0) out.push_back(p.string());
  }
  return out;
}

TEST(Crash, AcknowledgedWritesSurviveSigkillAndVerifiersPass) {
  auto office = Office::fresh();
  Walker walker(*office);
  const std::string release = walker.open("ALFA", "maintenance")["number"].get<std::string>();
  const std::string admin_token = office->admin().token;
  Api& lead_api = office->as(office->cast.at("project_lead"));
  lead_api.get("/api/v1/me").expect(200);
  const std::string lead_token = lead_api.token.empty() ? "" : lead_api.token;
  ASSERT_FALSE(admin_token.empty());
  const std::string slot = walker.slots("maintenance").front();
  ASSERT_EQ(office->stop(), 0);

  std::mutex mu;
  std::set<std::string> acked_systems, acked_files;
  for (int round = 0; round < kRounds; ++round) {
    ServerProcess server(office->db());
    server.start();
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < kSystemWriters; ++t) {
      writers.emplace_back([&, t] {
        Api api(server.port(), "admin");
        api.token = admin_token;
        for (int i = 0; !stop; ++i) {
          const std::string code = "S" + std::to_string(round) + "X" + std::to_string(t) + "X" + std::to_string(i);
          Response r;
          try {
            r = api.post("/api/v1/systems", {{"code", code}, {"name", "Sistema " + code}, {"unit", "OTI"}, {"origin", "inhouse"}});
          } catch (const std::exception&) {
            return;  // the server is gone
          }
          if (r.status == 0) return;
          if (r.status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acked_systems.insert(code);
          }
        }
      });
    }
    for (int t = 0; t < kUploadWriters && !lead_token.empty(); ++t) {
      writers.emplace_back([&, t] {
        Api api(server.port(), "lead");
        api.token = lead_token;
        for (int i = 0; !stop; ++i) {
          const std::string name = "f" + std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i) + ".txt";
          const std::string content(4096 + i, static_cast<char>('a' + (i + t) % 26));
          Response r;
          try {
            r = api.put("/api/v1/releases/" + release + "/deliverables/" + slot + "/" + name, content + name);
          } catch (const std::exception&) {
            return;
          }
          if (r.status == 0) return;
          if (r.status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acked_files.insert(name);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + 200 * round));
    ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
    EXPECT_EQ(server.wait_exit(10s), 128 + SIGKILL);
    stop = true;
    for (auto& w : writers) w.join();
  }
  ASSERT_GT(acked_systems.size(), 10u) << "too few writes to mean anything";

  // Restarted: every acknowledged write is there, and the server accepts writes.
  {
    ServerProcess server(office->db());
    server.start();
    Api admin(server.port(), "admin");
    admin.token = admin_token;
    std::vector<std::string> lost;
    for (const std::string& code : acked_systems) {
      if (admin.get("/api/v1/systems/" + code).status != 200) lost.push_back(code);
    }
    EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged systems lost, e.g. " << lost.front();
    if (!acked_files.empty()) {
      Api lead(server.port(), "lead");
      lead.token = lead_token;
      const json rel = lead.get("/api/v1/releases/" + release).expect(200).json();
      const std::string body = rel.dump();
      std::vector<std::string> lost_files;
      for (const std::string& name : acked_files) {
        if (body.find("\"" + name + "\"") == std::string::npos) lost_files.push_back(name);
      }
      EXPECT_TRUE(lost_files.empty()) << lost_files.size() << " acknowledged files lost, e.g. " << lost_files.front();
    }
    admin.post("/api/v1/systems", {{"code", "AFTER"}, {"name", "Después"}, {"unit", "OTI"}, {"origin", "inhouse"}}).expect(201);
    EXPECT_EQ(server.stop(), 0) << server.output();
  }

  const CliResult audit = run_cli({"--db", office->db().string(), "--lang", "en", "audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.describe();
  const CliResult library = run_cli({"--db", office->db().string(), "--lang", "en", "library", "verify"});
  EXPECT_EQ(library.exit_code, 0) << library.describe();
  EXPECT_TRUE(files_under(office->library_tmp_dir()).empty());
  const std::vector<std::string> tmp = temporaries(office->dir());
  EXPECT_TRUE(tmp.empty()) << "left behind: " << tmp.front();
}

}  // namespace
}  // namespace apitest
