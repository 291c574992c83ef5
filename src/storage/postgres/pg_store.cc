#include "storage/postgres/pg_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <random>
#include <thread>
#include <utility>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_tx.h"
#include "storage/postgres/schema.h"

namespace pasaprod {

using pg::PgError;

namespace {

Error unavailable(const std::string& described, const std::string& why) {
  return make_error(Code::unavailable, "store.unavailable",
                    fmt::format("No se pudo conectar con la base de datos {}: {}", described, why),
                    fmt::format("Could not connect to the database {}: {}", described, why))
      .with("database", described);
}

Error busy_error(int attempts) {
  return make_error(Code::internal, "store.busy",
                    fmt::format("La base de datos está ocupada: el cambio chocó {} veces con otros simultáneos; "
                                "intente de nuevo.",
                                attempts),
                    fmt::format("The database is busy: the change collided {} times with concurrent ones; try again.",
                                attempts));
}

Error commit_unknown(const std::string& why) {
  return make_error(Code::internal, "store.commit_unknown",
                    fmt::format("Se perdió la conexión con la base de datos mientras se guardaba el cambio; puede que "
                                "se haya guardado o no: recargue y compruebe ({}).",
                                why),
                    fmt::format("The connection to the database was lost while the change was being saved; it may or "
                                "may not be saved: reload and check ({}).",
                                why));
}

Error commit_failed(const std::string& why) {
  return make_error(Code::internal, "store.commit_failed", fmt::format("No se pudo guardar el cambio: {}", why),
                    fmt::format("Could not save the change: {}", why));
}


// Waits a random time up to backoff * 2^(attempt - 1), at most 200 ms.
void back_off(std::chrono::milliseconds backoff, int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto longest = std::min<std::int64_t>(200, backoff.count() << std::min(attempt - 1, 10));
  std::uniform_int_distribution<std::int64_t> wait(0, std::max<std::int64_t>(longest, 1) * 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(wait(rng)));
}

}  // namespace

// Borrows a connection from the pool for its lifetime; gives it back only when it is healthy
// and outside a transaction (otherwise closes it).
class PgStore::Lease {
 public:
  explicit Lease(PgStore& store) : store_(store) {
    std::unique_lock<std::mutex> lock(store_.pool_mu_);
    store_.pool_cv_.wait(lock, [&] { return !store_.idle_.empty() || store_.open_ < store_.options_.max_connections; });
    if (!store_.idle_.empty()) {
      conn_ = std::move(store_.idle_.back());
      store_.idle_.pop_back();
      return;
    }
    ++store_.open_;
    lock.unlock();
    try {
      conn_ = store_.connect();
    } catch (...) {
      lock.lock();
      --store_.open_;
      store_.pool_cv_.notify_one();
      throw;
    }
  }
  ~Lease() {
    conn_->rollback_quietly();
    const bool keep = conn_->healthy() && !conn_->in_transaction();
    std::unique_ptr<pg::Connection> closing;
    {
      std::lock_guard<std::mutex> lock(store_.pool_mu_);
      if (keep && store_.idle_.size() < store_.options_.max_idle) {
        store_.idle_.push_back(std::move(conn_));
      } else {
        closing = std::move(conn_);
        --store_.open_;
      }
    }
    store_.pool_cv_.notify_one();
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  pg::Connection& conn() { return *conn_; }

 private:
  PgStore& store_;
  std::unique_ptr<pg::Connection> conn_;
};

PgStore::PgStore(std::string conninfo, std::string password, std::string described, Options options)
    : conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      described_(std::move(described)),
      options_(options) {}

PgStore::~PgStore() = default;

std::unique_ptr<pg::Connection> PgStore::connect() { return std::make_unique<pg::Connection>(conninfo_, password_); }

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& url, Options options) {
  const pg::ParsedUrl parsed = pg::parse_url(url);
  if (!parsed.valid) {
    return make_error(Code::invalid_argument, "store.bad_url",
                      fmt::format("La dirección de la base de datos PostgreSQL no es válida: {}", parsed.error),
                      fmt::format("The PostgreSQL database address is not valid: {}", parsed.error));
  }
  const std::string& password = parsed.password;
  const std::string& described = parsed.described;

  std::unique_ptr<PgStore> store(new PgStore(url, password, described, options));
  try {
    std::unique_ptr<pg::Connection> db = store->connect();
    if (Status st = postgres::migrate(*db); !st) return st.error();
  } catch (const PgError& e) {
    if (e.sqlstate() == "08001" || e.sqlstate().empty()) return unavailable(described, e.what());
    return make_error(Code::internal, "store.open_failed",
                      fmt::format("No se pudo preparar la base de datos {}: {}", described, e.what()),
                      fmt::format("Could not prepare the database {}: {}", described, e.what()))
        .with("database", described);
  }
  return store;
}

Status PgStore::read(const std::function<Status(ReadTx&)>& fn) {
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<Lease> lease;
    try {
      lease = std::make_unique<Lease>(*this);
      lease->conn().clear_failure();
      lease->conn().exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    } catch (const PgError& e) {
      // A pooled connection the server closed meanwhile fails here: once more on a new one.
      if (attempt < 2 && lease && !lease->conn().healthy()) continue;
      return unavailable(described_, e.what());
    }
    pg::Connection& db = lease->conn();
    postgres::PgTx tx(db);
    Status st = fn(tx);  // on exception, ~Lease rolls back
    db.rollback_quietly();
    return st;
  }
}

Status PgStore::write(const std::function<Status(WriteTx&)>& fn) {
  bool lock_head_first = options_.serialize_writes;
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= std::max(options_.max_attempts, 1);
    std::unique_ptr<Lease> lease;
    bool commit_sent = false;
    try {
      lease = std::make_unique<Lease>(*this);
    } catch (const PgError& e) {
      return unavailable(described_, e.what());
    }
    pg::Connection& db = lease->conn();
    db.clear_failure();
    try {
      db.exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
      // Before any query, so the snapshot is taken after the previous holder committed.
      if (lock_head_first) db.exec("LOCK TABLE audit_head IN EXCLUSIVE MODE");
      postgres::PgTx tx(db, lock_head_first);
      Status st = fn(tx);
      if (!db.failed()) {
        if (!st) {
          db.rollback_quietly();
          return st;
        }
        commit_sent = true;
        db.exec("COMMIT");
        if (listener_ && tx.appended_head()) listener_(*tx.appended_head());
        return ok_status();
      }
      // The function went on after a statement failed (it caught the PgError): PostgreSQL
      // has aborted the transaction, so nothing of it can be kept.
      db.rollback_quietly();
      if (!pg::retryable(db.failed_sqlstate())) {
        return st ? Status(commit_failed("SQLSTATE " + db.failed_sqlstate())) : st;
      }
    } catch (const std::exception& e) {
      db.rollback_quietly();
      const bool lost = !db.healthy();
      if (lost && commit_sent) return commit_unknown(e.what());
      // Retried: a serialization failure, deadlock or busy chain head (however the function
      // passed it on), or a connection lost before COMMIT (nothing was saved).
      if (!pg::retryable(db.failed_sqlstate()) && !lost) {
        if (commit_sent) return commit_failed(e.what());
        throw;
      }
      if (last) {
        if (lost) return unavailable(described_, e.what());
        return busy_error(attempt);
      }
    }
    if (last) return busy_error(attempt);
    lock_head_first = true;
    lease.reset();
    back_off(options_.backoff, attempt);
  }
}

}  // namespace pasaprod
