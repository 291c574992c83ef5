// Where the files of the office live: content-addressed blobs, each stored once and named by
// the SHA-256 of its content. One interface, one implementation per place: the local directory
// (library.h, also a directory every node mounts) and others above it.
//
//   Result<std::unique_ptr<BlobWriter>> w = blobs.begin_add(expected_sha, 512 << 20);
//   if (!w) return w.error();
//   for (each chunk) if (Status st = (*w)->write(chunk.data(), chunk.size()); !st) return st.error();
//   Result<StoredBlob> blob = (*w)->commit();
//
// Contract for every implementation: adds are streamed with constant memory and the digest
// computed on the way; a blob appears only complete and durable, under its digest; a failed or
// abandoned add leaves nothing behind; two adds of the same content both succeed and leave one
// blob. Read functions validate `sha256` (64 lowercase hex characters) first: an invalid one
// is invalid_argument "library.invalid_sha256", an absent blob not_found "library.not_found".
// I/O failures are internal "library.io_error". Any number of threads may use one store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pasaprod {


// The outcome of a successful add.
struct StoredBlob {
  std::string sha256;            // lowercase hex digest of the content
  std::int64_t size = 0;         // bytes
  bool already_present = false;  // the library held this content before; nothing was written
};

// One problem found by BlobStore::verify or BlobStore::verify_blobs.
struct LibraryProblem {
  enum class Kind {
    corrupted,       // content does not match the digest in its name
    unreadable,      // could not be opened or read
    misplaced,       // something under blobs/ that is not a blob at its right place
    missing,         // verify_blobs: no blob with this digest
    invalid_sha256,  // verify_blobs: the given digest is not 64 lowercase hex characters
    orphan,          // a blob no row of the database refers to (orphan_problem)
  };
  Kind kind = Kind::corrupted;
  std::string sha256;           // the digest named (blob name or requested); "" if none
  std::filesystem::path path;   // the file or directory concerned, absolute; "" if none
  std::string actual_sha256;    // corrupted: the digest recomputed from disk
  std::string es;               // what is wrong and what to do, in Spanish
  std::string en;               // the same in English
};

// Short stable name of a problem kind ("corrupted").
const char* problem_kind_name(LibraryProblem::Kind kind);

struct LibraryVerifyReport {
  std::int64_t checked = 0;  // blobs whose content was read and digested
  std::int64_t bytes = 0;    // bytes digested
  std::vector<LibraryProblem> problems;  // in path order (verify) or list order (verify_blobs)
  std::vector<std::string> blobs;        // verify: the digest of every blob in its place
  bool ok() const { return problems.empty(); }
};

// A blob opened for reading, read from the start to its end.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `capacity` bytes at the current position into `buffer`; 0 means end of blob.
  virtual Result<std::size_t> read(char* buffer, std::size_t capacity) = 0;
  virtual std::int64_t size() const = 0;
  // Readers that can start anywhere (for Range requests) say so and move to byte `offset`
  // (< size()) before their first read.
  virtual bool seekable() const { return false; }
  virtual Status seek(std::int64_t offset) {
    (void)offset;
    return make_error(Code::internal, "library.not_seekable", "Este archivo no se puede leer por partes.",
                      "This file cannot be read in parts.");
  }
  // When the blob is a local file: hands its descriptor (read-only, positioned at the start)
  // to the caller, who then owns it (e.g. for sendfile and ranges), and the reader reads no
  // more. -1 otherwise.
  virtual int release_fd() { return -1; }
};

// One streamed add. Not thread-safe. Destroying an uncommitted writer aborts it.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends `size` bytes. Fails with too_large once the total would pass max_size, and with
  // library.io_error on a write failure; either way the add is aborted (nothing is kept) and
  // later calls fail with failed_precondition "library.writer_closed".
  virtual Status write(const char* data, std::size_t size) = 0;
  // Ends the add: checks the digest against the expected one (failed_precondition
  // "library.digest_mismatch", nothing kept) and makes the blob durable and visible. Succeeds
  // with already_present when the blob existed. From then until release_pin() (or the
  // writer's end) the blob cannot be discarded by discard_unreferenced(), so its owner can
  // record its use first.
  virtual Result<StoredBlob> commit() = 0;
  // Drops everything written so far. Idempotent; a no-op after commit.
  virtual void abort() = 0;
  // Idempotent.
  virtual void release_pin() = 0;
  // Bytes accepted so far.
  virtual std::int64_t size() const = 0;
};

