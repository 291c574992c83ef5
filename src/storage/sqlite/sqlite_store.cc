#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include "audit/descent.h"
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
      std::optional<AnchorHead> anchored;
      store->anchor_error_ = store->check_against_anchor(std::nullopt, &anchored);
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
  if (anchor_ != nullptr) {
    if (Status ready = anchor_ready(); !ready) return ready;
  }
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
          w.head = tx.appended_head();
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
  // Anchor once for the group.
  std::optional<AnchorHead> newest;
  for (PendingWrite* p : group) {
    if (p->head && (!newest || p->head->seq > newest->seq)) newest = p->head;
  }
  if (!newest || anchor_ == nullptr) return;
  record_head(*newest);
  if (options_.anchor_mode == AnchorMode::background) {
    anchor_cv_.notify_one();
    return;
  }
  if (Status st = advance_anchor(); !st) {
    for (PendingWrite* p : group) {
      if (!p->head) continue;
      Error e = st.error();
      e.es = "El cambio se guardó, pero no quedó anclado. " + e.es;
      e.en = "The change was saved, but it is not anchored. " + e.en;
      p->result = e.with("seq", std::to_string(p->head->seq));
    }
  }
}

std::size_t SqliteStore::writers_waiting() const {
  std::lock_guard<std::mutex> lock(group_mu_);
  return group_queue_.size();
}

std::int64_t SqliteStore::anchor_lag() const {
  if (anchor_ == nullptr) return 0;
  std::lock_guard lock(anchor_mu_);
  return std::max<std::int64_t>(0, latest_head_.seq - anchored_seq_);
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
  std::optional<AnchorHead> anchored;
  std::optional<Error> refused = check_against_anchor(
      behind ? std::optional<AnchorHead>(target) : std::nullopt, &anchored);
  if (!refused && behind && (!anchored || anchored->seq < target.seq)) {
    try {
      anchor_->advance(target);  // also checks the current anchor
      known_anchor_ = target;
    } catch (const std::exception& e) {
      refused = anchor_failed(e.what());
    }
  }
  if (refused) {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    anchor_error_ = refused;
    return *refused;
  }
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (behind) anchored_seq_ = target.seq;
  anchor_error_.reset();
  return ok_status();
}

