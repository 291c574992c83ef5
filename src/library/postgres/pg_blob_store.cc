#include "library/postgres/pg_blob_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "library/internal.h"
#include "util/sha256.h"

namespace pasaprod {

using namespace library_internal;
using pg::PgError;

namespace {

constexpr int kSchemaVersion = 1;
// Advisory locks of the two-key form (class, id); classes apart from the store's one-key locks.
constexpr int kLockClass = 0x70617362;  // "pasb"
constexpr int kSchemaLock = 1;          // (class, 1): creating the tables
constexpr int kPinLock = 2;             // (class, 2): shared by pinned writers, exclusive by discards
constexpr int kPendingClass = 0x70617370;  // "pasp": (class, token) held by the add that owns the row

// Version 1 of the tables, one statement each (run once, under the schema lock).
constexpr const char* kSchema[] = {
    "CREATE SEQUENCE IF NOT EXISTS blob_content_ids",
    "CREATE TABLE IF NOT EXISTS blob_contents ("
    " sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
    " content_id bigint NOT NULL UNIQUE,"
    " size bigint NOT NULL CHECK (size >= 0),"
    " chunks integer NOT NULL CHECK (chunks >= 0),"
    " added_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS blob_chunks ("
    " content_id bigint NOT NULL,"
    " seq integer NOT NULL,"
    " data bytea NOT NULL,"
    " PRIMARY KEY (content_id, seq))",
    // Deliverables are mostly compressed already: store chunks as they are.
    "ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
    "CREATE TABLE IF NOT EXISTS blob_pending ("
    " token integer PRIMARY KEY,"
    " sha256 text NOT NULL,"
    " since timestamptz NOT NULL DEFAULT now())",
};

Error unavailable(const std::string& url, const std::string& why) {
  return make_error(Code::unavailable, "library.unavailable",
                    fmt::format("No se pudo conectar con la base de datos de la librería {}: {}", url, why),
                    fmt::format("Could not connect to the library's database {}: {}", url, why));
}

// Reads one blob's chunks in order through connections lent by the store.
class PgBlobReader final : public BlobReader {
 public:
  PgBlobReader(const PgBlobStore& store, std::int64_t content_id, std::int64_t size, std::int64_t chunks)
      : store_(store), content_id_(content_id), size_(size), chunks_(chunks) {}

  Result<std::size_t> read(char* buffer, std::size_t capacity) override {
    if (at_ == chunk_.size()) {
      if (next_seq_ >= chunks_) return std::size_t{0};
      std::unique_ptr<pg::Connection> db = store_.take();
      try {
        pg::Result r = db->exec_binary_rows("SELECT data FROM blob_chunks WHERE content_id = $1 AND seq = $2",
                                            content_id_, next_seq_);
        if (r.rows() != 1) {
          return make_error(Code::internal, "library.io_error",
                            fmt::format("Falta el trozo {} de un archivo de la librería en la base de datos; "
                                        "ejecute «pasaprod library verify».",
                                        next_seq_),
                            fmt::format("Chunk {} of a library file is missing from the database; run "
                                        "\"pasaprod library verify\".",
                                        next_seq_));
        }
        chunk_.assign(r.row(0).text_view(0));
        at_ = std::min(skip_, chunk_.size());
        skip_ = 0;
      } catch (const PgError& e) {
        return store_.db_error("leer un archivo de", "read a file of", e);
      }
      store_.give_back(std::move(db));
      ++next_seq_;
    }
    const std::size_t n = std::min(capacity, chunk_.size() - at_);
    std::memcpy(buffer, chunk_.data() + at_, n);
    at_ += n;
    return n;
  }
  std::int64_t size() const override { return size_; }
  bool seekable() const override { return true; }
  Status seek(std::int64_t offset) override {
    offset = std::clamp<std::int64_t>(offset, 0, size_);
    constexpr auto chunk = static_cast<std::int64_t>(PgBlobStore::kChunk);
    next_seq_ = offset / chunk;
    skip_ = static_cast<std::size_t>(offset % chunk);
    chunk_.clear();
    at_ = 0;
    return ok_status();
  }

