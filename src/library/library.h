// The library of files: content-addressed storage of deliverables and generated documents.
//
// Every file is stored once, named by the SHA-256 of its content:
//
//   root/blobs/ab/abcdef...   the blob whose lowercase hex digest is "abcdef..."
//   root/tmp/                 temporaries of adds in progress
//   root/pending/             a marker per add that linked a new blob and has not ended yet
//   root/small.db             the small blobs (LibraryOptions::small_blob_max), one SQLite row each
//
// Adds are streamed through a Writer: memory stays fixed whatever the file size, the digest
// is computed on the way, the file is made durable (fsync of the file, then of its directory)
// and only then appears, atomically, under its name. A reader never sees a partial blob, and a
// process killed in the middle of an add leaves no blob behind (and, where O_TMPFILE works, no
// file at all; elsewhere a named temporary that the next Library opened on the root removes).
// A process killed after the commit but before the add's owner recorded the blob leaves a
// marker in root/pending/; recover_interrupted_adds() gives such blobs back.
//
// Small blobs (at most LibraryOptions::small_blob_max bytes, 64 KiB by default) are kept in
// root/small.db instead (library/small_blobs.h): the Writer holds them in memory and commit()
// stores the row and its marker in one durable SQLite commit, shared by concurrent adds (group
// commit), where a file costs four flushes (the marker's directory, the file, its directory and
// blobs/). The guarantees above hold for both forms: content-addressed by SHA-256, complete and
// durable once commit() returns, nothing left by a failed or killed add, pins, recovery, and
// every read, verify and discard sees both. A content is stored in the form its size picks.
//
//   Library lib("/var/lib/pasaprod/library");
//   Result<std::unique_ptr<Library::Writer>> w = lib.begin_add(expected_sha, 512 << 20);
//   if (!w) return w.error();
//   for (each chunk) if (Status st = (*w)->write(chunk.data(), chunk.size()); !st) return st.error();
//   Result<StoredBlob> blob = (*w)->commit();
//
// Thread safety: any number of threads may use one Library at the same time (its only mutable
// state, small.db's connections and commit queue, is synchronized inside), and several
// processes may share one root. Two adds of the same content both
// succeed and leave one file. A Writer is used by one thread at a time.
//
// Expected failures (bad digest argument, missing blob, size limit, digest mismatch) and I/O
// failures during an operation come back as errors (I/O ones with Code::internal and id
// "library.io_error"); only the constructor throws.
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
#include "library/blob_store.h"
#include "util/sha256.h"

namespace pasaprod {

namespace library_internal {
class SmallBlobs;
}

struct LibraryOptions {
  // Chunk size (bytes) of add_file, rehash and verify; also their memory use. 0 = default.
  std::size_t buffer_size = std::size_t{4} << 20;
  // Writers ask the kernel to start writing data back every this many bytes
  // (sync_file_range), so the fsync at commit has little left to do. 0 = never.
  std::int64_t writeback_every = std::int64_t{8} << 20;
  // Blobs of at most this many bytes are rows of root/small.db rather than files; 0 = every
  // blob is a file (small.db is then not created; one that exists is still read). Keep 0 when
  // the library is a folder shared by several hosts (NFS): SQLite's write-ahead log needs all
  // its users on one host. Memory: an add holds up to this many bytes until its commit.
  std::int64_t small_blob_max = std::int64_t{64} << 10;
  // Test-only: use named temporaries (root/tmp/add-*) even where O_TMPFILE works, to exercise
  // the fallback path.
  bool TEST_force_named_temp = false;
};

// A library blob (or any regular file) opened for reading. Owns its descriptor.
class FileBlobReader final : public BlobReader {
 public:
  // Takes ownership of `fd`, open for reading on a file of `size` bytes.
  FileBlobReader(int fd, std::int64_t size) : fd_(fd), size_(size) {}
  FileBlobReader(const FileBlobReader&) = delete;
  FileBlobReader& operator=(const FileBlobReader&) = delete;
  ~FileBlobReader() override;

  Result<std::size_t> read(char* buffer, std::size_t capacity) override;
  std::int64_t size() const override { return size_; }
  int release_fd() override;
  // The open descriptor (read-only); -1 after release_fd().
  int fd() const { return fd_; }

 private:
  int fd_;
  std::int64_t size_;
};

class Library final : public BlobStore {
 public:

