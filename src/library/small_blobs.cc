// The small blobs of a local library in root/small.db (small_blobs.h).
#include "library/small_blobs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "library/internal.h"
#include "util/sqlite_process.h"

namespace pasaprod::library_internal {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS small_blobs ("
    "  sha256 TEXT PRIMARY KEY NOT NULL, size INTEGER NOT NULL, content BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS small_pending ("
    "  token INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, session TEXT NOT NULL);";

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return st_; }
  void text(int i, std::string_view s) { sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void blob(int i, std::string_view s) { sqlite3_bind_blob64(st_, i, s.data(), s.size(), SQLITE_STATIC); }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(st_, i, v); }
  int step() { return sqlite3_step(st_); }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  std::string column_text(int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i))) : std::string();
  }
  std::string_view column_blob(int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st_, i));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i))) : std::string_view();
  }

 private:
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

sqlite3* open_db(const std::filesystem::path& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  configure_sqlite_process();
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error(fmt::format("{}: {}", path.string(), msg));
  }
  sqlite3_busy_timeout(db, 30000);
  if (!exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")) {
    const std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(fmt::format("{}: {}", path.string(), msg));
  }
  return db;
}

bool is_session_name(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

struct SmallBlobs::Request {
  const std::string* sha256;
  std::string_view content;
  Result<Added> result = Added{};
  bool done = false;
};

bool SmallBlobs::exists(const std::filesystem::path& root) {
  struct stat st;
  return ::stat((root / "small.db").c_str(), &st) == 0;
}

SmallBlobs::SmallBlobs(const std::filesystem::path& root, bool create)
    : path_(root / "small.db"), pending_dir_(root / "pending") {
  writer_ = open_db(path_, create);
  if (!exec(writer_, kSchema)) {
    const std::string msg = sqlite3_errmsg(writer_);
    sqlite3_close(writer_);
    throw std::runtime_error(fmt::format("{}: {}", path_.string(), msg));
  }
  try {
    reader_ = open_db(path_, false);
  } catch (...) {
    sqlite3_close(writer_);
    throw;
  }
}

SmallBlobs::~SmallBlobs() {
  if (!forgotten_.empty() && exec(writer_, "BEGIN IMMEDIATE")) {
    Stmt del(writer_, "DELETE FROM small_pending WHERE token = ?1");
    for (std::int64_t token : forgotten_) {
      del.integer(1, token);
      del.step();
      del.reset();
    }
    if (!exec(writer_, "COMMIT")) exec(writer_, "ROLLBACK");
  }
  if (session_fd_ >= 0) {
    // Unlink before close: once the lock goes, a recovery could take the session as dead, which
    // it then is; a session that still has markers keeps its file for that recovery.
    Stmt q(reader_, "SELECT 1 FROM small_pending WHERE session = ?1 LIMIT 1");
    q.text(1, session_);
    if (q.ok() && q.step() == SQLITE_DONE) ::unlink((pending_dir_ / ("session-" + session_)).c_str());
    ::close(session_fd_);
  }
  sqlite3_close(reader_);
  sqlite3_close(writer_);
}

Error SmallBlobs::db_error(std::string_view action_es, std::string_view action_en, sqlite3* db) const {
  const std::string reason = db ? sqlite3_errmsg(db) : "?";
  Error e = make_error(
      Code::internal, "library.io_error",
      fmt::format("No se pudo {} la base de archivos pequeños {} ({}). Revise el espacio libre, los permisos y el "
                  "estado del disco de la librería, y reintente.",
                  action_es, path_.string(), reason),
      fmt::format("Could not {} the small files' database {} ({}). Check the free space, permissions and health "
                  "of the library's disk, then retry.",
                  action_en, path_.string(), reason));
  e.with("path", path_.string()).with("sqlite", reason);
  return e;
}

Status SmallBlobs::ensure_session() {
  if (session_fd_ >= 0) return ok_status();
  std::filesystem::path path;
  auto fd = create_locked_file(pending_dir_, "session-", "crear la sesión de cargas en",
                               "create the adds' session in", &path);
  if (!fd) return fd.error();
  session_ = path.filename().string().substr(std::string_view("session-").size());
  session_fd_ = *fd;
  return ok_status();
}

Result<SmallBlobs::Added> SmallBlobs::add(const std::string& sha256, std::string_view content) {
  Request me{&sha256, content};
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leading_) {
      cv_.wait(lock);
      continue;
    }
    // Lead: commit everything queued so far (this add included) in one transaction.
    leading_ = true;
    std::vector<Request*> batch;
    batch.swap(queue_);
    std::vector<std::int64_t> forgotten;
    forgotten.swap(forgotten_);
    Status session = ensure_session();
    lock.unlock();
    if (session.ok()) {
      commit_batch(batch, forgotten);
    } else {
      for (Request* r : batch) r->result = session.error();
    }
    lock.lock();
    if (!session.ok() || !batch.front()->result) {  // not committed: the markers still go later
      forgotten_.insert(forgotten_.end(), forgotten.begin(), forgotten.end());
    }
    for (Request* r : batch) r->done = true;
    leading_ = false;
    cv_.notify_all();
  }
  return std::move(me.result);
}

