// The PostgreSQL backend: the shared suite, plus opening a server database (the password kept
// out of sight, schema versions, migrations racing, refused logins, dropped connections).
// Concurrency: pg_concurrency_test.cc; the audit trail: pg_audit_test.cc. Every test has a
// database of its own on the cluster of the CTest fixture pg_cluster.
#include <future>
#include <latch>

#include "storage/postgres/schema.h"
#include "storage/sqlite/schema.h"
#include "tests/store/pg_test_db.h"
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

// The store of the shared suite: a PgStore on a database of its own, dropped with the store.
class ScratchPgStore final : public Store {
 public:
  explicit ScratchPgStore(const std::string& dir) : db_(dir), store_(open_pg(db_.url())) {}
  bool ok() const { return store_ != nullptr; }
  Status read(const std::function<Status(ReadTx&)>& fn) override { return store_->read(fn); }
  Status write(const std::function<Status(WriteTx&)>& fn) override { return store_->write(fn); }
  std::string describe() const override { return store_->describe(); }
  void set_commit_listener(CommitListener listener) override { store_->set_commit_listener(std::move(listener)); }

 private:
  ScratchDatabase db_;               // destroyed last
  std::unique_ptr<PgStore> store_;   // closes its connections first
};

std::unique_ptr<Store> make_pg_store(const std::string& dir) {
  auto store = std::make_unique<ScratchPgStore>(dir);
  return store->ok() ? std::move(store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreSuite, ::testing::Values(StoreFactory{"postgres", make_pg_store}),
                         StoreFactory::name_of);

TEST(PgStore, DescribeAndErrorsNeverShowThePassword) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  const std::string password = db.password();
  ASSERT_GE(password.size(), 16u);
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->describe(), "postgresql://postgres@" + db.host_port() + "/" + db.name());

  // The same database as key=value pairs.
  const std::string host = db.host_port().substr(0, db.host_port().find(':'));
  const std::string port = db.host_port().substr(db.host_port().find(':') + 1);
  auto kv = open_pg("host=" + host + " port=" + port + " user=postgres password=" + password + " dbname=" + db.name());
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->describe(), store->describe());

  const auto expect_hidden = [](const Result<std::unique_ptr<PgStore>>& r, const std::string& secret, Code code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().en;
    EXPECT_EQ(r.error().es.find(secret), std::string::npos) << r.error().es;
    EXPECT_EQ(r.error().en.find(secret), std::string::npos) << r.error().en;
    for (const Detail& d : r.error().details) EXPECT_EQ(d.value.find(secret), std::string::npos) << d.value;
  };
  // A wrong password, a database that does not exist, a URL libpq cannot parse.
  const std::string wrong = "not-the-" + password;
  expect_hidden(PgStore::open("postgresql://postgres:" + wrong + "@" + db.host_port() + "/" + db.name()), wrong,
                Code::unavailable);
  expect_hidden(PgStore::open("postgresql://postgres:" + password + "@" + db.host_port() + "/no_such_db"), password,
                Code::unavailable);
  expect_hidden(PgStore::open("postgresql://postgres:" + password + "%zz@" + db.host_port() + "/x"), password,
                Code::invalid_argument);
  expect_hidden(PgStore::open("host=" + host + " password=" + password + " bogus_key=1"), password,
                Code::invalid_argument);
}

TEST(PgStore, RefusesASchemaNewerThanItKnows) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  {
    auto store = open_pg(db.url());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(schema_version_of(*store), postgres::latest_schema_version());
    EXPECT_EQ(postgres::latest_schema_version(), sqlite::latest_schema_version());  // the SQLite schema's version it matches
  }
  {
    auto again = open_pg(db.url());  // migrations are not applied twice
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(schema_version_of(*again), postgres::latest_schema_version());
  }
  const int newer = postgres::latest_schema_version() + 1;
  db.connect()->exec("INSERT INTO schema_version(version, description) VALUES ($1, 'from a newer pasaprod')", newer);
  auto refused = PgStore::open(db.url());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Code::failed_precondition);
  EXPECT_EQ(refused.error().id, "store.schema_newer");
  EXPECT_EQ(refused.error().detail("found"), std::to_string(newer));
  EXPECT_NE(refused.error().en.find("upgrade pasaprod"), std::string::npos);
  // Refusing changed nothing.
  pg::Result rows = db.connect()->exec("SELECT COUNT(*), MAX(version) FROM schema_version");
  EXPECT_EQ(rows.row(0).integer(0), static_cast<std::int64_t>(postgres::migrations().size()) + 1);
  EXPECT_EQ(rows.row(0).integer(1), newer);
}

