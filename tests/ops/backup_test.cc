// Hot backup under write load: `pasaprod backup` runs while clients write through a running
// server; the archive restores into a folder where audit verify and library verify pass and
// every write acknowledged before the backup started is present. A cut or edited archive is
// refused with nothing left behind.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "api_office.h"
#include "db_rows.h"
#include "util/sha256.h"

namespace apitest {
namespace {

constexpr int kMaxWritesPerWriter = 150;
constexpr std::size_t kAcksBeforeBackup = 8;

// Acknowledged writes, in order. Thread-safe.
class Ledger {
 public:
  void acked(const std::string& what) {
    std::lock_guard lock(mu_);
    acked_.insert(what);
  }
  std::set<std::string> snapshot() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  void unexpected(const std::string& what) {
    std::lock_guard lock(mu_);
    unexpected_.push_back(what);
  }
  std::vector<std::string> unexpected_answers() {
    std::lock_guard lock(mu_);
    return unexpected_;
  }

 private:
  std::mutex mu_;
  std::set<std::string> acked_;
  std::vector<std::string> unexpected_;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Names in `dir` other than `keep`: what a refused restore must not leave.
std::vector<std::string> entries_except(const fs::path& dir, const std::set<std::string>& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!keep.contains(e.path().filename().string())) out.push_back(e.path().filename().string());
  }
  return out;
}

TEST(Backup, UnderWriteLoadRestoresEveryAcknowledgedChangeAndVerifies) {
  auto office = Office::fresh();
  Walker walker(*office);
  const std::string release = walker.open("ALFA", "maintenance")["number"].get<std::string>();
  const std::string slot = walker.slots("maintenance").front();
  const std::string admin_token = office->admin().token;
  const std::string lead_token = office->as(office->cast.at("project_lead")).token;
  ASSERT_FALSE(admin_token.empty());
  ASSERT_FALSE(lead_token.empty());

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  // Each writer has its own client (Api is one connection, not thread-safe).
  auto writer = [&](std::string token, auto request, auto key) {
    Api api(office->port());
    api.token = token;
    for (int i = 0; i < kMaxWritesPerWriter && !stop; ++i) {
      Response r = request(api, i);
      if (r.status == 201) {
        ledger.acked(key(i));
        ++acks;
      } else {
        ledger.unexpected(r.request_line + " → " + std::to_string(r.status) + " " + r.body.substr(0, 200));
      }
    }
  };
  auto system_code = [](int i) { return "B" + std::to_string(i); };
  auto file_name = [](int i) { return "b" + std::to_string(i) + ".txt"; };
  std::thread systems(writer, admin_token, [&](Api& api, int i) {
    return api.post("/api/v1/systems", {{"code", system_code(i)}, {"name", "Sistema " + system_code(i)}, {"unit", "OTI"},
                                        {"origin", "inhouse"}});
  }, [&](int i) { return "system:" + system_code(i); });
  std::thread files(writer, lead_token, [&](Api& api, int i) {
    return api.put("/api/v1/releases/" + release + "/deliverables/" + slot + "/" + file_name(i),
                   std::string(2048 + i, static_cast<char>('a' + i % 26)));
  }, [&](int i) { return "file:" + file_name(i); });

  while (acks < static_cast<int>(kAcksBeforeBackup) && !stop) std::this_thread::sleep_for(5ms);
  const std::set<std::string> before = ledger.snapshot();  // acknowledged before the backup starts
  const fs::path archive = office->dir() / "backup.tar";
  const CliResult backup = run_cli({"--db", office->db().string(), "--lang", "en", "--json", "backup", "--out", archive.string()});
  const int acks_at_end = acks;
  stop = true;
  systems.join();
  files.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.describe();
  EXPECT_GT(acks_at_end, static_cast<int>(before.size())) << "writes went on during the backup";
  const auto unexpected = ledger.unexpected_answers();
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
  EXPECT_EQ(office->stop(), 0);

  // The office's trail says a backup was written, which one (its SHA-256), by whom.
  const auto recorded = db_rows(office->db(), "SELECT actor, after_json FROM audit_events WHERE action = ?", "backup.create");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0][0].rfind("cli:", 0), 0u) << recorded[0][0];
  const json facts = json::parse(recorded[0][1]);
  std::ifstream in(archive, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string recorded_sha = facts.at("sha256").get<std::string>();
  EXPECT_EQ(recorded_sha, pasaprod::sha256_hex(bytes));
  EXPECT_EQ(facts.at("bytes").get<std::size_t>(), bytes.size());
  EXPECT_EQ(json::parse(backup.out).value("sha256", ""), recorded_sha) << backup.out;

  const fs::path into = office->dir() / "restored";
  const CliResult restore = run_cli({"--lang", "en", "restore", archive.string(), "--into", into.string()});
  ASSERT_EQ(restore.exit_code, 0) << restore.describe();
  const std::string db = (into / "pasaprod.db").string();
  const CliResult audit = run_cli({"--db", db, "--lang", "en", "audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.describe();
  const CliResult library = run_cli({"--db", db, "--lang", "en", "library", "verify"});
  EXPECT_EQ(library.exit_code, 0) << library.describe();

  std::set<std::string> restored;
  for (const json& s : json::parse(run_cli_ok({"--db", db, "--json", "system", "list"}).out)) {
    restored.insert("system:" + s["code"].get<std::string>());
  }
  const json shown = json::parse(run_cli_ok({"--db", db, "--json", "release", "show", release}).out);
  for (const json& d : shown["deliverables"]) {
    for (const json& f : d["files"]) restored.insert("file:" + f["name"].get<std::string>());
  }
  for (const std::string& w : before) EXPECT_TRUE(restored.contains(w)) << w << " was acknowledged before the backup";
  // The uploads (2 KiB each) are rows of library/small.db, in the office and in the restored
  // folder, where `library verify` above read them back against their digests.
  const auto small_rows = [](const fs::path& blobs) {
    std::set<std::string> shas;
    for (const fs::path& p : stored_blobs(blobs)) {
      const std::string s = p.string();
      if (const auto at = s.find("small.db#"); at != std::string::npos) shas.insert(s.substr(at + 9));
    }
    return shas;
  };
  const std::set<std::string> office_rows = small_rows(office->blobs_dir()), restored_rows = small_rows(into / "library" / "blobs");
  std::size_t acked_files = 0;
  for (const std::string& w : before) acked_files += w.starts_with("file:");
  EXPECT_GE(office_rows.size(), acked_files);
  EXPECT_GE(restored_rows.size(), acked_files);
  for (const json& d : shown["deliverables"]) {
    for (const json& f : d["files"]) {
      if (!restored.contains("file:" + f["name"].get<std::string>()) || !before.contains("file:" + f["name"].get<std::string>())) continue;
      EXPECT_TRUE(restored_rows.contains(f["sha256"].get<std::string>())) << f["name"] << " is not a small.db row of the restored library";
    }
  }
  // The restored office accepts writes (its anchor and database agree).
  run_cli_ok({"--db", db, "system", "add", "AFTER", "--name", "Después"});
}

TEST(Backup, CutOrEditedArchiveIsRefusedAndNothingIsLeft) {
  TempDir dir;
  const fs::path db = dir.path() / "p.db";
  run_cli_ok({"--db", db.string(), "demo"});
  const fs::path archive = dir.path() / "b.tar";
  run_cli_ok({"--db", db.string(), "backup", "--out", archive.string()});
  CliResult again = run_cli({"--db", db.string(), "backup", "--out", archive.string()});
  EXPECT_EQ(again.exit_code, 6) << "an existing file is never overwritten: " << again.describe();

  const std::string bytes = slurp(archive);
  const std::size_t sqlite = bytes.find("SQLite format 3");
  ASSERT_NE(sqlite, std::string::npos);
  std::string edited = bytes;
  edited[sqlite + 200] = static_cast<char>(edited[sqlite + 200] ^ 0x01);  // inside the database member
  std::ofstream(dir.path() / "edited.tar", std::ios::binary) << edited;
  std::ofstream(dir.path() / "cut.tar", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
  std::ofstream(dir.path() / "empty.tar", std::ios::binary) << "";

  const std::set<std::string> before = {"p.db", "p.db.anchor", "p.db.anchor.key", "p.db.anchor.lock", "p.db.dockey",
                                        "library", "b.tar", "edited.tar", "cut.tar", "empty.tar", "p.db-wal", "p.db-shm"};
  for (const char* name : {"edited.tar", "cut.tar", "empty.tar"}) {
    SCOPED_TRACE(name);
    for (const char* lang : {"es", "en"}) {
      const CliResult r = run_cli({"--lang", lang, "restore", (dir.path() / name).string(), "--into", (dir.path() / "r").string()});
      EXPECT_EQ(r.exit_code, 7) << r.describe();
      EXPECT_NE(r.err.find(std::string(lang) == "es" ? "no se restauró nada" : "nothing was restored"), std::string::npos)
          << r.describe();
      EXPECT_TRUE(entries_except(dir.path(), before).empty()) << "left behind: " << entries_except(dir.path(), before).front();
    }
  }
  const CliResult ok = run_cli({"restore", archive.string(), "--into", (dir.path() / "r").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  const CliResult twice = run_cli({"restore", archive.string(), "--into", (dir.path() / "r").string()});
  EXPECT_EQ(twice.exit_code, 6) << "a restore never writes into a folder in use: " << twice.describe();
}

TEST(Backup, ProgressOnlyOnATerminal) {
  TempDir dir;
  const fs::path db = dir.path() / "p.db";
  run_cli_ok({"--db", db.string(), "demo"});
  const CliResult piped = run_cli_ok({"--db", db.string(), "backup", "--out", (dir.path() / "a.tar").string()});
  EXPECT_EQ(piped.err, "") << "no progress when standard error is not a terminal";
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script (util-linux) not installed";
  // script(1) gives the command a terminal and copies what it writes there to its own stdout.
  const fs::path seen = dir.path() / "tty.out";
  const std::string cmd = "script -qec \"'" + pasaprod_bin() + "' --db '" + db.string() + "' backup --out '" +
                          (dir.path() / "b.tar").string() + "'\" /dev/null > '" + seen.string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(seen);
  EXPECT_NE(slurp(seen).find("backup "), std::string::npos) << slurp(seen);
  EXPECT_NE(slurp(seen).find("(100%)"), std::string::npos) << slurp(seen);
}

}  // namespace
}  // namespace apitest