 private:
  const PgBlobStore& store_;
  const std::int64_t content_id_, size_, chunks_;
  std::int64_t next_seq_ = 0;
  std::string chunk_;
  std::size_t at_ = 0;
  std::size_t skip_ = 0;  // bytes of the next chunk fetched to pass over (seek)
};

// One add: a transaction on a connection of its own (see the header).
class PgBlobWriter final : public BlobWriter {
 public:
  PgBlobWriter(const PgBlobStore& store, std::unique_ptr<pg::Connection> db, std::int64_t content_id,
               std::optional<std::string> expected, std::int64_t max_size)
      : store_(store), db_(std::move(db)), content_id_(content_id), expected_(std::move(expected)), max_size_(max_size) {
    buffer_.reserve(PgBlobStore::kChunk);
  }
  ~PgBlobWriter() override {
    abort();
    end();
  }

  Status write(const char* data, std::size_t size) override {
    if (state_ != State::open) return writer_closed();
    if (static_cast<std::int64_t>(size) > max_size_ - size_) {
      abort();
      return too_large(max_size_);
    }
    hash_.update(data, size);
    size_ += static_cast<std::int64_t>(size);
    while (size > 0) {
      const std::size_t n = std::min(size, PgBlobStore::kChunk - buffer_.size());
      buffer_.append(data, n);
      data += n;
      size -= n;
      if (buffer_.size() == PgBlobStore::kChunk) {
        if (Status st = flush(); !st) return st;
      }
    }
    return ok_status();
  }

  Result<StoredBlob> commit() override {
    if (state_ != State::open) return writer_closed();
    if (!buffer_.empty()) {
      if (Status st = flush(); !st) return st.error();
    }
    Result<StoredBlob> digested = finish_digest(hash_, size_, expected_);
    if (!digested) {
      abort();
      return digested.error();
    }
    StoredBlob blob = std::move(*digested);
    try {
      // The pin first: once the row is visible, no discard may run before release_pin().
      db_->exec("SELECT pg_advisory_lock_shared($1, $2)", kLockClass, kPinLock);
      pinned_ = true;
      const pg::Result inserted = db_->exec(
          "INSERT INTO blob_contents (sha256, content_id, size, chunks) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (sha256) DO NOTHING",
          blob.sha256, content_id_, size_, chunks_);
      if (inserted.affected() == 0) {
        db_->exec("ROLLBACK");  // its chunks go with it
        blob.already_present = true;
      } else {
        const int token = static_cast<int>(content_id_ & 0x7fffffff);
        db_->exec("INSERT INTO blob_pending (token, sha256) VALUES ($1, $2) ON CONFLICT (token) DO UPDATE SET sha256 = $2",
                  token, blob.sha256);
        db_->exec("SELECT pg_advisory_lock($1, $2)", kPendingClass, token);
        pending_ = token;
        db_->exec("COMMIT");
      }
    } catch (const PgError& e) {
      abort();
      return store_.db_error("guardar un archivo en", "store a file in", e);
    }
    state_ = State::committed;
    return blob;
  }

  void abort() override {
    if (state_ != State::open) return;
    state_ = State::aborted;
    if (db_) db_->rollback_quietly();
  }

  void release_pin() override {
    if (!pinned_ || !db_) return;
    pinned_ = false;
    try {
      db_->exec("SELECT pg_advisory_unlock_shared($1, $2)", kLockClass, kPinLock);
    } catch (const PgError&) {
      db_.reset();  // closing the connection releases its locks
    }
  }

  std::int64_t size() const override { return size_; }

 private:
  Status flush() {
    try {
      db_->exec_bytes("INSERT INTO blob_chunks (content_id, seq, data) VALUES ($2, $3, $1)", buffer_, content_id_,
                      chunks_);
    } catch (const PgError& e) {
      abort();
      return store_.db_error("guardar un archivo en", "store a file in", e);
    }
    ++chunks_;
    buffer_.clear();
    return ok_status();
  }

  // The add's end: its marker and pin go; the connection returns to the pool when clean.
  void end() {
    if (!db_) return;
    try {
      if (pending_) {
        db_->exec("DELETE FROM blob_pending WHERE token = $1", *pending_);
        db_->exec("SELECT pg_advisory_unlock($1, $2)", kPendingClass, *pending_);
      }
      release_pin();
    } catch (const PgError&) {
      db_.reset();  // closing the connection releases its locks; the marker stays for recovery
    }
    if (db_ && !db_->in_transaction() && !db_->failed()) store_.give_back(std::move(db_));
  }

