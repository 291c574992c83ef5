// Two `pasaprod serve` nodes on one database, each request of a client sent to the other node
// than the one before: a whole release walk, uploads on one node downloaded from the other, and
// one node killed with SIGKILL under a mixed write load while the other keeps serving. Run on
// SQLite (two processes on one file and one library folder) and, with the fixture pg_cluster,
// on PostgreSQL (each node with its own anchor and keys folder; library and documents' key
// shared).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "api_office.h"
#include "util/sha256.h"

namespace apitest {
namespace {

std::string sha256_of(const std::string& bytes) {
  pasaprod::Sha256 h;
  h.update(bytes.data(), bytes.size());
  return h.hex_digest();
}

class TwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    office_ = Office::fresh();  // on PostgreSQL under the fixture pg_cluster
    office_->add_node();
    office_->alternate_nodes();
  }
  void TearDown() override {
    office_.reset();
  }

  // A client of `user` (token) that sends everything to `node`.
  Api on(int node, const std::string& user) {
    Api api(office_->nodes()[static_cast<std::size_t>(node)]->port(), user + "@node" + std::to_string(node + 1));
    api.token = office_->as(user).token;
    return api;
  }
  // `pasaprod audit verify` (against each node's anchor) and `library verify` exit 0.
  void expect_verifiers_pass() {
    for (int node = 1; node <= 2; ++node) {
      std::vector<std::string> cli = {"--db", office_->db().string()};
      for (const std::string& a : office_->global_args(node)) cli.push_back(a);
      for (std::vector<std::string> cmd : {std::vector<std::string>{"audit", "verify"}, std::vector<std::string>{"library", "verify"}}) {
        cmd.insert(cmd.begin(), cli.begin(), cli.end());
        CliResult r = run_cli(cmd);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
      }
    }
  }

  std::unique_ptr<Office> office_;
};

TEST_F(TwoNodes, AWalkWithEachStepOnTheOtherNodeAndEveryFileReadableFromBoth) {
  Walker w(*office_);
  const std::string n = w.open("ALFA", "maintenance")["number"];
  const std::vector<std::string> path = w.path("maintenance");
  const json rel = w.advance(n, path.back());
  ASSERT_EQ(rel.at("state"), path.back());
  EXPECT_FALSE(rel.at("documents").empty());

  // Every deliverable and every generated document: the same bytes, digest and ETag from both.
  int files = 0;
  for (const auto& d : rel.at("deliverables")) {
    for (const auto& f : d.at("files")) {
      const std::string url = "/api/v1/releases/" + n + "/deliverables/" + d.at("slot").get<std::string>() + "/" +
                              f.at("name").get<std::string>();
      Response a = on(0, "lead").get(url).expect(200), b = on(1, "lead").get(url).expect(200);
      EXPECT_EQ(a.body, b.body) << url;
      EXPECT_EQ(sha256_of(b.body), f.at("sha256").get<std::string>()) << url;
      ++files;
    }
  }
  EXPECT_GT(files, 3);
  for (const auto& d : rel.at("documents")) {
    const std::string url = d.at("url");
    Response a = on(0, "lead").get(url).expect(200), b = on(1, "lead").get(url).expect(200);
    EXPECT_EQ(a.body, b.body) << url;
    EXPECT_EQ(sha256_of(b.body), d.at("sha256").get<std::string>()) << url;
  }
  // A file uploaded on node 1 is downloaded from node 2 at once.
  const std::string m = w.open("ALFA", "maintenance")["number"];
  const std::string content = "subido en el nodo 1, leído en el nodo 2\n";
  const std::string url = "/api/v1/releases/" + m + "/deliverables/" + w.slots("maintenance").front() + "/cruce.txt";
  on(0, "lead").put(url, content).expect(201);
  EXPECT_EQ(on(1, "lead").get(url).expect(200).body, content);
  // A range of a file in the database, as of one on disk.
  Response part = on(1, "lead").get(url, {{"Range", "bytes=7-18"}}).expect(206);
  EXPECT_EQ(part.body, content.substr(7, 12));
  const char* in_db = std::getenv("PASAPROD_TEST_LIBRARY_IN_DATABASE");
  if (in_db != nullptr && std::string(in_db) == "1") {
    EXPECT_FALSE(std::filesystem::exists(office_->blobs_dir())) << "the files are in the database, not in a folder";
  }
  EXPECT_EQ(office_->stop(), 0);
  expect_verifiers_pass();
}

