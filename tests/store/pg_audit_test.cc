// The audit trail on PostgreSQL: the append-only triggers and their check, the scan of the
// trail, and, under the anchor (AnchoredStore) as the server runs it, tampering behind
// pasaprod's back — as the database's superuser, who can switch the triggers off and on again —
// reported as `pasaprod audit verify` reports it on SQLite; the replay finds the same
// differences in the same rows on both backends.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/file_anchor.h"
#include "storage/anchored_store.h"
#include "storage/replay.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/store/pg_test_db.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

constexpr int kEvents = 10;

class PgAuditTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open(&anchor_);
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= kEvents; ++i) ASSERT_TRUE(append_sample(*store, "PP-2026-0001", i).ok());
    const audit::AuditVerifyReport report = store->verify_audit();
    ASSERT_TRUE(report.ok);
    ASSERT_EQ(report.events_checked, kEvents);
    ASSERT_EQ(anchor_.load()->seq, kEvents);
  }

  std::unique_ptr<AnchoredStore> open(AuditAnchor* anchor) {
    auto backend = open_pg(db_.url());
    if (backend == nullptr) return nullptr;
    return std::make_unique<AnchoredStore>(std::move(backend), anchor);
  }

  // Runs SQL on the database as its superuser, with the append-only triggers off meanwhile.
  void tamper(const std::string& sql) {
    auto conn = db_.connect();
    conn->exec("ALTER TABLE audit_events DISABLE TRIGGER USER");
    conn->exec(sql);
    conn->exec("ALTER TABLE audit_events ENABLE TRIGGER USER");
  }

  // Problem ids with their seq: "audit.altered@5".
  std::vector<std::string> problems(AuditAnchor* anchor) {
    const audit::AuditVerifyReport report = open(anchor)->verify_audit();
    std::vector<std::string> out;
    for (const audit::AuditProblem& p : report.problems) out.push_back(p.id + "@" + std::to_string(p.seq));
    EXPECT_EQ(report.ok, out.empty());
    return out;
  }
  std::vector<std::string> problems() { return problems(&anchor_); }

  TempDir dir_;
  ScratchDatabase db_{dir_.path()};
  audit::FileAnchor anchor_{dir_.file("anchor")};
};

TEST_F(PgAuditTamper, EditedEvent) {
  tamper("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5");
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.altered@5"});
}

TEST_F(PgAuditTamper, DeletedMiddleEvent) {
  tamper("DELETE FROM audit_events WHERE seq = 5");
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.gap@5"});
}

TEST_F(PgAuditTamper, DeletedNewestEventsDetectedByTheAnchorAndWritesRefused) {
  tamper("DELETE FROM audit_events WHERE seq > 8");
  EXPECT_TRUE(problems(nullptr).empty());  // a shorter chain is still a chain
  EXPECT_EQ(problems(), std::vector<std::string>{"audit.cut_tail@8"});
  auto store = open(&anchor_);
  const Status st = append_sample(*store, "PP-2026-0001", 11);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().id, "audit.db_behind_anchor");
}

TEST_F(PgAuditTamper, TriggersSwitchedOffOrDroppedAreReported) {
  auto conn = db_.connect();
  conn->exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update");
  conn->exec("DROP TRIGGER audit_events_no_truncate ON audit_events");
  const std::vector<std::string> found = problems();
  EXPECT_EQ(found, (std::vector<std::string>{"audit.trigger_altered@0", "audit.trigger_missing@0"}));
}

TEST(PgStore, ScanEventsReadsInChunksAndStopsWhenAsked) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    for (int i = 1; i <= 10; ++i) {
      if (auto st = append(tx, "s", i); !st) return st;
    }
    return ok_status();
  }).ok());
  std::vector<std::int64_t> seen;
  scan_events(*store, 3, [&](const AuditEvent& e) {
    seen.push_back(e.seq);
    return e.seq < 8;
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
  // More events than one chunk of the scan (1000): all, in order, from one snapshot.
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    for (int i = 11; i <= 2100; ++i) {
      if (auto st = append(tx, "s", i); !st) return st;
    }
    return ok_status();
  }).ok());
  std::int64_t expected = 0;
  scan_events(*store, 0, [&](const AuditEvent& e) { return e.seq == ++expected; });
  EXPECT_EQ(expected, 2100);
}

