#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include "storage/sqlite/db.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod {

using sqlite::Connection;
using sqlite::SqliteError;

// Borrows a read connection from the pool for its lifetime.
class SqliteStore::ReaderLease {
 public:
  explicit ReaderLease(SqliteStore& store) : store_(store) {
    {
      std::lock_guard<std::mutex> lock(store_.pool_mu_);
      if (!store_.idle_readers_.empty()) {
        conn_ = std::move(store_.idle_readers_.back());
        store_.idle_readers_.pop_back();
      }
    }
    if (!conn_) conn_ = store_.open_reader();
  }
  ~ReaderLease() {
    conn_->rollback_quietly();  // never return a connection with an open transaction
    std::lock_guard<std::mutex> lock(store_.pool_mu_);
    if (store_.idle_readers_.size() < store_.options_.max_idle_readers) {
      store_.idle_readers_.push_back(std::move(conn_));
    }
  }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  Connection& conn() { return *conn_; }

 private:
  SqliteStore& store_;
  std::unique_ptr<Connection> conn_;
};

SqliteStore::SqliteStore(std::string path, Options options)
    : path_(std::move(path)), options_(std::move(options)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, Options options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(options)));
  try {
    auto writer = std::make_unique<Connection>(path, Connection::Mode::read_write, store->options_.busy_timeout_ms,
                                               store->options_.batch_wal_writes);
    {
      sqlite::Stmt st = writer->query("PRAGMA journal_mode = WAL");
      if (!st.step() || st.text(0) != "wal") {
        throw SqliteError(SQLITE_ERROR, "could not switch " + path + " to WAL mode");
      }
    }
    if (Status st = sqlite::migrate(*writer); !st) return st.error();
    store->writer_ = std::move(writer);
  } catch (const SqliteError& e) {
    return make_error(Code::internal, "store.open_failed",
                      fmt::format("No se pudo abrir la base de datos {}: {}", path, e.what()),
                      fmt::format("Could not open the database {}: {}", path, e.what()))
        .with("path", path);
  }
  return store;
}

std::unique_ptr<Connection> SqliteStore::open_reader() {
  return std::make_unique<Connection>(path_, Connection::Mode::read_only, options_.busy_timeout_ms,
                                      options_.batch_wal_writes);
}

Status SqliteStore::read(const std::function<Status(ReadTx&)>& fn) {
  ReaderLease lease(*this);
  Connection& db = lease.conn();
  // Deferred: the snapshot is taken at the first read. BEGIN and the closing ROLLBACK run from
  // the connection's statement cache (parsed once per connection, not once per read).
  if (int rc = db.try_run_cached("BEGIN"); rc != SQLITE_OK) sqlite::throw_sqlite(db.raw(), rc, "BEGIN");
  sqlite::SqliteTx tx(db);
  Status st = fn(tx);  // on exception, ~ReaderLease rolls back
  if (db.try_run_cached("ROLLBACK") != SQLITE_OK) db.rollback_quietly();
  return st;
}

struct SqliteStore::PendingWrite {
  const std::function<Status(WriteTx&)>* fn;
  std::chrono::steady_clock::time_point asked;
  Status result;
  std::exception_ptr thrown;
  std::optional<AnchorHead> head;  // the newest event it appended, once committed
  bool done = false;
};

namespace {

Error busy_error() {
  return make_error(Code::internal, "store.busy", "La base de datos está ocupada por otro proceso; intente de nuevo.",
                    "The database is busy in another process; try again.");
}

Error commit_failed(const std::string& why) {
  return make_error(Code::internal, "store.commit_failed", fmt::format("No se pudo guardar el cambio: {}", why),
                    fmt::format("Could not save the change: {}", why));
}

Error rolled_back(const std::string& why) {
  return make_error(Code::internal, "store.rolled_back",
                    fmt::format("No se pudo guardar el cambio: la base de datos deshizo la transacción ({}); intente de nuevo.", why),
                    fmt::format("Could not save the change: the database rolled the transaction back ({}); try again.", why));
}

}  // namespace