class BlobStore {
 public:
  static constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
  virtual ~BlobStore() = default;

  // Starts a streamed add. `expected_sha256`, when given, must be 64 lowercase hex characters
  // (else invalid_argument "library.invalid_sha256"); `max_size` >= 0 (kNoLimit for none).
  virtual Result<std::unique_ptr<BlobWriter>> begin_add(std::optional<std::string> expected_sha256,
                                                        std::int64_t max_size) = 0;
  // Adds the local file at `src` (streamed through begin_add). A source larger than max_size
  // is refused (too_large) before anything is written; a missing one is not_found
  // "library.source_not_found".
  virtual Result<StoredBlob> add_file(const std::filesystem::path& src, std::optional<std::string> expected_sha256,
                                      std::int64_t max_size) {
    return add_file_in_chunks(src, std::move(expected_sha256), max_size, std::size_t{1} << 20);
  }
  // Adds `data` (no size limit, no expected digest).
  Result<StoredBlob> add_bytes(std::string_view data);
  // The same, keeping the committed writer: the blob stays pinned (see BlobWriter::commit)
  // until the caller has recorded its use and calls release_pin().
  struct PinnedBlob {
    std::unique_ptr<BlobWriter> writer;
    StoredBlob blob;
  };
  Result<PinnedBlob> add_bytes_pinned(std::string_view data);

  // True when a valid `sha256` names a stored blob.
  virtual bool contains(std::string_view sha256) const = 0;
  virtual Result<std::unique_ptr<BlobReader>> open_read(std::string_view sha256) const = 0;
  virtual Result<std::int64_t> size_of(std::string_view sha256) const = 0;
  // Recomputes the digest of the stored blob from its bytes (streamed).
  virtual Result<std::string> rehash(std::string_view sha256) const = 0;

  // Removes the blob `sha256` if `still_referenced()` returns false, called while no add
  // between its commit() and release_pin() can run (in any process or node): an add that
  // failed to record its use of a new blob gives it back this way without racing a
  // concurrent add of the same content. Absent blob: ok. REQUIRES: the calling thread holds
  // no pin (a committed, unreleased writer), or it would wait for itself.
  virtual Status discard_unreferenced(std::string_view sha256, const std::function<bool()>& still_referenced) = 0;
  // Adds whose process died between commit() and the writer's end, i.e. maybe before the
  // blob's use was recorded: calls `discard(sha256)` for each (it should remove the blob unless
  // something refers to it), then forgets the add. Adds still running are left alone. The
  // number handled; the first error of `discard` (that add is kept for the next time).
  virtual Result<int> recover_interrupted_adds(const std::function<Status(const std::string&)>& discard) = 0;

  // Reads every blob and reports corrupted, unreadable and misplaced ones.
  virtual LibraryVerifyReport verify() const = 0;
  // Reads the listed blobs and reports corrupted, unreadable, missing and invalid ones.
  virtual LibraryVerifyReport verify_blobs(const std::vector<std::string>& sha256s) const = 0;
  // The problem reported for a blob that nothing refers to (the caller knows the references).
  virtual LibraryProblem orphan_problem(const std::string& sha256) const = 0;
  // Where the blobs are, for messages ("directory /var/lib/pasaprod/library").
  virtual std::string describe() const = 0;

 protected:
  // add_file, reading `src` `buffer_size` bytes at a time.
  Result<StoredBlob> add_file_in_chunks(const std::filesystem::path& src, std::optional<std::string> expected_sha256,
                                        std::int64_t max_size, std::size_t buffer_size);
};

}  // namespace pasaprod
