// The files of the office inside a PostgreSQL database, for several server nodes that share
// no directory: the BlobStore contract (blob_store.h) over three tables the store creates:
//
//   blob_contents(sha256 PK, content_id, size, chunks)   one row per complete blob
//   blob_chunks(content_id, seq, data bytea)             its content, in chunks of kChunk bytes
//   blob_pending(token PK, sha256)                        adds between commit() and their end
//
// An add is one transaction on a connection of its own: each chunk is inserted as it fills,
// the digest computed on the way (memory: one chunk), and commit() inserts the blob_contents row
// and commits. A failed, abandoned or killed add is rolled back by PostgreSQL and leaves
// nothing. Two adds of the same content: the second waits on the first's row, then finds it
// and rolls its own chunks back (already_present).
//
// Pins: from commit() to release_pin() a writer holds a session-level shared advisory lock;
// discard_unreferenced() takes it exclusively within its transaction, so it waits for every
// pinned writer on every node. A new blob's add also leaves a blob_pending row, locked by its
// connection (session-level advisory lock): recover_interrupted_adds() takes a row whose lock
// it can get as an add whose process died.
//
// Readers fetch one chunk at a time through the store's pool of idle connections, so a slow
// download holds no connection between reads. Any number of threads may use one store.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "library/blob_store.h"
#include "storage/postgres/pg.h"

namespace pasaprod {

class PgBlobStore final : public BlobStore {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << 20;

  // Connects to `url` (a postgresql:// URL or conninfo; libpq finds the password, e.g. in
  // PGPASSFILE or PGPASSWORD) and creates the tables when missing, under an advisory lock so
  // that nodes starting at once do not race. Refuses tables of a newer version than this
  // program knows (library.schema_newer); unavailable "library.unavailable" when the database
  // cannot be reached.
  static Result<std::unique_ptr<PgBlobStore>> open(const std::string& url);
  ~PgBlobStore() override;

  Result<std::unique_ptr<BlobWriter>> begin_add(std::optional<std::string> expected_sha256,
                                                std::int64_t max_size) override;
  bool contains(std::string_view sha256) const override;
  Result<std::unique_ptr<BlobReader>> open_read(std::string_view sha256) const override;
  Result<std::int64_t> size_of(std::string_view sha256) const override;
  Result<std::string> rehash(std::string_view sha256) const override;
  Status discard_unreferenced(std::string_view sha256, const std::function<bool()>& still_referenced) override;
  Result<int> recover_interrupted_adds(const std::function<Status(const std::string&)>& discard) override;
  LibraryVerifyReport verify() const override;
  LibraryVerifyReport verify_blobs(const std::vector<std::string>& sha256s) const override;
  LibraryProblem orphan_problem(const std::string& sha256) const override;
  std::string describe() const override;

  // A connection lent by the pool (a new one when none is idle), given back by `give_back`.
  std::unique_ptr<pg::Connection> take() const;
  void give_back(std::unique_ptr<pg::Connection> db) const;
  // Code::internal "library.io_error" for a failure of the database while doing `what_es`.
  Error db_error(const std::string& what_es, const std::string& what_en, const std::exception& e) const;

 private:
  explicit PgBlobStore(std::string url) : url_(std::move(url)) {}
  // The blob's content_id, size and chunk count; nullopt when absent.
  struct Located {
    std::int64_t content_id = 0, size = 0, chunks = 0;
  };
  Result<std::optional<Located>> locate(std::string_view sha256) const;
  // Digests the blob's chunks in order: its digest, or a problem description.
  Result<std::string> digest_of(const Located& blob) const;
  // Checks one stored blob into `report`.
  void check(const std::string& sha256, const Located& blob, LibraryVerifyReport* report) const;

  std::string url_;
  std::string described_;  // the URL without a password, for messages
  std::string password_;   // one the URL holds, kept out of messages
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<pg::Connection>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace pasaprod
