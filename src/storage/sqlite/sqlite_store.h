// The SQLite backend of Store (storage/store.h).
//
//   Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open("/var/lib/pasaprod.db");
//   if (!store) return store.error();
//   Status s = (*store)->write([&](WriteTx& tx) -> Status { ... });
//
// The database file is in WAL mode with synchronous=FULL (a write() that returns ok is on
// disk), foreign_keys=ON, and a busy timeout, so several processes can share it: writers
// queue for SQLite's write lock (BEGIN IMMEDIATE), readers never block nor are blocked.
//
// Threads: one SqliteStore may be used from any number of threads. write() calls are
// serialised by a mutex over one writer connection; read() calls each borrow a connection
// from a pool (read-only, query_only), so reads run concurrently with each other and with the
// writer. A read()/write() function must not call read()/write() on the same store (the
// nested write would deadlock; a nested read would see a different snapshot).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/store.h"

namespace pasaprod::sqlite {
class Connection;
}

namespace pasaprod {

class SqliteStore final : public Store {
 public:
  struct Options {
    int busy_timeout_ms = 10000;     // how long to wait for another process's lock
    std::size_t max_idle_readers = 8;  // read connections kept open between reads
    // Called after every write() that got the write lock (committed or not), on the writing
    // thread, with how long it waited for the lock (this process's and SQLite's) and whether
    // it committed. Must be thread-safe and quick (metrics). Null = none.
    std::function<void(std::chrono::nanoseconds wait, bool committed)> write_observer;
    // Group commit: at most this many concurrent writers share one transaction (see write()).
    std::size_t max_group = 64;
    // Connections write the WAL through sqlite::wal_batching_vfs (one write per commit); false:
    // through SQLite's default VFS (two writes per page). For the store benchmark's comparison.
    bool batch_wal_writes = true;
  };

  // Opens (creating it if needed) the database at `path` and brings its schema up to date.
  // Errors: internal when the file cannot be opened or migrated, failed_precondition when its
  // schema is newer than this program.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, Options options);
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path) { return open(path, Options{}); }
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // One snapshot (a deferred read transaction). Exceptions from fn propagate.
  Status read(const std::function<Status(ReadTx&)>& fn) override;
  // Group commit: writers that call write() while a commit is in flight wait for it and are
  // then committed together, in arrival order, in one BEGIN IMMEDIATE ... COMMIT (one fsync),
  // each fn inside its own SAVEPOINT: a fn that refuses or throws has its own changes rolled
  // back (the exception propagates to its caller) and the others' stay. Each fn sees the
  // changes of those before it, as if the writes ran one after another; write() returns only
  // after the COMMIT that holds its changes is durable (synchronous=FULL), so a crash at any
  // point loses only writes whose write() had not returned. A group whose COMMIT fails fails
  // every member ("store.commit_failed"); if SQLite itself abandons the transaction while a
  // member runs (an I/O error, a full disk), the members before it fail with
  // "store.rolled_back" and the rest go on in a new transaction. The commit listener hears
  // once per group. internal ("store.busy") when the write lock was not obtained within the
  // busy timeout.
  Status write(const std::function<Status(WriteTx&)>& fn) override;
  std::string describe() const override { return "sqlite:" + path_; }
  void set_commit_listener(CommitListener listener) override { listener_ = std::move(listener); }
  // Writers queued for the next group commit (not counting a group in flight). Thread-safe.
  std::size_t writers_waiting() const override;

  // Writes a consistent copy of the whole database (one snapshot, VACUUM INTO) to `dest`,
  // which must not exist, while other threads and processes keep reading and writing. Errors:
  // internal ("store.copy_failed") with SQLite's reason.
  Status copy_to(const std::string& dest);

 private:
  class ReaderLease;
  SqliteStore(std::string path, Options options);
  std::unique_ptr<sqlite::Connection> open_reader();

  const std::string path_;
  const Options options_;
  CommitListener listener_;

  // Writers queue in group_queue_; the one that finds no group in flight leads: it takes the
  // queue (up to max_group), commits it with writer_ and wakes the members.
  struct PendingWrite;
  void commit_group(const std::vector<PendingWrite*>& group);
  mutable std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::deque<PendingWrite*> group_queue_;  // GUARDED_BY(group_mu_)
  bool group_in_flight_ = false;           // GUARDED_BY(group_mu_)
  std::unique_ptr<sqlite::Connection> writer_;  // used only by the writer leading a group

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_readers_;  // GUARDED_BY(pool_mu_)
};

}  // namespace pasaprod