// A browser's requests may reach either node: the refused form's message posted to one is shown
// by the other, and the new-request form sent to both at once opens one request.
TEST_F(TwoNodes, WebFormsKeepTheirStateAcrossNodes) {
  Walker w(*office_);
  const std::string number = w.open("ALFA", "maintenance")["number"];
  Api signed_in(office_->nodes()[0]->port(), "lead (browser)");
  signed_in.sign_in("lead", kPassword).expect(200);
  std::string flash;
  auto send = [&](int node, const std::string& method, const std::string& path, const std::string& body) {
    Conn c(office_->nodes()[static_cast<std::size_t>(node)]->port());
    Headers h = {{"Cookie", "pasaprod_session=" + signed_in.cookie + (flash.empty() ? "" : "; " + flash)}};
    if (method == "POST") h.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    c.send_all(make_request(method, path, h, method == "POST" ? body + "&csrf=" + signed_in.csrf : ""));
    Response r = c.read_response();
    for (const auto& sc : r.all_headers("Set-Cookie")) {
      if (sc.rfind("pasaprod_flash=", 0) == 0) flash = sc.substr(0, sc.find(';'));
    }
    return r;
  };
  const std::string version = std::to_string(w.get(number).at("row_version").get<long>());
  Response refused = send(0, "POST", "/releases/" + number + "/act",
                          "action=request_qa&row_version=" + version + "&note=" + std::string(4100, 'x'));
  ASSERT_EQ(refused.status, 303) << refused.describe();
  ASSERT_FALSE(flash.empty());
  const std::string location = refused.header("Location").value_or("");
  Response shown = send(1, "GET", location.substr(0, location.find('#')), "");
  ASSERT_EQ(shown.status, 200) << shown.describe();
  EXPECT_NE(shown.body.find("id=\"failed-message\""), std::string::npos) << "node 2 shows what node 1 refused";
  EXPECT_EQ(send(0, "GET", location.substr(0, location.find('#')), "").body.find("id=\"failed-message\""), std::string::npos)
      << "once";

  Response form = send(0, "GET", "/releases/new", "");
  const std::size_t at = form.body.find("name=\"once\" value=\"");
  ASSERT_NE(at, std::string::npos);
  const std::size_t start = at + std::string("name=\"once\" value=\"").size();
  const std::string once = form.body.substr(start, form.body.find('"', start) - start);
  std::smatch m;  // the version the form expects for a maintenance of ALFA
  ASSERT_TRUE(std::regex_search(form.body, m, std::regex("data-expected=\"([^\"]+)\"")));
  const json expected = json::parse(std::regex_replace(m[1].str(), std::regex("&quot;"), "\""));
  const std::string fields = "system=ALFA&kind=maintenance&version=" + expected.at("ALFA").at("maintenance").get<std::string>() +
                             "&title=Dos+nodos+una+vez&summary=Doble&once=" + once;
  Response a, b;
  std::thread other([&] { b = send(1, "POST", "/releases/new", fields); });
  a = send(0, "POST", "/releases/new", fields);
  other.join();
  ASSERT_EQ(a.status, 303) << a.describe();
  ASSERT_EQ(b.status, 303) << b.describe();
  const json list = office_->admin().get("/api/v1/releases?text=Dos+nodos+una+vez").expect(200).json();
  ASSERT_EQ(list.at("items").size(), 1u) << "one request for two sends of one form";
  const std::string opened = "/releases/" + list.at("items")[0].at("number").get<std::string>();
  for (const Response* r : {&a, &b}) {
    const std::string where = r->header("Location").value_or("");
    EXPECT_TRUE(where.rfind(opened, 0) == 0 || where.rfind("/releases/new", 0) == 0) << where;
  }
}

TEST_F(TwoNodes, ANodeKilledUnderWriteLoadLosesNothingAcknowledgedAndTheOtherKeepsServing) {
  Walker w(*office_);
  const std::string n = w.open("ALFA", "maintenance")["number"];
  const std::string slot = w.slots("maintenance").front();
  ServerProcess& victim = *office_->nodes()[1];
  const std::uint16_t survivor = office_->nodes()[0]->port();

  std::mutex mu;
  std::vector<std::string> users;                   // acknowledged: created
  std::map<std::string, std::string> uploads;       // acknowledged: name → content
  std::atomic<bool> killed{false};
  std::atomic<int> after_kill{0};                   // acknowledged by the survivor after the kill
  const auto worker = [&](int t) {
    Api api = t % 2 == 0 ? on(0, "admin") : on(0, "lead");
    api.rotate = {survivor, victim.port()};
    // Until the kill, then 15 more attempts (bounded, should the kill never come).
    int after = 0;
    for (int i = 0; i < 3000 && after < 15; ++i) {
      if (killed) ++after;
      const std::string id = "w" + std::to_string(t) + "_" + std::to_string(i);
      Response r;
      if (t % 2 == 0) {
        r = api.post("/api/v1/users", {{"username", id}, {"name", "Usuario " + id}, {"email", id + "@example.org"},
                                       {"roles", json::array({{{"role", "qa_lead"}}})}, {"password", kPassword}});
      } else {
        r = api.put("/api/v1/releases/" + n + "/deliverables/" + slot + "/" + id + ".txt", "contenido " + id + "\n");
      }
      if (r.status != 201) continue;  // refused or cut off by the kill: not acknowledged
      std::lock_guard lock(mu);
      if (t % 2 == 0) {
        users.push_back(id);
      } else {
        uploads[id + ".txt"] = "contenido " + id + "\n";
      }
      if (killed) ++after_kill;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, t);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(::kill(victim.pid(), SIGKILL), 0);
  killed = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(victim.wait_exit(), 128 + SIGKILL);
  EXPECT_GT(after_kill.load(), 0) << "the surviving node answered nothing after the kill";
  ASSERT_FALSE(users.empty());
  ASSERT_FALSE(uploads.empty());

  Api admin = on(0, "admin"), lead = on(0, "lead");
  std::set<std::string> listed;
  const json all = admin.get("/api/v1/users").expect(200).json();
  for (const auto& u : all.at("items")) listed.insert(u.at("username").get<std::string>());
  for (const std::string& u : users) EXPECT_TRUE(listed.contains(u)) << u << " was acknowledged but is missing";
  for (const auto& [name, content] : uploads) {
    Response r = lead.get("/api/v1/releases/" + n + "/deliverables/" + slot + "/" + name);
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.body, content) << name;
  }
  EXPECT_EQ(office_->stop(), 0);  // the survivor stops gracefully
  expect_verifiers_pass();
}

}  // namespace
}  // namespace apitest