void SmallBlobs::commit_batch(const std::vector<Request*>& batch, const std::vector<std::int64_t>& forgotten) {
  const auto fail = [&](std::string_view es, std::string_view en) {
    Error e = db_error(es, en, writer_);
    exec(writer_, "ROLLBACK");
    for (Request* r : batch) r->result = e;
  };
  if (!exec(writer_, "BEGIN IMMEDIATE")) return fail("escribir en", "write to");
  {
    Stmt del(writer_, "DELETE FROM small_pending WHERE token = ?1");
    Stmt put(writer_, "INSERT INTO small_blobs (sha256, size, content) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING");
    Stmt mark(writer_, "INSERT INTO small_pending (sha256, session) VALUES (?1, ?2)");
    if (!del.ok() || !put.ok() || !mark.ok()) return fail("escribir en", "write to");
    for (std::int64_t token : forgotten) {
      del.integer(1, token);
      if (del.step() != SQLITE_DONE) return fail("escribir en", "write to");
      del.reset();
    }
    for (Request* r : batch) {
      put.text(1, *r->sha256);
      put.integer(2, static_cast<std::int64_t>(r->content.size()));
      put.blob(3, r->content);
      if (put.step() != SQLITE_DONE) return fail("guardar un archivo en", "store a file in");
      put.reset();
      Added added;
      added.already_present = sqlite3_changes(writer_) == 0;
      if (!added.already_present) {
        mark.text(1, *r->sha256);
        mark.text(2, session_);
        if (mark.step() != SQLITE_DONE) return fail("guardar la marca de carga en", "store the add's marker in");
        mark.reset();
        added.token = sqlite3_last_insert_rowid(writer_);
      }
      r->result = added;
    }
  }
  if (!exec(writer_, "COMMIT")) return fail("confirmar (guardar en disco) la escritura en", "commit (flush to disk) the write to");
}

void SmallBlobs::forget(std::int64_t token) {
  if (token == 0) return;
  std::lock_guard lock(mu_);
  forgotten_.push_back(token);
}

Result<std::optional<std::string>> SmallBlobs::content(std::string_view sha256) const {
  std::lock_guard lock(read_mu_);
  Stmt q(reader_, "SELECT content FROM small_blobs WHERE sha256 = ?1");
  if (!q.ok()) return db_error("leer", "read", reader_);
  q.text(1, sha256);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return db_error("leer", "read", reader_);
  return std::optional<std::string>(std::string(q.column_blob(0)));
}

Result<std::optional<std::int64_t>> SmallBlobs::size(std::string_view sha256) const {
  std::lock_guard lock(read_mu_);
  Stmt q(reader_, "SELECT size FROM small_blobs WHERE sha256 = ?1");
  if (!q.ok()) return db_error("leer", "read", reader_);
  q.text(1, sha256);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  if (rc != SQLITE_ROW) return db_error("leer", "read", reader_);
  return std::optional<std::int64_t>(sqlite3_column_int64(q.get(), 0));
}

Status SmallBlobs::remove(std::string_view sha256) {
  // The writer connection belongs to the group-commit leader: lead with no batch.
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !leading_; });
  leading_ = true;
  lock.unlock();
  Status st = ok_status();
  {
    Stmt del(writer_, "DELETE FROM small_blobs WHERE sha256 = ?1");
    if (!del.ok()) {
      st = db_error("eliminar un archivo de", "remove a file from", writer_);
    } else {
      del.text(1, sha256);
      if (del.step() != SQLITE_DONE) st = db_error("eliminar un archivo de", "remove a file from", writer_);
    }
  }
  lock.lock();
  leading_ = false;
  cv_.notify_all();
  return st;
}

