// The PostgreSQL backend of Store (storage/store.h), through libpq.
//
//   Result<std::unique_ptr<PgStore>> pg = PgStore::open("postgresql://pasaprod@db.example/pasaprod");
//   if (!pg) return pg.error();
//   AnchoredStore store(std::move(*pg), &anchor);  // the audit anchor, as for every backend
//   Status s = store.write([&](WriteTx& tx) -> Status { ... });
//
// Several nodes may share one database: everything they must agree on is in it, and the audit
// chain is appended in one total order whichever node appends (PgTx::lock_chain_head).
//
// write(): one transaction at SERIALIZABLE. By default (Options::serialize_writes) it first
// takes the audit chain's lock (audit_head, EXCLUSIVE) before its snapshot, so writes run one
// at a time across every node, as on SQLite, and one that appends an event never loses the
// chain head. A serialization failure (SQLSTATE 40001), a deadlock (40P01) or a busy chain head
// (55P03, only without serialize_writes) rolls it back and runs the function again, in a new
// transaction, after a short random wait — at most Options::max_attempts runs, then internal
// "store.busy". So the function may run more than once: whatever it does outside the
// transaction must be safe to repeat (the changes it makes through WriteTx are rolled back each
// time). A rerun takes the audit chain's lock (audit_head) before its snapshot, so a write that
// lost a race for the chain head wins the next time. read(): one snapshot (REPEATABLE READ
// READ ONLY); never rerun.
//
// Threads: one PgStore may be used from any number of threads. read() and write() each borrow
// a connection from a pool of at most Options::max_connections (waiting for one when all are
// busy), so they run concurrently; PostgreSQL serializes what conflicts. A read()/write()
// function must not call read()/write() on the same store (with the pool exhausted it would
// wait for itself; a nested read would see another snapshot).
//
// Errors: unavailable ("store.unavailable") when no connection can be made; internal
// ("store.busy") as above; internal ("store.commit_failed") when COMMIT is refused, or the
// function carried on after a failed statement and returned ok; internal
// ("store.commit_unknown") when the connection was lost while COMMIT was in flight (the change
// may or may not be saved). Other failures of the
// database throw pg::PgError, as SQLite's throw SqliteError. No message carries the password.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/store.h"

namespace pasaprod {

namespace pg {
class Connection;
}

class PgStore final : public Store {
 public:
  struct Options {
    std::size_t max_connections = 16;  // connections open at once, reads and writes together
    std::size_t max_idle = 8;          // connections kept open between calls
    int max_attempts = 10;             // runs of a write's function (see write())
    std::chrono::milliseconds backoff{4};  // longest wait before the first rerun; doubles per rerun, to 200 ms
    // Every write waits for the chain's lock before its first query. false: a first run goes
    // ahead at once and reruns, locked, when another holds the chain head (optimistic; with
    // concurrent appenders nearly every write reruns: bench/README.md, "Backends").
    bool serialize_writes = true;
  };

  // Connects to `url` (a postgresql:// URI or libpq key=value conninfo; a password may be in it
  // or come from libpq's usual sources), and brings the schema up to date (schema.h). Errors:
  // invalid_argument ("store.bad_url") for a URL libpq cannot parse, unavailable
  // ("store.unavailable") when the server cannot be reached or refuses the login,
  // failed_precondition ("store.schema_newer") when the database's schema is newer than this
  // program, internal ("store.open_failed") when the database refuses the migration (e.g. the
  // role may not create tables).
  static Result<std::unique_ptr<PgStore>> open(const std::string& url, Options options);
  static Result<std::unique_ptr<PgStore>> open(const std::string& url) { return open(url, Options{}); }
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  Status read(const std::function<Status(ReadTx&)>& fn) override;
  Status write(const std::function<Status(WriteTx&)>& fn) override;
  // "postgresql://user@host:port/database": never the password.
  std::string describe() const override { return described_; }
  // Called after each COMMIT of a write that appended events, on the writing thread, before
  // write() returns (a rerun's events only, never those of a rolled-back run).
  void set_commit_listener(CommitListener listener) override { listener_ = std::move(listener); }

 private:
  class Lease;
  PgStore(std::string conninfo, std::string password, std::string described, Options options);
  std::unique_ptr<pg::Connection> connect();

  const std::string conninfo_;
  const std::string password_;   // only to keep it out of messages; "" when not in the URL
  const std::string described_;
  const Options options_;
  CommitListener listener_;  // set before use, then read only

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;  // GUARDED_BY(pool_mu_)
  std::size_t open_ = 0;  // connections idle or lent out; GUARDED_BY(pool_mu_)
};

}  // namespace pasaprod