  // Streams one add. Create with Library::begin_add. Not thread-safe; does not refer to the
  // Library after creation. Destroying an uncommitted Writer aborts it.
  class Writer final : public BlobWriter {
   public:
    ~Writer() override;
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Appends `size` bytes. Fails with too_large once the total would pass max_size, and with
    // library.io_error on a write failure; either way the add is aborted (nothing is kept)
    // and later calls fail with failed_precondition "library.writer_closed".
    // Chunks of 64 KiB or more keep the system-call overhead negligible.
    Status write(const char* data, std::size_t size) override;
    // Ends the add: checks the digest against the expected one (failed_precondition
    // "library.digest_mismatch", nothing kept), makes the file durable and links it into
    // place. Succeeds with already_present when the blob existed (the new copy is dropped;
    // an existing blob is trusted, not re-read: verify() finds a damaged one). An io_error
    // from the final directory fsync may leave the blob in place, complete and correct.
    // Before linking a new blob it leaves a durable marker in root/pending/, removed when the
    // Writer is destroyed (its owner has recorded the blob or given it back by then): should
    // the process die in between, recover_interrupted_adds() finds the blob. A small blob
    // (at most small_blob_max bytes) is instead one row of small.db, its marker a row written
    // in the same durable commit (small_blobs.h).
    Result<StoredBlob> commit() override;
    // Drops everything written so far. Idempotent; a no-op after commit.
    void abort() override;
    // From commit() (successful or not) until this call or the Writer's destruction, the
    // Writer holds a shared pin on the library: discard_unreferenced() waits for it, so a blob
    // this add found or linked cannot be discarded before the add's owner has recorded its use.
    // Idempotent.
    void release_pin() override;
    // Bytes accepted so far.
    std::int64_t size() const override { return size_; }

   private:
    friend class Library;
    Writer(std::filesystem::path blobs_dir, int fd, std::filesystem::path named_temp,
           std::optional<std::string> expected, std::int64_t max_size,
           std::int64_t writeback_every);
    // Stores the blob held in memory in small.db (the small path of commit()).
    Result<StoredBlob> commit_small(StoredBlob blob);
    // Moves the bytes held in memory to a temporary file (the add outgrew small_blob_max).
    Status spill();
    Error closed_error() const;
    // Closes the temporary and removes its name, if any.
    void release_temp();
    // Creates, locks and makes durable the marker of this add for `sha256` in root/pending/.
    Status leave_marker(const std::string& sha256);
    // Removes the marker, if any.
    void remove_marker();

    enum class State { open, committed, aborted };
    std::filesystem::path blobs_dir_;
    int fd_;                           // the temporary, open for writing; -1 once closed
    std::filesystem::path named_temp_; // the temporary's name; "" with O_TMPFILE (no name)
    std::optional<std::string> expected_;
    std::int64_t max_size_;
    std::int64_t writeback_every_;
    std::int64_t size_ = 0;
    std::int64_t written_back_ = 0;    // bytes already handed to sync_file_range
    Sha256 hash_;
    State state_ = State::open;
    int pin_fd_ = -1;  // root/pins.lock, flock()ed shared; -1 when not pinned
    std::filesystem::path marker_;  // root/pending/<sha256>-<random>; "" when none
    int marker_fd_ = -1;            // the marker, flock()ed exclusively while the add lives
    // Small path: while fd_ < 0 and small_ is set, the bytes are held in small_buffer_ (at most
    // small_max_ of them); small_token_ is the small.db marker of a new small blob, 0 if none.
    std::shared_ptr<library_internal::SmallBlobs> small_;
    std::int64_t small_max_ = 0;
    std::string small_buffer_;
    std::int64_t small_token_ = 0;
    bool use_tmpfile_ = false;
  };

  // Opens (creating if needed) the library at `root`: root/blobs, root/tmp and root/pending.
  // Removes the temporaries that killed processes left in root/tmp (those of adds still
  // running, in this or another process, are kept). Opens root/small.db (creating it when
  // options.small_blob_max > 0). Throws std::filesystem::filesystem_error or
  // std::system_error when the directories cannot be created, std::runtime_error when small.db
  // cannot be opened.
  explicit Library(std::filesystem::path root, LibraryOptions options = {});