  enum class State { open, committed, aborted };
  const PgBlobStore& store_;
  std::unique_ptr<pg::Connection> db_;
  const std::int64_t content_id_;
  const std::optional<std::string> expected_;
  const std::int64_t max_size_;
  std::int64_t size_ = 0;
  std::int64_t chunks_ = 0;
  std::string buffer_;
  Sha256 hash_;
  State state_ = State::open;
  bool pinned_ = false;
  std::optional<int> pending_;
};

}  // namespace

Result<std::unique_ptr<PgBlobStore>> PgBlobStore::open(const std::string& url) {
  const pg::ParsedUrl parsed = pg::parse_url(url);
  if (!parsed.valid) {
    return make_error(Code::invalid_argument, "library.bad_url",
                      fmt::format("La dirección de la base de datos de la librería no es válida: {}", parsed.error),
                      fmt::format("The library's database address is not valid: {}", parsed.error));
  }
  std::unique_ptr<PgBlobStore> store(new PgBlobStore(url));
  store->described_ = parsed.described;
  store->password_ = parsed.password;
  try {
    std::unique_ptr<pg::Connection> db = store->take();
    db->exec("BEGIN");
    db->exec("SELECT pg_advisory_xact_lock($1, $2)", kLockClass, kSchemaLock);
    db->exec("CREATE TABLE IF NOT EXISTS blob_schema (version integer NOT NULL)");
    const pg::Result v = db->exec("SELECT max(version) FROM blob_schema");
    const std::int64_t version = v.row(0).is_null(0) ? 0 : v.row(0).integer(0);
    if (version > kSchemaVersion) {
      db->exec("ROLLBACK");
      return make_error(Code::failed_precondition, "library.schema_newer",
                        fmt::format("Las tablas de la librería en {} son de la versión {}, más nueva que la que conoce "
                                    "este programa ({}): actualice pasaprod.",
                                    parsed.described, version, kSchemaVersion),
                        fmt::format("The library's tables in {} are of version {}, newer than this program knows "
                                    "({}): upgrade pasaprod.",
                                    parsed.described, version, kSchemaVersion));
    }
    if (version < kSchemaVersion) {
      for (const char* statement : kSchema) db->exec(statement);
      db->exec("INSERT INTO blob_schema (version) VALUES ($1)", kSchemaVersion);
    }
    db->exec("COMMIT");
    store->give_back(std::move(db));
  } catch (const PgError& e) {
    if (e.sqlstate() == "08001" || e.sqlstate().empty()) return unavailable(parsed.described, e.what());
    return store->db_error("preparar", "prepare", e);
  }
  return store;
}

PgBlobStore::~PgBlobStore() = default;

std::unique_ptr<pg::Connection> PgBlobStore::take() const {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<pg::Connection> db = std::move(idle_.back());
      idle_.pop_back();
      if (db->healthy()) return db;
    }
  }
  return std::make_unique<pg::Connection>(url_, password_);
}

void PgBlobStore::give_back(std::unique_ptr<pg::Connection> db) const {
  if (!db || !db->healthy() || db->in_transaction()) return;
  db->clear_failure();
  std::lock_guard lock(mu_);
  if (idle_.size() < 4) idle_.push_back(std::move(db));
}

Error PgBlobStore::db_error(const std::string& what_es, const std::string& what_en, const std::exception& e) const {
  return make_error(Code::internal, "library.io_error",
                    fmt::format("No se pudo {} la librería en {} ({}). Revise el estado de la base de datos y reintente.",
                                what_es, described_, e.what()),
                    fmt::format("Could not {} the library in {} ({}). Check the database's health, then retry.", what_en,
                                described_, e.what()))
      .with("database", described_);
}

std::string PgBlobStore::describe() const { return "PostgreSQL database " + described_ + " (tables blob_*)"; }

Result<std::unique_ptr<BlobWriter>> PgBlobStore::begin_add(std::optional<std::string> expected_sha256,
                                                          std::int64_t max_size) {
  if (expected_sha256 && !is_sha256_hex(*expected_sha256)) return invalid_sha256(*expected_sha256);
  if (max_size < 0) return invalid_max_size(max_size);
  try {
    std::unique_ptr<pg::Connection> db = take();
    db->exec("BEGIN");
    const std::int64_t id = db->exec("SELECT nextval('blob_content_ids')").row(0).integer(0);
    return std::unique_ptr<BlobWriter>(new PgBlobWriter(*this, std::move(db), id, std::move(expected_sha256), max_size));
  } catch (const PgError& e) {
    return db_error("empezar a guardar un archivo en", "start storing a file in", e);
  }
}

