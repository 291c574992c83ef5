// Helpers shared by the library's files: POSIX wrappers and the errors they report.
// Internal: not part of the library's API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "library/blob_store.h"
#include "util/sha256.h"

namespace pasaprod::library_internal {

// Owns a file descriptor; closes it on destruction. -1 means none.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  // Gives up ownership.
  int release();

 private:
  int fd_;
};

// Code::internal, id "library.io_error": `action_es`/`action_en` say what failed on `path`
// ("escribir" / "write"), followed by strerror(err) and what to check.
Error io_error(std::string_view action_es, std::string_view action_en,
               const std::filesystem::path& path, int err);

// invalid_argument "library.invalid_sha256": `text` is not 64 lowercase hex characters.
Error invalid_sha256(std::string_view text);
// not_found "library.not_found": no blob `sha256`.
Error blob_not_found(std::string_view sha256);
// too_large "library.too_large": content over `max_size` bytes.
Error too_large(std::int64_t max_size);
// invalid_argument "library.invalid_max_size": a negative maximum size.
Error invalid_max_size(std::int64_t max_size);
// failed_precondition "library.writer_closed": the add already ended.
Error writer_closed();
// failed_precondition "library.digest_mismatch": the content's digest is not the expected one.
Error digest_mismatch(const std::string& expected, const std::string& actual);
// The added blob: `hash`'s digest (which finishes it) and `size`; digest_mismatch when
// `expected` is given and differs.
Result<StoredBlob> finish_digest(Sha256& hash, std::int64_t size, const std::optional<std::string>& expected);
// not_found "library.source_not_found": no file at `src` to add.
Error source_not_found(const std::filesystem::path& src);

// Writes all of data, retrying on EINTR and short writes. Returns 0 or an errno value.
int write_all(int fd, const char* data, std::size_t size);
// One read(2), retrying on EINTR. Returns bytes read (0 at end) or -errno.
long read_some(int fd, char* buffer, std::size_t capacity);
// fsyncs the directory `dir`. Returns 0 or an errno value.
int fsync_dir(const std::filesystem::path& dir);

// Opens root/pins.lock (creating it) and flock()s it with `how` (LOCK_SH or LOCK_EX), waiting
// as long as needed; the descriptor holds the lock until closed.
Result<int> lock_pins(const std::filesystem::path& root, int how);
// A temporary file for an add in `tmp`, open for writing: an O_TMPFILE one when `use_tmpfile`
// (and it works), else a named one, flock()ed, whose name goes to `named_temp`.
Result<int> open_temp(const std::filesystem::path& tmp, bool use_tmpfile, std::filesystem::path* named_temp);
// 16 random lowercase hex characters.
std::string random_hex();
// Creates dir/<prefix><16 random hex> (mode 0444, O_EXCL) and flock()s it exclusively; a name a
// recovery took and removed before the lock is replaced by another. Returns the descriptor
// (holding the lock until closed) and the name in `path`. Errors: library.io_error, saying
// `action_es`/`action_en` on `dir`.
Result<int> create_locked_file(const std::filesystem::path& dir, const std::string& prefix,
                               std::string_view action_es, std::string_view action_en,
                               std::filesystem::path* path);

}  // namespace pasaprod::library_internal
