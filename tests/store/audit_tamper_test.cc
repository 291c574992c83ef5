// Tampering with the audit trail of a SQLite database behind pasaprod's back — with the
// sqlite3 C API, after dropping the append-only triggers — is detected by verify_audit().
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "audit/chain.h"
#include "audit/file_anchor.h"
#include "storage/open/open_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

constexpr int kEvents = 10;

class AuditTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open();
    for (int i = 1; i <= kEvents; ++i) {
      Status st = store->write([&](WriteTx& tx) {
        auto e = tx.append_event(sample_event("PP-2026-0001", i));
        return e ? ok_status() : Status(e.error());
      });
      ASSERT_TRUE(st.ok()) << st.error().en;
    }
    auto report = store->verify_audit();
    ASSERT_TRUE(report.ok);
    ASSERT_EQ(report.events_checked, kEvents);
    ASSERT_EQ(anchor_.load()->seq, kEvents);
  }

  std::unique_ptr<AnchoredStore> open(AuditAnchor* anchor) {
    auto store = open_store(db_path(), anchor);
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  }
  std::unique_ptr<AnchoredStore> open() { return open(&anchor_); }

  std::string db_path() const { return dir_.file("pasaprod.db"); }

  // Runs SQL on the database file directly, as an attacker with file access would.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    // The attacker drops the append-only triggers, edits, and puts the triggers back
    // (dropping them alone is reported: see TriggerDroppedIsReported).
    std::string all = "DROP TRIGGER IF EXISTS audit_events_no_update;"
                      "DROP TRIGGER IF EXISTS audit_events_no_delete;" + sql + ";" + kTriggersSql;
    char* err = nullptr;
    int rc = sqlite3_exec(db, all.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::string hash_at(int seq) {
    std::string out;
    auto store = open(nullptr);
    scan_events(*store, seq - 1, [&](const AuditEvent& e) {
      out = e.hash;
      return false;
    });
    return out;
  }

  // Problem ids with their seq: "audit.altered@5".
  std::vector<std::string> problems(AuditAnchor* anchor) {
    auto report = open(anchor)->verify_audit();
    std::vector<std::string> out;
    for (const auto& p : report.problems) {
      EXPECT_FALSE(p.es.empty());
      EXPECT_FALSE(p.en.empty());
      out.push_back(p.id + "@" + std::to_string(p.seq));
    }
    EXPECT_EQ(report.ok, out.empty());
    return out;
  }
  std::vector<std::string> problems() { return problems(&anchor_); }

  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  TempDir dir_;
  audit::FileAnchor anchor_{dir_.file("audit.anchor")};
};

TEST_F(AuditTamper, EditedEvent) {
  tamper("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5");
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.altered@5"});
}

TEST_F(AuditTamper, EditedEventWithRecomputedHashBreaksTheNextLink) {
  // The forger fixes event 5's own hash but cannot fix event 6's prev_hash without
  // rewriting the rest of the chain.
  AuditEvent e = sample_event("PP-2026-0001", 5);
  e.seq = 5;
  e.actor = "mallory";
  e.prev_hash = hash_at(4);
  e.hash = audit::event_hash(e);
  tamper("UPDATE audit_events SET actor = 'mallory', hash = '" + e.hash + "' WHERE seq = 5");
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.broken_link@6"});
}

TEST_F(AuditTamper, DeletedMiddleEvent) {
  tamper("DELETE FROM audit_events WHERE seq = 5");
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.gap@5"});
}

TEST_F(AuditTamper, InsertedEvent) {
  // Shift events 5.. up by one (via negative seqs to keep the key unique), then insert a
  // well-formed event at 5 that links to event 4.
  AuditEvent e = sample_event("PP-2026-0001", 42);
  e.seq = 5;
  e.prev_hash = hash_at(4);
  e.hash = audit::event_hash(e);
  tamper(
      "UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 5;"
      "UPDATE audit_events SET seq = -seq WHERE seq < 0;"
      "INSERT INTO audit_events(seq, at, actor, action, subject, before_json, after_json, "
      "prev_hash, hash) VALUES (5, " + std::to_string(e.at) + ", 'ana', 'release.act', "
      "'PP-2026-0001', '" + e.before + "', '" + e.after + "', '" + e.prev_hash + "', '" +
      e.hash + "')");
  auto found = problems();
  EXPECT_FALSE(has(found, "audit.altered@5"));  // the inserted event itself is well formed
  EXPECT_TRUE(has(found, "audit.broken_link@6"));
  EXPECT_TRUE(has(found, "audit.altered@6"));
  EXPECT_TRUE(has(found, "audit.anchor_mismatch@10"));
}