Result<std::optional<PgBlobStore::Located>> PgBlobStore::locate(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return invalid_sha256(sha256);
  try {
    std::unique_ptr<pg::Connection> db = take();
    const pg::Result r = db->exec("SELECT content_id, size, chunks FROM blob_contents WHERE sha256 = $1", sha256);
    std::optional<Located> out;
    if (r.rows() == 1) out = Located{r.row(0).integer(0), r.row(0).integer(1), r.row(0).integer(2)};
    give_back(std::move(db));
    return out;
  } catch (const PgError& e) {
    return db_error("leer", "read", e);
  }
}

bool PgBlobStore::contains(std::string_view sha256) const {
  auto found = locate(sha256);
  return found && found->has_value();
}

Result<std::unique_ptr<BlobReader>> PgBlobStore::open_read(std::string_view sha256) const {
  auto found = locate(sha256);
  if (!found) return found.error();
  if (!*found) return blob_not_found(sha256);
  const Located& b = **found;
  return std::unique_ptr<BlobReader>(new PgBlobReader(*this, b.content_id, b.size, b.chunks));
}

Result<std::int64_t> PgBlobStore::size_of(std::string_view sha256) const {
  auto found = locate(sha256);
  if (!found) return found.error();
  if (!*found) return blob_not_found(sha256);
  return (*found)->size;
}

Result<std::string> PgBlobStore::digest_of(const Located& blob) const {
  PgBlobReader reader(*this, blob.content_id, blob.size, blob.chunks);
  Sha256 hash;
  std::int64_t total = 0;
  auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  for (;;) {
    auto n = reader.read(buffer.get(), kChunk);
    if (!n) return n.error();
    if (*n == 0) break;
    hash.update(buffer.get(), *n);
    total += static_cast<std::int64_t>(*n);
  }
  if (total != blob.size) {
    return make_error(Code::internal, "library.io_error",
                      fmt::format("Un archivo de la librería tiene {} bytes en la base de datos y debería tener {}.",
                                  total, blob.size),
                      fmt::format("A library file has {} bytes in the database where it should have {}.", total,
                                  blob.size));
  }
  return hash.hex_digest();
}

Result<std::string> PgBlobStore::rehash(std::string_view sha256) const {
  auto found = locate(sha256);
  if (!found) return found.error();
  if (!*found) return blob_not_found(sha256);
  return digest_of(**found);
}

Status PgBlobStore::discard_unreferenced(std::string_view sha256, const std::function<bool()>& still_referenced) {
  if (!is_sha256_hex(sha256)) return invalid_sha256(sha256);
  try {
    std::unique_ptr<pg::Connection> db = take();
    db->exec("BEGIN");
    db->exec("SELECT pg_advisory_xact_lock($1, $2)", kLockClass, kPinLock);  // waits for every pinned add
    if (!still_referenced()) {
      db->exec("DELETE FROM blob_chunks WHERE content_id = (SELECT content_id FROM blob_contents WHERE sha256 = $1)",
               sha256);
      db->exec("DELETE FROM blob_contents WHERE sha256 = $1", sha256);
    }
    db->exec("COMMIT");
    give_back(std::move(db));
  } catch (const PgError& e) {
    return db_error("quitar un archivo de", "remove a file from", e);
  }
  return ok_status();
}

Result<int> PgBlobStore::recover_interrupted_adds(const std::function<Status(const std::string&)>& discard) {
  int handled = 0;
  try {
    std::unique_ptr<pg::Connection> db = take();
    const pg::Result pending = db->exec("SELECT token, sha256 FROM blob_pending ORDER BY token");
    for (int i = 0; i < pending.rows(); ++i) {
      const std::int64_t token = pending.row(i).integer(0);
      const std::string sha256 = pending.row(i).text(1);
      // Held by the add's connection while it lives: free means its process died.
      if (!db->exec("SELECT pg_try_advisory_lock($1, $2)", kPendingClass, token).row(0).boolean(0)) continue;
      Status st = discard(sha256);
      if (st) db->exec("DELETE FROM blob_pending WHERE token = $1", token);
      db->exec("SELECT pg_advisory_unlock($1, $2)", kPendingClass, token);
      if (!st) return st.error();
      ++handled;
    }
    give_back(std::move(db));
  } catch (const PgError& e) {
    return db_error("revisar las subidas interrumpidas de", "check the interrupted uploads of", e);
  }
  return handled;
}

