// The small blobs of a local library, inside one SQLite database: root/small.db.
// Internal to the library (library.h); not part of its API.
//
// Contract (why and how, measured in bench/README.md, "Library: small adds"):
// - A blob of at most LibraryOptions::small_blob_max bytes is one row of small_blobs
//   (sha256, size, content), written in one durable SQLite commit (WAL, synchronous=FULL: one
//   fsync of the log) instead of a file's fsync, the marker's directory fsync and the fan-out
//   directory's fsyncs. Content-addressed like the files: the key is the SHA-256 of the
//   content, computed on the way by the Writer; a row appears only complete, in a committed
//   transaction; a failed, cut or abandoned add writes no row.
// - Group commit: adds that arrive while a commit is in flight are written together in the
//   next transaction (one fsync for all), so concurrent uploads share the flush. An add
//   returns only after the commit that holds its row is durable.
// - The marker of a new blob (what recover_interrupted_adds gives back when the adding process
//   dies before its owner recorded the blob) is a small_pending row written in the same
//   transaction as the blob: both or neither. The row names the session of the adding
//   SmallBlobs: root/pending/session-<16 hex>, a file flock()ed exclusively while the session
//   lives (it needs no fsync: a session file that is absent, or whose lock can be taken, is a
//   dead session). The row is deleted when the Writer ends, without a commit of its own: the
//   deletion rides on the next add's transaction (or the session's end); should it be lost, the
//   recovery merely asks once more whether the blob is referenced.
// - Pins and discards use the library's pins.lock like the files do (library.h).
// - Locality: SQLite's WAL needs the database on a file system of this host (no NFS shared
//   between hosts); LibraryOptions::small_blob_max = 0 keeps a library shared by hosts files
//   only (the office does so unless its database is a SQLite file: cli/local_office.cc).
// Thread safety: any number of threads; several processes on one host may share the file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "library/blob_store.h"

struct sqlite3;

namespace pasaprod::library_internal {

class SmallBlobs {
 public:
  // Opens (creating when `create`) root/small.db. Throws std::runtime_error when it cannot.
  SmallBlobs(const std::filesystem::path& root, bool create);
  ~SmallBlobs();
  SmallBlobs(const SmallBlobs&) = delete;
  SmallBlobs& operator=(const SmallBlobs&) = delete;

  // True when root/small.db exists.
  static bool exists(const std::filesystem::path& root);
  const std::filesystem::path& path() const { return path_; }

  struct Added {
    bool already_present = false;
    std::int64_t token = 0;  // the small_pending row of a new blob; 0 when none
  };
  // Stores `content` under `sha256` (its digest) durably, with its marker when new (group
  // commit: see above). Errors: library.io_error.
  Result<Added> add(const std::string& sha256, std::string_view content);
  // The add that holds `token` has ended: its marker goes (with the next transaction).
  void forget(std::int64_t token);

  // The stored content; nullopt when absent. Errors: library.io_error.
  Result<std::optional<std::string>> content(std::string_view sha256) const;
  // The stored size; nullopt when absent.
  Result<std::optional<std::int64_t>> size(std::string_view sha256) const;
  // Removes the row (absent: ok), durably.
  Status remove(std::string_view sha256);
  // Calls `each(sha256, size, content)` for every row, in digest order. Errors: io_error.
  Status for_each(const std::function<void(const std::string&, std::int64_t, std::string_view)>& each) const;
  // Gives back the blobs of dead sessions' markers through `discard` (see above), then drops
  // those markers and the dead sessions' files. The number of markers handled.
  Result<int> recover(const std::function<Status(const std::string&)>& discard);

 private:
  struct Request;
  // One transaction: the markers of `forgotten` go, the rows of `batch` go in.
  void commit_batch(const std::vector<Request*>& batch, const std::vector<std::int64_t>& forgotten);
  Status ensure_session();
  Error db_error(std::string_view action_es, std::string_view action_en, sqlite3* db) const;
  bool session_alive(const std::string& session, int* locked_fd) const;

  std::filesystem::path path_;
  std::filesystem::path pending_dir_;
  sqlite3* writer_ = nullptr;  // used by the group-commit leader only
  mutable std::mutex read_mu_;
  sqlite3* reader_ = nullptr;  // GUARDED_BY(read_mu_)

  std::mutex mu_;  // guards what follows
  std::condition_variable cv_;
  std::vector<Request*> queue_;
  std::vector<std::int64_t> forgotten_;
  bool leading_ = false;
  std::string session_;  // 16 hex; "" until the first add
  int session_fd_ = -1;
};

// A blob held in memory (a small blob), read from anywhere.
class MemoryBlobReader final : public BlobReader {
 public:
  explicit MemoryBlobReader(std::string content) : content_(std::move(content)) {}
  Result<std::size_t> read(char* buffer, std::size_t capacity) override;
  std::int64_t size() const override { return static_cast<std::int64_t>(content_.size()); }
  bool seekable() const override { return true; }
  Status seek(std::int64_t offset) override;

 private:
  std::string content_;
  std::size_t at_ = 0;
};

}  // namespace pasaprod::library_internal