std::optional<Error> SqliteStore::check_against_anchor(const std::optional<AnchorHead>& target,
                                                       std::optional<AnchorHead>* anchored) {
  try {
    *anchored = anchor_->load();
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  const auto missing = [](const std::string& es, const std::string& en) {
    return make_error(
        Code::data_loss, "audit.anchor_missing",
        es + " Las escrituras quedan bloqueadas: restaure el ancla (y su clave) desde donde se "
             "guardan, o ejecute «pasaprod audit verify» y vea docs/audit.md.",
        en + " Writes are refused: restore the anchor (and its key) from where they are kept, "
             "or run \"pasaprod audit verify\" and see docs/audit.md.");
  };
  if (!*anchored) {
    if (known_anchor_) {
      return missing("El ancla de auditoría desapareció mientras el servidor la usaba.",
                     "The audit anchor vanished while the server was using it.");
    }
    if (!target) {
      bool any = false;
      try {
        scan_events(0, [&](const AuditEvent&) { return !(any = true); }, 1);
      } catch (const std::exception& e) {
        return anchor_failed(e.what());
      }
      if (any) {
        return missing("La pista de auditoría tiene eventos pero no hay ancla de auditoría.",
                       "The audit trail has events but there is no audit anchor.");
      }
      return std::nullopt;
    }
  } else {
    if (known_anchor_ && (*anchored)->seq < known_anchor_->seq) {
      return missing(fmt::format("El ancla de auditoría retrocedió del evento {} al {}.",
                                 known_anchor_->seq, (*anchored)->seq),
                     fmt::format("The audit anchor moved back from event {} to {}.",
                                 known_anchor_->seq, (*anchored)->seq));
    }
    known_anchor_ = *anchored;
  }
  // Another process may have anchored past our target already: then only the anchored head
  // needs to be on the trail.
  std::optional<AnchorHead> until = target;
  if (until && *anchored && (*anchored)->seq >= until->seq) until.reset();
  audit::DescentCheck check(*anchored, until);
  try {
    scan_events(check.first_seq() - 1, [&](const AuditEvent& e) { return check.add(e); }, 256);
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  return check.finish();
}

Result<std::int64_t> SqliteStore::reanchor() {
  if (anchor_ == nullptr) return std::int64_t{0};
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  bool present = true;
  try {
    present = anchor_->load().has_value();
  } catch (const std::exception&) {
    present = true;  // invalid, but there
  }
  if (present) {
    return make_error(Code::failed_precondition, "audit.anchor_present",
                      "Ya hay un ancla de auditoría. Para volver a anclar, primero apártela (muévala a "
                      "otra carpeta) y conserve la copia como evidencia.",
                      "An audit anchor exists. To re-anchor, first set it aside (move it to another "
                      "folder) and keep the copy as evidence.");
  }
  audit::ChainVerifier verifier;
  scan_events(0, [&](const AuditEvent& e) {
    verifier.add(e);
    return true;
  });
  audit::AuditVerifyReport report = verifier.finish();
  if (!report.ok) {
    return make_error(Code::data_loss, "audit.reanchor_refused",
                      fmt::format("La cadena de eventos no se verifica ({} problema(s)); no se "
                                  "ancla una pista alterada. Ejecute «pasaprod audit verify».",
                                  report.problems_total),
                      fmt::format("The event chain does not verify ({} problem(s)); an altered "
                                  "trail is not anchored. Run \"pasaprod audit verify\".",
                                  report.problems_total));
  }
  if (report.last_seq == 0) return std::int64_t{0};
  const AnchorHead head{report.last_seq, report.last_hash};
  try {
    anchor_->advance(head);
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  known_anchor_ = head;
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (anchored_seq_ < head.seq) anchored_seq_ = head.seq;
  if (latest_head_.seq < head.seq) latest_head_ = head;
  anchor_error_.reset();
  return head.seq;
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
  for (audit::AuditProblem& p : check_append_only_triggers()) verifier.add_problem(std::move(p));
  scan_events(0, [&](const AuditEvent& e) {
    verifier.add(e);
    return true;
  });
  return verifier.finish();
}

std::vector<audit::AuditProblem> SqliteStore::check_append_only_triggers() {
  // Exactly as schema.cc creates them: a trigger with another body (a WHEN clause, no RAISE)
  // would no longer protect the trail.
  static constexpr const char* kTriggers[][2] = {
      {"audit_events_no_update",
       "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events\n"
       "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"},
      {"audit_events_no_delete",
       "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events\n"
       "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"},
  };
  std::vector<audit::AuditProblem> out;
  ReaderLease lease(*this);
  for (const auto& [name, sql] : kTriggers) {
    sqlite::Stmt st = lease.conn().query(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'audit_events'",
        std::string(name));
    if (!st.step()) {
      out.push_back({0, "audit.trigger_missing",
                     fmt::format("falta el disparador {} que impide editar o borrar eventos: alguien "
                                 "lo quitó de la base de datos",
                                 name),
                     fmt::format("the trigger {} that keeps events from being edited or deleted is "
                                 "missing: someone removed it from the database",
                                 name)});
    } else if (st.text(0) != sql) {
      out.push_back({0, "audit.trigger_altered",
                     fmt::format("el disparador {} fue modificado", name),
                     fmt::format("the trigger {} was modified", name)});
    }
  }
  return out;
}

std::vector<std::string> SqliteStore::referenced_blobs() {
  ReaderLease lease(*this);
  std::vector<std::string> out;
  sqlite::Stmt st = lease.conn().query(
      "SELECT sha256 FROM release_files UNION SELECT sha256 FROM documents ORDER BY 1");
  while (st.step()) out.push_back(st.text(0));
  return out;
}

SqliteStore::LibraryUsage SqliteStore::library_usage() {
  ReaderLease lease(*this);
  sqlite::Stmt st = lease.conn().query(
      "SELECT count(*), coalesce(sum(size), 0) FROM "
      "(SELECT sha256, size FROM release_files UNION SELECT sha256, size FROM documents)");
  LibraryUsage u;
  if (st.step()) u = {st.integer(0), st.integer(1)};
  return u;
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

int SqliteStore::schema_version() {
  ReaderLease lease(*this);
  return sqlite::schema_version(lease.conn());
}

}  // namespace pasaprod