void PgBlobStore::check(const std::string& sha256, const Located& blob, LibraryVerifyReport* report) const {
  auto digest = digest_of(blob);
  if (!digest) {
    report->problems.push_back({LibraryProblem::Kind::unreadable, sha256, "", "", digest.error().es, digest.error().en});
    return;
  }
  ++report->checked;
  report->bytes += blob.size;
  if (*digest != sha256) {
    report->problems.push_back(
        {LibraryProblem::Kind::corrupted, sha256, "", *digest,
         fmt::format("El contenido del archivo {} de la librería ya no coincide con su SHA-256 (ahora da {}): fue "
                     "alterado en la base de datos. Restáurelo desde la copia de respaldo.",
                     sha256, *digest),
         fmt::format("The content of library file {} no longer matches its SHA-256 (it now gives {}): it was "
                     "altered in the database. Restore it from backup.",
                     sha256, *digest)});
  }
}

LibraryVerifyReport PgBlobStore::verify() const {
  LibraryVerifyReport report;
  try {
    std::unique_ptr<pg::Connection> db = take();
    // Listed a page at a time (by digest), each blob read through its own chunk queries.
    std::string after;
    for (;;) {
      const pg::Result page = db->exec(
          "SELECT sha256, content_id, size, chunks FROM blob_contents WHERE sha256 > $1 ORDER BY sha256 LIMIT 500",
          after);
      for (int i = 0; i < page.rows(); ++i) {
        const std::string sha256 = page.row(i).text(0);
        check(sha256, Located{page.row(i).integer(1), page.row(i).integer(2), page.row(i).integer(3)}, &report);
        report.blobs.push_back(sha256);
        after = sha256;
      }
      if (page.rows() < 500) break;
    }
    // Committed chunks of no blob: no add or discard leaves them (an add's chunks are committed
    // with its blob row, a discard deletes both at once), so someone put them there.
    const pg::Result stray = db->exec(
        "SELECT DISTINCT c.content_id FROM blob_chunks c LEFT JOIN blob_contents b ON b.content_id = c.content_id "
        "WHERE b.content_id IS NULL ORDER BY 1 LIMIT 100");
    for (int i = 0; i < stray.rows(); ++i) {
      const std::string id = stray.row(i).text(0);
      report.problems.push_back(
          {LibraryProblem::Kind::misplaced, "", "", "",
           fmt::format("Hay trozos de archivo (content_id {}) en blob_chunks que no pertenecen a ningún archivo de la "
                       "librería. Averigüe cómo llegaron allí antes de borrarlos.",
                       id),
           fmt::format("There are file chunks (content_id {}) in blob_chunks that belong to no library file. Find "
                       "out how they got there before deleting them.",
                       id)});
    }
    give_back(std::move(db));
  } catch (const PgError& e) {
    Error err = db_error("verificar", "verify", e);
    report.problems.push_back({LibraryProblem::Kind::unreadable, "", "", "", err.es, err.en});
  }
  return report;
}

LibraryVerifyReport PgBlobStore::verify_blobs(const std::vector<std::string>& sha256s) const {
  LibraryVerifyReport report;
  for (const std::string& sha256 : sha256s) {
    auto found = locate(sha256);
    if (!found) {
      const bool invalid = found.error().id == "library.invalid_sha256";
      report.problems.push_back({invalid ? LibraryProblem::Kind::invalid_sha256 : LibraryProblem::Kind::unreadable,
                                 sha256, "", "", found.error().es, found.error().en});
      continue;
    }
    if (!*found) {
      report.problems.push_back(
          {LibraryProblem::Kind::missing, sha256, "", "",
           fmt::format("Falta en la librería (base de datos {}) el archivo con SHA-256 {}. Restáurelo desde la copia "
                       "de respaldo o vuelva a subir el archivo.",
                       described_, sha256),
           fmt::format("The library (database {}) lacks the file with SHA-256 {}. Restore it from backup or upload "
                       "the file again.",
                       described_, sha256)});
      continue;
    }
    check(sha256, **found, &report);
  }
  return report;
}

LibraryProblem PgBlobStore::orphan_problem(const std::string& sha256) const {
  return {LibraryProblem::Kind::orphan, sha256, "", "",
          fmt::format("El archivo {} de la librería (base de datos {}) no pertenece a ninguna solicitud ni documento "
                      "(huérfano). Si no hay una subida en curso, averigüe cómo llegó allí antes de quitarlo.",
                      sha256, described_),
          fmt::format("Library file {} (database {}) belongs to no request and no document (orphan). If no upload "
                      "is in progress, find out how it got there before removing it.",
                      sha256, described_)};
}

}  // namespace pasaprod