// A login that may not create tables (PostgreSQL 15: only the database's owner may, in schema
// public) cannot migrate: an error value that says so, without its password.
TEST(PgStore, RoleThatMayNotCreateTablesIsRefusedAtOpen) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  const std::string role = db.name() + "_reader", secret = "pw-" + db.name();
  auto admin = db.connect();
  // Identifiers cannot be parameters; the role's name holds only letters, digits and '_'.
  admin->exec("DROP ROLE IF EXISTS \"" + role + "\"");
  admin->exec("SELECT set_config('pasaprod.pw', $1, false)", secret);
  admin->exec("DO $$ BEGIN EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', '" + role +
              "', current_setting('pasaprod.pw')); END $$");
  auto refused = PgStore::open("postgresql://" + role + ":" + secret + "@" + db.host_port() + "/" + db.name());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Code::internal);
  EXPECT_EQ(refused.error().id, "store.open_failed");
  EXPECT_NE(refused.error().en.find("permission denied"), std::string::npos) << refused.error().en;
  EXPECT_EQ(refused.error().en.find(secret), std::string::npos) << refused.error().en;
  admin.reset();
  db.connect()->exec("DROP ROLE \"" + role + "\"");
}

TEST(PgStore, NodesStartingAtOnceMigrateOnce) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<std::future<std::string>> opened;
  for (int i = 0; i < kNodes; ++i) {
    opened.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      auto store = PgStore::open(db.url());
      return store ? std::string() : store.error().en;
    }));
  }
  for (auto& f : opened) EXPECT_EQ(f.get(), "");
  auto conn = db.connect();
  pg::Result versions = conn->exec("SELECT version FROM schema_version ORDER BY version");
  ASSERT_EQ(versions.rows(), static_cast<int>(postgres::migrations().size()));  // each applied once
  for (int i = 0; i < versions.rows(); ++i) {
    EXPECT_EQ(versions.row(i).integer(0), postgres::migrations()[static_cast<std::size_t>(i)].version);
  }
  EXPECT_EQ(versions.row(versions.rows() - 1).integer(0), postgres::latest_schema_version());
  EXPECT_EQ(conn->exec("SELECT COUNT(*) FROM audit_head").row(0).integer(0), 1);
}

// Pooled connections the server dropped (a restart, a failover, an administrator) are replaced:
// the next read and write work.
TEST(PgStore, ConnectionsTheServerDroppedAreReplaced) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.put_setting("k", "1"); }).ok());
  ASSERT_TRUE(store->read([](ReadTx& tx) { return tx.setting("k") ? ok_status() : Status(make_error(Code::internal, "t", "t", "t")); }).ok());
  pg::Result killed = db.connect()->exec(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.name());
  ASSERT_GE(killed.rows(), 1);
  std::string value;
  ASSERT_TRUE(store->read([&](ReadTx& tx) {
    value = tx.setting("k").value_or("");
    return ok_status();
  }).ok());
  EXPECT_EQ(value, "1");
  db.connect()->exec(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.name());
  const Status st = append_sample(*store, "s", 1);
  EXPECT_TRUE(st.ok()) << st.error().en;
}