Status SqliteStore::write(const std::function<Status(WriteTx&)>& fn) {
  PendingWrite me{&fn, std::chrono::steady_clock::now(), ok_status(), nullptr, std::nullopt, false};
  std::unique_lock<std::mutex> lock(group_mu_);
  group_queue_.push_back(&me);
  while (!me.done) {
    group_cv_.wait(lock, [&] { return me.done || !group_in_flight_; });
    if (me.done) break;
    // Lead the next group: the oldest queued writers, which include `me` unless more than
    // max_group arrived before it (then it leads again).
    group_in_flight_ = true;
    const std::size_t n = std::min(group_queue_.size(), std::max<std::size_t>(options_.max_group, 1));
    std::vector<PendingWrite*> group(group_queue_.begin(), group_queue_.begin() + static_cast<std::ptrdiff_t>(n));
    group_queue_.erase(group_queue_.begin(), group_queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    commit_group(group);  // sets every member's outcome; does not throw
    lock.lock();
    for (PendingWrite* p : group) p->done = true;
    group_in_flight_ = false;
    group_cv_.notify_all();
  }
  lock.unlock();
  if (me.thrown) std::rethrow_exception(me.thrown);
  return me.result;
}

void SqliteStore::commit_group(const std::vector<PendingWrite*>& group) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<bool> committed(group.size(), false);
  const auto fail = [&](std::size_t k, const Error& e) {  // member k's changes are not kept
    group[k]->result = e;
    group[k]->head.reset();
  };
  try {
    Connection& db = *writer_;
    std::size_t i = 0;
    while (i < group.size()) {
      const int begin = db.try_run_cached("BEGIN IMMEDIATE");
      if (begin != SQLITE_OK) {
        const Error e = (begin & 0xff) == SQLITE_BUSY ? busy_error() : commit_failed(sqlite3_errmsg(db.raw()));
        for (; i < group.size(); ++i) fail(i, e);
        break;
      }
      std::vector<std::size_t> in_tx;  // members whose changes this transaction holds
      for (; i < group.size(); ++i) {
        PendingWrite& w = *group[i];
        if (int rc = db.try_run_cached("SAVEPOINT pasaprod_write"); rc != SQLITE_OK) {
          sqlite::throw_sqlite(db.raw(), rc, "SAVEPOINT");
        }
        sqlite::SqliteTx tx(db);
        try {
          w.result = (*w.fn)(tx);
        } catch (...) {
          w.thrown = std::current_exception();
        }
        if (!db.in_transaction()) {  // SQLite abandoned the whole transaction
          const Error e = rolled_back(sqlite3_errmsg(db.raw()));
          for (std::size_t k : in_tx) fail(k, e);
          if (!w.thrown && w.result) w.result = e;
          ++i;
          in_tx.clear();
          break;
        }
        if (w.thrown || !w.result) {
          if (int rc = db.try_run_cached("ROLLBACK TO pasaprod_write"); rc != SQLITE_OK) {
            sqlite::throw_sqlite(db.raw(), rc, "ROLLBACK TO");
          }
        } else {
          w.head = tx.inserted_head();
          in_tx.push_back(i);
        }
        if (int rc = db.try_run_cached("RELEASE pasaprod_write"); rc != SQLITE_OK) {
          sqlite::throw_sqlite(db.raw(), rc, "RELEASE");
        }
      }
      if (!db.in_transaction()) continue;
      if (int rc = db.try_run_cached("COMMIT"); rc != SQLITE_OK) {
        const Error e = commit_failed(sqlite3_errmsg(db.raw()));
        db.rollback_quietly();
        for (std::size_t k : in_tx) fail(k, e);
        continue;
      }
      for (std::size_t k : in_tx) committed[k] = true;
    }
  } catch (...) {
    // A savepoint statement failed: nothing of the open transaction is kept.
    writer_->rollback_quietly();
    const std::exception_ptr ex = std::current_exception();
    for (std::size_t k = 0; k < group.size(); ++k) {
      if (committed[k] || group[k]->thrown || !group[k]->result) continue;  // its own outcome stands
      group[k]->thrown = ex;
      group[k]->head.reset();
    }
  }
  if (options_.write_observer) {
    for (std::size_t k = 0; k < group.size(); ++k) {
      options_.write_observer(std::chrono::duration_cast<std::chrono::nanoseconds>(started - group[k]->asked), committed[k]);
    }
  }
  // Heard once for the group.
  std::optional<AnchorHead> newest;
  for (PendingWrite* p : group) {
    if (p->head && (!newest || p->head->seq > newest->seq)) newest = p->head;
  }
  if (newest && listener_) listener_(*newest);
}

std::size_t SqliteStore::writers_waiting() const {
  std::lock_guard<std::mutex> lock(group_mu_);
  return group_queue_.size();
}

Status SqliteStore::copy_to(const std::string& dest) {
  // A connection of its own: the copy reads one snapshot for as long as it takes, without
  // holding the writer's mutex or a pooled reader.
  try {
    Connection db(path_, Connection::Mode::read_write, options_.busy_timeout_ms);
    sqlite::Stmt st = db.query("VACUUM INTO ?1", dest);
    st.step();
  } catch (const sqlite::SqliteError& e) {
    return make_error(Code::internal, "store.copy_failed",
                      fmt::format("No se pudo copiar la base de datos a {}: {}", dest, e.what()),
                      fmt::format("Could not copy the database to {}: {}", dest, e.what()));
  }
  return ok_status();
}

}  // namespace pasaprod
