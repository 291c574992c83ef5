// sqlite::wal_batching_vfs(): a commit reaches the WAL in one write, other connections (and
// the default VFS) see every acknowledged commit at once, nothing acknowledged is lost when the
// process is killed, and large transactions and checkpoints work as with the default VFS.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "storage/sqlite/db.h"
#include "storage/sqlite/wal_batching_vfs.h"
#include "tests/store/test_util.h"

namespace pasaprod::sqlite {
namespace {

using testing_store::TempDir;

// Write system calls made by this process so far (/proc/self/io "syscw").
long write_syscalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  ADD_FAILURE() << "no syscw in /proc/self/io";
  return 0;
}

// A writer through the VFS with three tables of two indexes each: a commit that inserts one
// row into each changes about nine B-tree pages.
void create_schema(Connection& db) {
  db.exec("PRAGMA journal_mode = WAL");
  for (const char* t : {"a", "b", "c"}) {
    db.exec((std::string("CREATE TABLE IF NOT EXISTS ") + t + "(id INTEGER PRIMARY KEY, k TEXT, v TEXT)").c_str());
    db.exec((std::string("CREATE INDEX IF NOT EXISTS ") + t + "_k ON " + t + "(k)").c_str());
    db.exec((std::string("CREATE INDEX IF NOT EXISTS ") + t + "_v ON " + t + "(v)").c_str());
  }
}

void commit_rows(Connection& db, int i) {
  ASSERT_EQ(db.try_run_cached("BEGIN IMMEDIATE"), SQLITE_OK);
  for (const char* t : {"a", "b", "c"}) {
    db.query(std::string("INSERT INTO ") + t + "(k, v) VALUES (?, ?)", std::to_string(i * 7919 % 1000),
             std::string(200, static_cast<char>('a' + i % 26)))
        .run();
  }
  ASSERT_EQ(db.try_run_cached("COMMIT"), SQLITE_OK);
}

std::int64_t count_rows(sqlite3* db, const char* table) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &st, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

std::string integrity(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

// The default VFS, as another program (the sqlite3 shell, an older pasaprod) would open it.
struct PlainConnection {
  sqlite3* db = nullptr;
  explicit PlainConnection(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
  }
  ~PlainConnection() { sqlite3_close_v2(db); }
};

TEST(WalBatchingVfs, ACommitOfManyPagesIsOneWriteToTheWal) {
  TempDir dir;
  Connection db(dir.file("w.db"), Connection::Mode::read_write, 5000);
  create_schema(db);
  for (int i = 0; i < 50; ++i) commit_rows(db, i);  // past the WAL header and first splits
  constexpr int kCommits = 200;
  const long before = write_syscalls();
  for (int i = 0; i < kCommits; ++i) commit_rows(db, 50 + i);
  const long writes = write_syscalls() - before;
  // With the default VFS each commit makes two writes per page (header, page): ~18 here.
  // Checkpoints (every 1000 WAL pages) add writes to the database file; allow them.
  EXPECT_LT(writes, kCommits * 2) << writes << " writes for " << kCommits << " commits";
}

TEST(WalBatchingVfs, EveryAcknowledgedCommitIsVisibleToOtherConnectionsAtOnce) {
  TempDir dir;
  const std::string path = dir.file("w.db");
  Connection db(path, Connection::Mode::read_write, 5000);
  create_schema(db);
  Connection reader(path, Connection::Mode::read_only, 5000);
  PlainConnection plain(path);
  for (int i = 1; i <= 300; ++i) {
    commit_rows(db, i);
    ASSERT_EQ(count_rows(plain.db, "c"), i);
    Stmt st = reader.query("SELECT count(*) FROM a");
    ASSERT_TRUE(st.step());
    ASSERT_EQ(st.integer(0), i);
  }
}

TEST(WalBatchingVfs, LargeTransactionsAndCheckpointsKeepTheDatabaseIntact) {
  TempDir dir;
  const std::string path = dir.file("w.db");
  {
    Connection db(path, Connection::Mode::read_write, 5000);
    create_schema(db);
    // Transactions of ~2 MB (more than the gathered limit, and sizes around the default VFS's
    // 128 KiB write limit) between small ones, with checkpoints of every kind in between.
    for (int round = 0; round < 6; ++round) {
      ASSERT_EQ(db.try_run_cached("BEGIN IMMEDIATE"), SQLITE_OK);
      for (int j = 0; j < 40 + round * 7; ++j) {
        db.query("INSERT INTO a(k, v) VALUES (?, ?)", std::to_string(j), std::string(50'000 + round * 131, 'x')).run();
      }
      ASSERT_EQ(db.try_run_cached("COMMIT"), SQLITE_OK);
      for (int i = 0; i < 20; ++i) commit_rows(db, round * 100 + i);
      const char* checkpoint[] = {"PRAGMA wal_checkpoint(PASSIVE)", "PRAGMA wal_checkpoint(TRUNCATE)",
                                  "PRAGMA wal_checkpoint(RESTART)"};
      Stmt st = db.query(checkpoint[round % 3]);
      while (st.step()) {
      }
    }
  }
  PlainConnection plain(path);
  EXPECT_EQ(integrity(plain.db), "ok");
  EXPECT_EQ(count_rows(plain.db, "b"), 6 * 20);
  EXPECT_EQ(count_rows(plain.db, "a"), 6 * 20 + (40 + 47 + 54 + 61 + 68 + 75));
}

// A child commits as fast as it can and reports each acknowledged commit on a pipe; it is
// killed at some point. Everything it reported is in the database, which is intact.
TEST(WalBatchingVfs, AKilledWriterLosesNothingItAcknowledged) {
  TempDir dir;
  const std::string path = dir.file("w.db");
  {
    Connection db(path, Connection::Mode::read_write, 5000);
    create_schema(db);
  }
  std::int64_t before_round = 0;
  for (int round = 0; round < 3; ++round) {
    int acks[2];
    ASSERT_EQ(::pipe(acks), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(acks[0]);
      try {
        Connection db(path, Connection::Mode::read_write, 5000);
        for (int i = 0;; ++i) {
          db.exec("BEGIN IMMEDIATE");
          db.query("INSERT INTO b(k, v) VALUES (?, ?)", std::to_string(i), std::string(3000 + i % 5000, 'y')).run();
          db.query("INSERT INTO c(k, v) VALUES (?, ?)", std::to_string(i), std::string(100, 'z')).run();
          db.exec("COMMIT");
          if (::write(acks[1], "+", 1) != 1) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(acks[1]);
    long acknowledged = 0;
    char c;
    while (acknowledged < 300 + round * 400 && ::read(acks[0], &c, 1) == 1) ++acknowledged;
    ::kill(child, SIGKILL);
    while (::read(acks[0], &c, 1) == 1) ++acknowledged;  // acknowledged before it died
    ::close(acks[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;

    PlainConnection plain(path);
    EXPECT_EQ(integrity(plain.db), "ok");
    const std::int64_t b = count_rows(plain.db, "b");
    EXPECT_EQ(b, count_rows(plain.db, "c"));
    EXPECT_GE(b - before_round, acknowledged) << "round " << round;
    EXPECT_LE(b - before_round, acknowledged + 1) << "round " << round;  // at most the one in flight
    before_round = b;
  }
}

}  // namespace
}  // namespace pasaprod::sqlite
