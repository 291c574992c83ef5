#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

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

SqliteStore::SqliteStore(std::string path, AuditAnchor* anchor, Options options)
    : path_(std::move(path)), anchor_(anchor), options_(options) {}

SqliteStore::~SqliteStore() {
  if (anchor_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(anchor_mu_);
      stopping_ = true;
    }
    anchor_cv_.notify_all();
    stop_cv_.notify_all();
    anchor_thread_.join();
  }
  if (anchor_ != nullptr) (void)advance_anchor();  // a failure stays visible to audit verify
}

namespace {

Error anchor_failed(const std::string& why) {
  return make_error(Code::internal, "audit.anchor_failed",
                    fmt::format("El ancla de auditoría no se pudo actualizar: {}. Un "
                                "administrador debe ejecutar «pasaprod audit verify» y revisar "
                                "el archivo del ancla.",
                                why),
                    fmt::format("The audit anchor could not be updated: {}. An administrator "
                                "must run \"pasaprod audit verify\" and check the anchor file.",
                                why));
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       AuditAnchor* anchor) {
  return open(path, anchor, Options{});
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       AuditAnchor* anchor, Options options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, anchor, options));
  try {
    auto writer = std::make_unique<Connection>(path, Connection::Mode::read_write,
                                               options.busy_timeout_ms);
    {
      sqlite::Stmt st = writer->query("PRAGMA journal_mode = WAL");
      if (!st.step() || st.text(0) != "wal") {
        throw SqliteError(SQLITE_ERROR, "could not switch " + path + " to WAL mode");
      }
    }
    if (Status st = sqlite::migrate(*writer); !st) return st.error();
    store->writer_ = std::move(writer);
    if (anchor != nullptr) {
      try {
        (void)anchor->load();
      } catch (const std::exception& e) {
        store->anchor_error_ = anchor_failed(e.what());
      }
      if (options.anchor_mode == AnchorMode::background) {
        store->anchor_thread_ = std::thread([s = store.get()] { s->anchor_loop(); });
      }
    }
  } catch (const SqliteError& e) {
    return make_error(Code::internal, "store.open_failed",
                      fmt::format("No se pudo abrir la base de datos {}: {}", path, e.what()),
                      fmt::format("Could not open the database {}: {}", path, e.what()))
        .with("path", path);
  }
  return store;
}

std::unique_ptr<Connection> SqliteStore::open_reader() {
  return std::make_unique<Connection>(path_, Connection::Mode::read_only,
                                      options_.busy_timeout_ms);
}

Status SqliteStore::read(const std::function<Status(ReadTx&)>& fn) {
  ReaderLease lease(*this);
  Connection& db = lease.conn();
  db.exec("BEGIN");  // deferred: the snapshot is taken at the first read
  sqlite::SqliteTx tx(db);
  Status st = fn(tx);  // on exception, ~ReaderLease rolls back
  db.rollback_quietly();
  return st;
}

Status SqliteStore::write(const std::function<Status(WriteTx&)>& fn) {
  if (anchor_ != nullptr) {
    if (Status ready = anchor_ready(); !ready) return ready;
  }
  std::optional<AnchorHead> head;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    Connection& db = *writer_;
    int rc = db.try_run_cached("BEGIN IMMEDIATE");
    if ((rc & 0xff) == SQLITE_BUSY) {
      return make_error(Code::internal, "store.busy",
                        "La base de datos está ocupada por otro proceso; intente de nuevo.",
                        "The database is busy in another process; try again.");
    }
    if (rc != SQLITE_OK) sqlite::throw_sqlite(db.raw(), rc, "BEGIN IMMEDIATE");
    sqlite::SqliteTx tx(db);
    Status st;
    try {
      st = fn(tx);
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
    if (!st) {
      db.rollback_quietly();
      return st;
    }
    rc = db.try_run_cached("COMMIT");
    if (rc != SQLITE_OK) {
      std::string why = sqlite3_errmsg(db.raw());
      db.rollback_quietly();
      return make_error(Code::internal, "store.commit_failed",
                        fmt::format("No se pudo guardar el cambio: {}", why),
                        fmt::format("Could not save the change: {}", why));
    }
    head = tx.appended_head();
  }
  if (!head || anchor_ == nullptr) return ok_status();
  record_head(*head);
  if (options_.anchor_mode == AnchorMode::background) {
    anchor_cv_.notify_one();
    return ok_status();
  }
  if (Status st = advance_anchor(); !st) {
    Error e = st.error();
    e.es = "El cambio se guardó, pero no quedó anclado. " + e.es;
    e.en = "The change was saved, but it is not anchored. " + e.en;
    return e.with("seq", std::to_string(head->seq));
  }
  return ok_status();
}