Status SmallBlobs::for_each(const std::function<void(const std::string&, std::int64_t, std::string_view)>& each) const {
  std::lock_guard lock(read_mu_);
  Stmt q(reader_, "SELECT sha256, size, content FROM small_blobs ORDER BY sha256");
  if (!q.ok()) return db_error("leer", "read", reader_);
  for (;;) {
    const int rc = q.step();
    if (rc == SQLITE_DONE) return ok_status();
    if (rc != SQLITE_ROW) return db_error("leer", "read", reader_);
    each(q.column_text(0), sqlite3_column_int64(q.get(), 1), q.column_blob(2));
  }
}

bool SmallBlobs::session_alive(const std::string& session, int* locked_fd) const {
  *locked_fd = -1;
  if (session == session_) return true;
  if (!is_session_name(session)) return false;  // not one we write: no process holds it
  const std::filesystem::path path = pending_dir_ / ("session-" + session);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return errno != ENOENT;  // absent: dead; unreadable: cannot tell, left alone
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return true;
  }
  *locked_fd = fd;
  return false;
}

Result<int> SmallBlobs::recover(const std::function<Status(const std::string&)>& discard) {
  struct Marker {
    std::int64_t token;
    std::string sha256;
  };
  std::map<std::string, std::vector<Marker>> by_session;
  {
    std::lock_guard lock(read_mu_);
    Stmt q(reader_, "SELECT token, sha256, session FROM small_pending ORDER BY token");
    if (!q.ok()) return db_error("leer", "read", reader_);
    for (int rc; (rc = q.step()) != SQLITE_DONE;) {
      if (rc != SQLITE_ROW) return db_error("leer", "read", reader_);
      by_session[q.column_text(2)].push_back({sqlite3_column_int64(q.get(), 0), q.column_text(1)});
    }
  }
  int handled = 0;
  for (const auto& [session, markers] : by_session) {
    int fd = -1;
    {
      std::lock_guard lock(mu_);
      if (session_alive(session, &fd)) continue;
    }
    UniqueFd held(fd);
    for (const Marker& m : markers) {
      if (is_sha256_hex(m.sha256)) {
        if (Status s = discard(m.sha256); !s) return s.error();
      }
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !leading_; });
      leading_ = true;
      lock.unlock();
      Stmt del(writer_, "DELETE FROM small_pending WHERE token = ?1");
      del.integer(1, m.token);
      const bool deleted = del.ok() && del.step() == SQLITE_DONE;
      Error e = deleted ? Error{} : db_error("eliminar la marca de carga de", "remove the add's marker from", writer_);
      lock.lock();
      leading_ = false;
      cv_.notify_all();
      lock.unlock();
      if (!deleted) return e;
      ++handled;
    }
    // Unlink before close: the session is dead and its markers are gone.
    if (held.get() >= 0) ::unlink((pending_dir_ / ("session-" + session)).c_str());
  }
  // Session files of dead processes that left no marker.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(pending_dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with("session-") || by_session.contains(name.substr(8))) continue;
    int fd = -1;
    {
      std::lock_guard lock(mu_);
      if (session_alive(name.substr(8), &fd) || fd < 0) continue;
    }
    UniqueFd held(fd);
    // A session that died after the listing above may have left markers: keep its file then.
    std::lock_guard lock(read_mu_);
    Stmt q(reader_, "SELECT 1 FROM small_pending WHERE session = ?1 LIMIT 1");
    q.text(1, name.substr(8));
    if (q.ok() && q.step() == SQLITE_DONE) ::unlink(it->path().c_str());
  }
  return handled;
}

Result<std::size_t> MemoryBlobReader::read(char* buffer, std::size_t capacity) {
  const std::size_t n = std::min(capacity, content_.size() - at_);
  std::memcpy(buffer, content_.data() + at_, n);
  at_ += n;
  return n;
}

Status MemoryBlobReader::seek(std::int64_t offset) {
  if (offset < 0 || static_cast<std::uint64_t>(offset) > content_.size()) {
    return make_error(Code::invalid_argument, "library.bad_offset",
                      fmt::format("La posición {} está fuera del archivo ({} bytes).", offset, content_.size()),
                      fmt::format("Offset {} is outside the file ({} bytes).", offset, content_.size()));
  }
  at_ = static_cast<std::size_t>(offset);
  return ok_status();
}

}  // namespace pasaprod::library_internal
