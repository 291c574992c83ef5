// Crash test (issue 10, "keep it fixed"): `pasaprod serve` SIGKILLed three times under five
// writing clients (two adding systems, two uploading deliverables, one taking requests through
// the actions that issue documents). Every write acknowledged before a kill is found after the
// restart (an acknowledged action with its document), the restarted server accepts writes (the
// anchor, up to ~50 ms behind at the kill, is a prefix of the trail: the start-up check passes),
// both verifiers pass (`pasaprod audit verify`, `pasaprod library verify`: no orphan blob — the
// restart gives back the blobs of uploads and documents killed before they were recorded), and
// no temporary file or marker remains.
//
// Bounded by work, not by speed, so that it holds on a loaded machine: each round kills the
// server once kKillAfterAcks writes were acknowledged in it (or kRoundDeadline passed), while
// the writers still have writes to send; each writer sends at most kWritesPerWriter per round.
// The whole test is a few hundred requests; its CTest timeout (tests/audit/CMakeLists.txt) only
// catches a hang.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api_office.h"

namespace apitest {
namespace {

constexpr int kRounds = 3;
constexpr int kSystemWriters = 2;
constexpr int kUploadWriters = 2;
constexpr int kWritesPerWriter = 40;
constexpr int kKillAfterAcks = 12;  // per round, of all kinds together
constexpr int kDocumentReleases = 6;  // requests the document writer takes through kDocumentActions
// The actions that issue a document, in the order a maintenance request takes them from
// `validated`, each with the state it is taken from.
const std::vector<std::pair<std::string, std::string>> kDocumentActions = {
    {"validated", "prepare_report"}, {"pending_approval", "pre_approve"}, {"pre_approved", "approve"}};
constexpr auto kRoundDeadline = std::chrono::seconds(90);

// Files anywhere under `dir` whose name marks a temporary ("*.tmp", "*.tmp<pid>", "add-*").
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const fs::path& p : files_under(dir)) {
    const std::string name = p.filename().string();
    if (name.find(".tmp") != std::string::npos || name.rfind("add-", 0) == 0) out.push_back(p.string());
  }
  return out;
}