Status SqliteStore::flush_anchor() {
  if (anchor_ == nullptr) return ok_status();
  return advance_anchor();
}

void SqliteStore::record_head(const AnchorHead& committed) {
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (committed.seq > latest_head_.seq) latest_head_ = committed;
}

Status SqliteStore::anchor_ready() {
  {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    if (!anchor_error_) return ok_status();
  }
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  return advance_locked(/*recheck=*/true);
}

Status SqliteStore::advance_anchor() {
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  return advance_locked(/*recheck=*/false);
}

Status SqliteStore::advance_locked(bool recheck) {
  AnchorHead target;
  bool behind = false;
  {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    behind = anchored_seq_ < latest_head_.seq;
    target = latest_head_;
    if (!behind && !recheck) return anchor_error_ ? Status(*anchor_error_) : ok_status();
  }
  try {
    if (behind) {
      anchor_->advance(target);  // also checks the current anchor
    } else {
      (void)anchor_->load();
    }
  } catch (const std::exception& e) {
    Error err = anchor_failed(e.what());
    std::lock_guard<std::mutex> lock(anchor_mu_);
    anchor_error_ = err;
    return err;
  }
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (behind) anchored_seq_ = target.seq;
  anchor_error_.reset();
  return ok_status();
}

void SqliteStore::anchor_loop() {
  std::unique_lock<std::mutex> lock(anchor_mu_);
  for (;;) {
    // After a failure, wait for the next write() to retry synchronously (anchor_ready).
    anchor_cv_.wait(lock, [&] {
      return stopping_ || (!anchor_error_ && latest_head_.seq > anchored_seq_);
    });
    if (stopping_) return;  // the destructor makes the last advance
    lock.unlock();
    (void)advance_anchor();
    lock.lock();
    stop_cv_.wait_for(lock, options_.anchor_interval, [&] { return stopping_; });
  }
}

void SqliteStore::scan_events(std::int64_t after_seq,
                              const std::function<bool(const AuditEvent&)>& fn, int chunk) {
  ReaderLease lease(*this);
  Connection& db = lease.conn();
  db.exec("BEGIN");
  for (;;) {
    std::vector<AuditEvent> batch = sqlite::read_events(db, "", after_seq, chunk);
    for (const AuditEvent& e : batch) {
      if (!fn(e)) return;
    }
    if (batch.size() < static_cast<std::size_t>(chunk) || batch.empty()) return;
    after_seq = batch.back().seq;
  }
}

audit::AuditVerifyReport SqliteStore::verify_audit() {
  audit::VerifyOptions options;
  std::optional<audit::AuditProblem> anchor_problem;
  if (anchor_ != nullptr) {
    (void)flush_anchor();  // a failure shows below as the anchor's problem, or as a cut tail
    options.anchor_expected = true;
    try {
      std::lock_guard<std::mutex> lock(anchor_io_mu_);
      options.anchor = anchor_->load();  // before the snapshot: see the header
    } catch (const std::exception& e) {
      options.anchor_expected = false;
      anchor_problem = audit::AuditProblem{
          0, "audit.anchor_invalid",
          fmt::format("el ancla de auditoría no es válida o no se puede leer: {}", e.what()),
          fmt::format("the audit anchor is invalid or unreadable: {}", e.what())};
    }
  }
  audit::ChainVerifier verifier(options);
  if (anchor_problem) verifier.add_problem(*anchor_problem);
  scan_events(0, [&](const AuditEvent& e) {
    verifier.add(e);
    return true;
  });
  return verifier.finish();
}

int SqliteStore::schema_version() {
  ReaderLease lease(*this);
  return sqlite::schema_version(lease.conn());
}

}  // namespace pasaprod