// The total of releases(f) with the given state, system and kind, which must be uncapped.
std::int64_t counted_total(Store& store, const std::string& state, const std::string& system, const std::string& kind) {
  ReleaseFilter f;
  f.state = state;
  f.system = system;
  f.kind = kind;
  f.count_limit = 1;
  std::int64_t total = -1;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    const ReleasePage p = tx.releases(f);
    EXPECT_FALSE(p.total_capped);
    total = p.total;
    return ok_status();
  }).ok());
  return total;
}

// Schema v18 counts the releases of each state, system and kind: a database of version 17
// gets the counts of the releases it has, and the trigger keeps them through changes no store
// method makes (a system or kind changed, a release deleted: a repair by hand).
TEST(PgStore, MigratesV17DatabaseCountingItsReleases) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  {
    auto conn = db.connect();
    conn->exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
               " applied_at TEXT NOT NULL DEFAULT '')");
    for (const postgres::Migration& m : postgres::migrations()) {
      if (m.version > 17) break;
      for (const char* statement : m.statements) conn->exec(statement);
      conn->exec("INSERT INTO schema_version(version, description) VALUES ($1, $2)", m.version, m.description);
    }
    for (int i = 1; i <= 5; ++i) {
      conn->exec("INSERT INTO releases(number, system, kind, version, declared_major, title, summary, requester, state,"
                 " edition, created_at, updated_at, row_version, search_text) VALUES ($1, $2, 'maintenance', '2.4',"
                 " false, 't', 's', 'ana', $3, '02', 1000, 2000, 1, 't s')",
                 "PP-2025-000" + std::to_string(i), i == 3 ? "SIAF" : "SIGA", i <= 2 ? "closed" : "in_qa");
    }
  }
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(schema_version_of(*store), postgres::latest_schema_version());
  EXPECT_EQ(counted_total(*store, "", "", ""), 5);
  EXPECT_EQ(counted_total(*store, "closed", "", ""), 2);
  EXPECT_EQ(counted_total(*store, "in_qa", "SIGA", "maintenance"), 2);
  EXPECT_EQ(counted_total(*store, "in_qa", "SIAF", ""), 1);
  {
    auto conn = db.connect();
    conn->exec("UPDATE releases SET system = 'SIGA', kind = 'emergency' WHERE number = 'PP-2025-0003'");
    conn->exec("DELETE FROM releases WHERE number = 'PP-2025-0001'");
    conn->exec("UPDATE releases SET title = 'otro' WHERE number = 'PP-2025-0004'");
  }
  EXPECT_EQ(counted_total(*store, "", "", ""), 4);
  EXPECT_EQ(counted_total(*store, "closed", "", ""), 1);
  EXPECT_EQ(counted_total(*store, "in_qa", "SIGA", ""), 3);
  EXPECT_EQ(counted_total(*store, "", "SIAF", ""), 0);
  EXPECT_EQ(counted_total(*store, "", "", "emergency"), 1);
}

// Limits and offsets as the SQLite backend takes them (PostgreSQL refuses negative ones): a
// negative limit is no limit, a negative offset none.
TEST(PgStore, NegativeLimitsAndOffsetsAsSqliteTakesThem) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    if (auto st = tx.insert_user(sample_user("ana")); !st) return st;
    for (int i = 1; i <= 3; ++i) {
      if (auto st = tx.add_notification({0, "ana", "PP-2026-0001", i, "submit", "bob", i, false, ""}); !st) return st;
      OutboxMail m;
      m.username = "ana";
      if (auto id = tx.enqueue_mail(m); !id) return id.error();
    }
    return ok_status();
  }).ok());
  ASSERT_TRUE(store->read([](ReadTx& tx) {
    EXPECT_EQ(tx.notifications("ana", false, -1, -4).size(), 3u);
    EXPECT_EQ(tx.mails("", -1, -2).size(), 3u);
    return ok_status();
  }).ok());
  ASSERT_TRUE(store->write([](WriteTx& tx) {
    EXPECT_EQ(tx.claim_mails(0, 10, -1).size(), 3u);
    return tx.expire_signin_failures(1000, -1);
  }).ok());
}

}  // namespace
}  // namespace pasaprod::testing_store