TEST(PgStore, AuditEventsRefuseEditsAndTheTriggersAreChecked) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) { return append(tx, "s", 1); }).ok());
  EXPECT_TRUE(protection_problems(*store).empty());

  auto conn = db.connect();
  for (const char* sql : {"UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events"}) {
    try {
      conn->exec(sql);
      ADD_FAILURE() << sql << " was allowed";
    } catch (const pg::PgError& e) {
      EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
    }
    conn->clear_failure();
  }
  conn->exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_delete");
  conn->exec("DROP TRIGGER audit_events_no_update ON audit_events");
  const auto problems = protection_problems(*store);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].id, "audit.trigger_missing");
  EXPECT_NE(problems[0].en.find("audit_events_no_update"), std::string::npos);
  EXPECT_EQ(problems[1].id, "audit.trigger_altered");
  EXPECT_NE(problems[1].en.find("audit_events_no_delete"), std::string::npos);
  conn->exec("CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
             "$$ BEGIN RETURN NULL; END $$");
  EXPECT_EQ(protection_problems(*store).size(), 3u);  // the truncate trigger calls it too
}

// Without audit_head's row nothing would keep concurrent appenders in one order: appends fail
// (nothing saved) and the check reports it, until the row is put back.
TEST(PgStore, AppendsStopWhileTheChainHeadsRowIsMissing) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_sample(*store, "s", 1).ok());
  db.connect()->exec("DELETE FROM audit_head");
  EXPECT_THROW((void)append_sample(*store, "s", 2), pg::PgError);
  const std::vector<audit::AuditProblem> problems = protection_problems(*store);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].id, "audit.head_lock_missing");
  EXPECT_EQ(count_events(*store), 1);
  db.connect()->exec("INSERT INTO audit_head(id, seq) SELECT TRUE, COALESCE(MAX(seq), 0) FROM audit_events");
  EXPECT_TRUE(append_sample(*store, "s", 2).ok());
  EXPECT_TRUE(protection_problems(*store).empty());
}

// The same rows, which the trail does not account for, on both backends: the replay reports
// the same differences, in the same order and words.
TEST(PgReplay, SameDifferencesAsSqlite) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto pg = open_pg(db.url());
  auto lite = SqliteStore::open(dir.file("replay.db"));
  ASSERT_TRUE(pg && lite.ok());
  const auto fill = [](Store& store) {
    return store.write([](WriteTx& tx) -> Status {
      if (auto st = tx.insert_user(sample_user("ana")); !st) return st;
      for (const char* number : {"PP-2026-0002", "PP-2026-0001"}) {
        if (auto st = tx.insert_release(sample_release(number, 1000)); !st) return st;
        if (auto st = tx.put_file(number, {"source_code", "app.zip", 10, std::string(64, 'a'), "ana", 1}); !st) return st;
        if (auto st = tx.add_transition(number, {"submit", "draft", "in_qa", "ana", "", 2, ""}); !st) return st;
        if (auto r = tx.add_record(number, {0, "window", {{"from", "x"}}, "ana", 3, "", {}}); !r) return r.error();
        if (auto st = tx.add_review(number, {"source_code", "accepted", "", "carla", 4, "d"}); !st) return st;
        if (auto st = tx.bump_release(number, 0, "in_qa", 5); !st) return st;
      }
      auto e = tx.append_event(sample_event("PP-2026-0001", 1));
      return e ? ok_status() : Status(e.error());
    });
  };
  ASSERT_TRUE(fill(*pg).ok());
  ASSERT_TRUE(fill(**lite).ok());
  const auto replayed = [](Store& store) {
    std::vector<std::string> out;
    EXPECT_TRUE(store.read([&](ReadTx& tx) {
      for (const audit::AuditProblem& p : replay_trail(tx)) out.push_back(p.id + "@" + std::to_string(p.seq) + " " + p.en);
      return ok_status();
    }).ok());
    return out;
  };
  const std::vector<std::string> on_pg = replayed(*pg);
  EXPECT_FALSE(on_pg.empty());
  EXPECT_EQ(on_pg, replayed(**lite));
}

}  // namespace
}  // namespace pasaprod::testing_store
