// Test databases on the throw-away PostgreSQL cluster of the CTest fixture pg_cluster
// (tests/fixtures/pg_cluster.sh): each test makes databases of its own and drops them after.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {

// The cluster's URL without a database ("postgresql://postgres:PW@127.0.0.1:PORT"), read from
// the file named by $PASAPROD_TEST_PG_URL_FILE, which the fixture's setup test writes. ""
// (after a test failure) when the test does not run under the fixture.
inline std::string pg_cluster_url() {
  const char* file = std::getenv("PASAPROD_TEST_PG_URL_FILE");
  std::string url;
  if (file != nullptr) {
    std::ifstream in(file);
    std::getline(in, url);
  }
  if (url.empty()) {
    ADD_FAILURE() << "no PostgreSQL test cluster: run these tests through ctest (fixture pg_cluster, "
                     "tests/fixtures/pg_cluster.sh), which sets PASAPROD_TEST_PG_URL_FILE";
  }
  return url;
}

// An empty database named after `dir` (a fresh temporary directory of the test), dropped with
// whatever is connected to it when the object is destroyed.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& dir) : cluster_(pg_cluster_url()) {
    name_ = "pasaprod_t";
    for (char c : dir.substr(dir.find_last_of('/') + 1)) {
      name_ += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
    }
    if (cluster_.empty()) return;
    // Identifiers cannot be parameters; the name holds only letters, digits and '_'.
    admin("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    admin("CREATE DATABASE \"" + name_ + "\"");
  }
  ~ScratchDatabase() {
    if (cluster_.empty()) return;
    try {
      admin("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop " << name_ << ": " << e.what();
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The database's URL (with the cluster's password).
  std::string url() const { return cluster_ + "/" + name_; }
  // The cluster's password, to check it appears nowhere.
  std::string password() const {
    const std::size_t colon = cluster_.find(':', cluster_.find("://") + 3);
    return cluster_.substr(colon + 1, cluster_.find('@') - colon - 1);
  }
  // "127.0.0.1:PORT"
  std::string host_port() const { return cluster_.substr(cluster_.find('@') + 1); }

  // A connection of its own to the database (to look under the store, or tamper with it).
  std::unique_ptr<pg::Connection> connect() const { return std::make_unique<pg::Connection>(url(), password()); }

 private:
  void admin(const std::string& sql) {
    pg::Connection db(cluster_ + "/postgres", "");
    db.exec(sql);
  }

  std::string cluster_;
  std::string name_;
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