  const std::filesystem::path& root() const { return root_; }
  // False when adds fall back to named temporaries (no O_TMPFILE, or TEST_force_named_temp).
  bool uses_tmpfile() const { return use_tmpfile_; }

  // Starts a streamed add. `expected_sha256`, when given, must be 64 lowercase hex characters
  // (else invalid_argument "library.invalid_sha256"); `max_size` >= 0 (kNoLimit for none).
  Result<std::unique_ptr<BlobWriter>> begin_add(std::optional<std::string> expected_sha256,
                                                std::int64_t max_size) override;
  // The same, as the concrete writer.
  Result<std::unique_ptr<Writer>> begin_file_add(std::optional<std::string> expected_sha256, std::int64_t max_size);
  // Adds the file at `src`, read in chunks of options.buffer_size. A source larger than
  // max_size is refused (too_large) before anything is written; a missing one is not_found.
  Result<StoredBlob> add_file(const std::filesystem::path& src,
                              std::optional<std::string> expected_sha256, std::int64_t max_size) override;

  // All read functions validate `sha256` (64 lowercase hex characters) first, so no argument
  // can name a path outside the root; an invalid one is invalid_argument
  // "library.invalid_sha256", an absent blob not_found "library.not_found".

  // True when a valid `sha256` names a stored blob.
  bool contains(std::string_view sha256) const override;
  // Where the blob `sha256` lives (or would live); an empty path when sha256 is invalid.
  std::filesystem::path path_of(std::string_view sha256) const;
  Result<std::unique_ptr<BlobReader>> open_read(std::string_view sha256) const override;
  // The same, as the concrete reader.
  Result<std::unique_ptr<FileBlobReader>> open_file(std::string_view sha256) const;
  Result<std::int64_t> size_of(std::string_view sha256) const override;
  // Recomputes the digest of the stored blob from disk (streamed).
  Result<std::string> rehash(std::string_view sha256) const override;

  // Removes the blob `sha256` if `still_referenced()` (called with the library locked
  // exclusively against every Writer between its commit() and release_pin(), in any process)
  // returns false: an add that failed to record its use of a new blob gives it back this way
  // without racing a concurrent add of the same content. Absent blob: ok. Errors: invalid
  // sha256, I/O (library.io_error). REQUIRES: the calling thread holds no pin (a committed,
  // unreleased Writer), or it would wait for itself.
  Status discard_unreferenced(std::string_view sha256, const std::function<bool()>& still_referenced) override;

  // Adds whose process died between linking a new blob (Writer::commit) and the Writer's
  // end, i.e. maybe before the blob's use was recorded: calls `discard(sha256)` for each (it
  // should remove the blob unless something refers to it: Office::discard_blob), then removes
  // the add's marker. Markers of adds still running, in this or any process, are left alone.
  // Call it when the library is opened with the database that records its blobs. The number
  // of interrupted adds handled; the first error of `discard` (that marker stays for the next
  // time) or of the directory listing. Small adds' markers are rows of small.db whose deletion
  // rides on a later commit: after a kill, the adds that had just ended are handed to `discard`
  // too, which keeps their blobs since they are referenced.
  Result<int> recover_interrupted_adds(const std::function<Status(const std::string&)>& discard) override;

  // Reads every blob and reports corrupted, unreadable and misplaced ones.
  LibraryVerifyReport verify() const override;
  // Reads the listed blobs and reports corrupted, unreadable, missing and invalid ones.
  LibraryVerifyReport verify_blobs(const std::vector<std::string>& sha256s) const override;
  // The problem reported for a blob that nothing refers to (the caller knows the references).
  LibraryProblem orphan_problem(const std::string& sha256) const override;
  std::string describe() const override { return "directory " + root_.string(); }

 private:
  void check_blob(const std::string& sha256, const std::filesystem::path& path,
                  LibraryVerifyReport* report) const;
  // Checks the small blob `sha256` of `size` bytes held as `content` into `report`.
  void check_small(const std::string& sha256, std::int64_t size, std::string_view content,
                   LibraryVerifyReport* report) const;

  std::filesystem::path root_;
  std::filesystem::path blobs_;
  std::filesystem::path tmp_;
  std::filesystem::path pending_;
  LibraryOptions options_;
  bool use_tmpfile_ = false;
  std::shared_ptr<library_internal::SmallBlobs> small_;  // null when there is no small.db
};

}  // namespace pasaprod