TEST_F(AuditTamper, SwappedEvents) {
  tamper(
      "UPDATE audit_events SET seq = -1 WHERE seq = 4;"
      "UPDATE audit_events SET seq = 4 WHERE seq = 5;"
      "UPDATE audit_events SET seq = 5 WHERE seq = -1;");
  auto found = problems();
  EXPECT_TRUE(has(found, "audit.altered@4"));
  EXPECT_TRUE(has(found, "audit.altered@5"));
}

TEST_F(AuditTamper, DeletedNewestEventsDetectedByTheAnchor) {
  tamper("DELETE FROM audit_events WHERE seq > 8");
  // The chain alone cannot see it...
  EXPECT_TRUE(problems(nullptr).empty());
  // ...the anchor can.
  auto report = open()->verify_audit();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].id, "audit.cut_tail");
  EXPECT_EQ(report.problems[0].es, "faltan eventos después del 8: el ancla registra 10");
  EXPECT_EQ(report.problems[0].en, "events missing after 8: the anchor records 10");
}

TEST_F(AuditTamper, CutTailThenNewEventsStillDetected) {
  tamper("DELETE FROM audit_events WHERE seq > 8");
  {
    // pasaprod keeps running on the cut database, without an anchor (or the anchor's
    // advance is refused as it is behind); new events reuse seqs 9 and 10.
    auto store = open(nullptr);
    for (int i = 0; i < 3; ++i) {
      Status st = store->write([&](WriteTx& tx) {
        auto e = tx.append_event(sample_event("other", 100 + i));
        return e ? ok_status() : Status(e.error());
      });
      ASSERT_TRUE(st.ok());
    }
  }
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.anchor_mismatch@10"});
}

TEST_F(AuditTamper, ForgedAnchorFileDetected) {
  tamper("DELETE FROM audit_events WHERE seq > 8");
  // The forger moves the anchor back to 8 to match; without the key the HMAC is wrong.
  // Both slots (the newest head and the one before) get the rolled-back head and an old HMAC.
  std::string file;
  {
    std::ifstream in(anchor_.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    file = ss.str();
  }
  ASSERT_EQ(file.size(), 1024u);
  const std::string old_hmac = file.substr(file.find("hmac "), 5 + 64);
  std::string slot = "8 " + hash_at(8) + "\n" + old_hmac + "\n";
  slot.resize(512, '\0');
  std::ofstream(anchor_.path(), std::ios::binary | std::ios::trunc) << slot << slot;
  auto found = problems();
  EXPECT_EQ(found, std::vector<std::string>{"audit.anchor_invalid@0"});
  // Further writes cannot launder it: the store reports the anchor failure.
  auto store = open();
  Status st = store->write([&](WriteTx& tx) {
    auto e = tx.append_event(sample_event("x", 1));
    return e ? ok_status() : Status(e.error());
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().id, "audit.anchor_failed");
  EXPECT_TRUE(has(problems(), "audit.anchor_invalid@0"));
}

TEST_F(AuditTamper, TriggerDroppedIsReported) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_events_no_delete", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_events_no_update;"
                             "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                             "WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto found = problems();
  EXPECT_TRUE(has(found, "audit.trigger_missing@0"));
  EXPECT_TRUE(has(found, "audit.trigger_altered@0"));
  EXPECT_EQ(found.size(), 2u);
}

TEST_F(AuditTamper, DeletedAnchorFileDetected) {
  tamper("DELETE FROM audit_events WHERE seq > 8");
  ASSERT_EQ(::unlink(anchor_.path().c_str()), 0);
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.no_anchor@0"});
}

}  // namespace
}  // namespace pasaprod::testing_store