// What the writers of all rounds saw. Thread-safe.
class Ledger {
 public:
  void acked_system(const std::string& code) { add(&systems_, code); }
  void acked_file(const std::string& name) { add(&files_, name); }
  void acked_document(const std::string& number, const std::string& action) { add(&documents_, number + " " + action); }
  // A status other than 201 (acknowledged) or 0 (no answer: the server was killed).
  void unexpected(const std::string& what) {
    std::lock_guard lock(mu_);
    unexpected_.push_back(what);
  }
  // Waits until `n` writes were acknowledged since `from` acks, and at least one document since
  // `documents_from` documents (an action that issues one takes longer than the other writes),
  // or until `deadline`. True when they were.
  bool wait_acks(std::size_t from, std::size_t n, std::size_t documents_from, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return acks_ >= from + n && documents_.size() > documents_from; });
  }
  std::size_t acks() {
    std::lock_guard lock(mu_);
    return acks_;
  }
  std::set<std::string> systems() {
    std::lock_guard lock(mu_);
    return systems_;
  }
  std::set<std::string> files() {
    std::lock_guard lock(mu_);
    return files_;
  }
  // "NUMBER ACTION" of each acknowledged action that issues a document.
  std::set<std::string> documents() {
    std::lock_guard lock(mu_);
    return documents_;
  }
  std::vector<std::string> unexpected_statuses() {
    std::lock_guard lock(mu_);
    return unexpected_;
  }

 private:
  void add(std::set<std::string>* set, const std::string& key) {
    {
      std::lock_guard lock(mu_);
      set->insert(key);
      ++acks_;
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t acks_ = 0;
  std::set<std::string> systems_, files_, documents_;
  std::vector<std::string> unexpected_;
};

// Takes each of `numbers` through kDocumentActions, resuming where an earlier round left it (its
// state says which action comes next), until the server stops answering, `stop` is set, or
// kWritesPerWriter actions were sent; 200 answers go to the ledger. `reader` reads the requests,
// `actors` holds a client per action.
void issue_until_killed(const std::atomic<bool>& stop, Ledger& ledger, const std::vector<std::string>& numbers, Api& reader,
                        std::map<std::string, Api>& actors) {
  int sent = 0;
  for (const std::string& number : numbers) {
    while (sent < kWritesPerWriter && !stop) {
      Response r;
      try {
        r = reader.get("/api/v1/releases/" + number);
      } catch (const std::exception&) {
        return;
      }
      if (r.status == 0) return;
      const std::string state = r.status == 200 ? r.json().at("state").get<std::string>() : "";
      const auto next = std::find_if(kDocumentActions.begin(), kDocumentActions.end(), [&](const auto& a) { return a.first == state; });
      if (next == kDocumentActions.end()) break;  // taken through all of them
      const std::string& action = next->second;
      try {
        r = actors.at(action).post("/api/v1/releases/" + number + "/actions/" + action, {{"note", "Paso bajo carga."}});
      } catch (const std::exception&) {
        return;
      }
      ++sent;
      if (r.status == 0) return;
      if (r.status != 200) {
        ledger.unexpected(r.request_line + " → " + std::to_string(r.status) + " " + r.body.substr(0, 300));
        return;
      }
      ledger.acked_document(number, action);
    }
  }
}

// Sends `request(i)` for i = 0.. until the server stops answering, `stop` is set, or
// kWritesPerWriter were sent; 201 answers go to `acked(i)`.
template <class Request, class Acked>
void write_until_killed(const std::atomic<bool>& stop, Ledger& ledger, Request request, Acked acked) {
  for (int i = 0; i < kWritesPerWriter && !stop; ++i) {
    Response r;
    try {
      r = request(i);
    } catch (const std::exception&) {
      return;  // the server is gone
    }
    if (r.status == 0) return;
    if (r.status == 201) {
      acked(i);
    } else {
      ledger.unexpected(r.request_line + " → " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    }
  }
}

TEST(Crash, AcknowledgedWritesSurviveSigkillAndVerifiersPass) {
  auto office = Office::fresh();
  Walker walker(*office);
  const std::string release = walker.open("ALFA", "maintenance")["number"].get<std::string>();
  const std::string admin_token = office->admin().token;
  const std::string lead_token = office->as(office->cast.at("project_lead")).token;
  ASSERT_FALSE(admin_token.empty());
  ASSERT_FALSE(lead_token.empty());
  const std::string slot = walker.slots("maintenance").front();
  std::vector<std::string> doc_releases;  // validated, with what the first action needs
  for (int i = 0; i < kDocumentReleases; ++i) {
    const std::string n = walker.open(i % 2 == 0 ? "ALFA" : "MTX", "maintenance")["number"].get<std::string>();
    walker.advance(n, kDocumentActions.front().first);
    walker.prepare(n, kDocumentActions.front().second);
    doc_releases.push_back(n);
  }
  std::map<std::string, std::string> doc_tokens;  // action → its actor's token
  for (const auto& [from, action] : kDocumentActions) doc_tokens[action] = office->as(walker.actor_for(action, "maintenance")).token;
  ASSERT_EQ(office->stop(), 0);

  Ledger ledger;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ServerProcess server(office->db());
    server.start();
    std::atomic<bool> stop{false};
    const std::size_t acks_before = ledger.acks();
    const std::size_t documents_before = ledger.documents().size();
    std::vector<std::thread> writers;
    for (int t = 0; t < kSystemWriters; ++t) {
      writers.emplace_back([&, t] {
        Api api(server.port(), "admin");
        api.token = admin_token;
        auto code = [&](int i) { return "S" + std::to_string(round) + "X" + std::to_string(t) + "X" + std::to_string(i); };
        write_until_killed(
            stop, ledger,
            [&](int i) {
              return api.post("/api/v1/systems", {{"code", code(i)}, {"name", "Sistema " + code(i)}, {"unit", "OTI"}, {"origin", "inhouse"}});
            },
            [&](int i) { ledger.acked_system(code(i)); });
      });
    }
    for (int t = 0; t < kUploadWriters; ++t) {
      writers.emplace_back([&, t] {
        Api api(server.port(), "lead");
        api.token = lead_token;
        auto name = [&](int i) { return "f" + std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i) + ".txt"; };
        write_until_killed(
            stop, ledger,
            [&](int i) {
              const std::string content(4096 + i, static_cast<char>('a' + (i + t) % 26));
              return api.put("/api/v1/releases/" + release + "/deliverables/" + slot + "/" + name(i), content + name(i));
            },
            [&](int i) { ledger.acked_file(name(i)); });
      });
    }
    writers.emplace_back([&] {
      Api reader(server.port(), "admin");
      reader.token = admin_token;
      std::map<std::string, Api> actors;
      for (const auto& [action, token] : doc_tokens) actors.emplace(action, Api(server.port(), action)).first->second.token = token;
      issue_until_killed(stop, ledger, doc_releases, reader, actors);
    });
    // Kill while the writers, at least the document writer, still have writes to send
    // (kKillAfterAcks < their total; kDocumentReleases's actions last more than the rounds).
    const bool enough =
        ledger.wait_acks(acks_before, kKillAfterAcks, documents_before, std::chrono::steady_clock::now() + kRoundDeadline);
    ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
    EXPECT_EQ(server.wait_exit(60s), 128 + SIGKILL);
    stop = true;
    for (auto& w : writers) w.join();
    EXPECT_TRUE(enough) << "only " << ledger.acks() - acks_before << " writes (" << ledger.documents().size() - documents_before
                        << " documents) acknowledged in "
                        << std::chrono::duration_cast<std::chrono::seconds>(kRoundDeadline).count() << " s";
  }
  const std::set<std::string> acked_systems = ledger.systems();
  const std::set<std::string> acked_files = ledger.files();
  const std::set<std::string> acked_documents = ledger.documents();
  EXPECT_FALSE(acked_systems.empty());
  EXPECT_FALSE(acked_files.empty());
  EXPECT_FALSE(acked_documents.empty());
  const std::vector<std::string> unexpected = ledger.unexpected_statuses();
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " writes answered neither 201 nor at all, e.g. " << unexpected.front();

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
    Api lead(server.port(), "lead");
    lead.token = lead_token;
    const std::string body = lead.get("/api/v1/releases/" + release).expect(200).body;
    std::vector<std::string> lost_files;
    for (const std::string& name : acked_files) {
      if (body.find("\"" + name + "\"") == std::string::npos) lost_files.push_back(name);
    }
    EXPECT_TRUE(lost_files.empty()) << lost_files.size() << " acknowledged files lost, e.g. " << lost_files.front();
    std::vector<std::string> lost_documents;
    for (const std::string& acked : acked_documents) {
      const std::string number = acked.substr(0, acked.find(' ')), action = acked.substr(acked.find(' ') + 1);
      const json rel = admin.get("/api/v1/releases/" + number).expect(200).json();
      const bool issued = std::any_of(rel.at("documents").begin(), rel.at("documents").end(),
                                      [&](const json& d) { return d.at("step") == action; });
      if (!issued) lost_documents.push_back(acked);
    }
    EXPECT_TRUE(lost_documents.empty()) << lost_documents.size() << " acknowledged documents lost, e.g. " << lost_documents.front();
    admin.post("/api/v1/systems", {{"code", "AFTER"}, {"name", "Después"}, {"unit", "OTI"}, {"origin", "inhouse"}}).expect(201);
    EXPECT_EQ(server.stop(), 0) << server.output();
  }

  const CliResult audit = run_cli({"--db", office->db().string(), "--lang", "en", "audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.describe();
  const CliResult library = run_cli({"--db", office->db().string(), "--lang", "en", "library", "verify"});
  EXPECT_EQ(library.exit_code, 0) << library.describe();
  EXPECT_TRUE(files_under(office->library_tmp_dir()).empty());
  EXPECT_TRUE(files_under(office->dir() / "library" / "pending").empty()) << "markers of interrupted uploads left";
  const std::vector<std::string> tmp = temporaries(office->dir());
  EXPECT_TRUE(tmp.empty()) << "left behind: " << tmp.front();
}

}  // namespace
}  // namespace apitest
