// Test databases on the throw-away PostgreSQL cluster of the CTest fixture pg_cluster
// (tests/fixtures/pg_cluster.sh): each test makes databases of its own and drops them after.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_store.h"
#include "tests/fixtures/pg_scratch.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {

// An empty database named after `dir` (a fresh temporary directory of the test), dropped with
// whatever is connected to it when the object is destroyed. The test fails when it does not run
// under the fixture, which sets PASAPROD_TEST_PG_URL_FILE.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& dir) : db_("t" + dir.substr(dir.find_last_of('/') + 1)) {
    if (!db_.active()) {
      ADD_FAILURE() << "no PostgreSQL test cluster: run these tests through ctest (fixture pg_cluster, "
                       "tests/fixtures/pg_cluster.sh), which sets PASAPROD_TEST_PG_URL_FILE";
    }
  }

  const std::string& name() const { return db_.name(); }
  // The database's URL (with the cluster's password).
  std::string url() const { return db_.url_with_password(); }
  // The cluster's password, to check it appears nowhere.
  std::string password() const { return db_.password(); }
  // "127.0.0.1:PORT"
  std::string host_port() const { return db_.host_port(); }

  // A connection of its own to the database (to look under the store, or tamper with it).
  std::unique_ptr<pg::Connection> connect() const { return std::make_unique<pg::Connection>(url(), password()); }

 private:
  testing_pg::PgScratchDatabase db_;
};

// Opens a PgStore on the database, failing the test when it cannot.
inline std::unique_ptr<PgStore> open_pg(const std::string& url, PgStore::Options options = {}) {
  auto store = PgStore::open(url, options);
  if (!store) {
    ADD_FAILURE() << store.error().en;
    return nullptr;
  }
  return std::move(*store);
}

// The database's schema version, read through the store.
inline int schema_version_of(Store& store) {
  int version = -1;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    version = tx.schema_version();
    return ok_status();
  }).ok());
  return version;
}

// ReadTx::trail_protection_problems through the store.
inline std::vector<audit::AuditProblem> protection_problems(Store& store) {
  std::vector<audit::AuditProblem> out;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    out = tx.trail_protection_problems();
    return ok_status();
  }).ok());
  return out;
}

// Appends sample_event(subject, i) in the transaction.
inline Status append(WriteTx& tx, const std::string& subject, int i) {
  auto e = tx.append_event(sample_event(subject, i));
  return e ? ok_status() : Status(e.error());
}

}  // namespace pasaprod::testing_store
