// Tar archives of library files, written and read by our own small code (POSIX ustar with pax
// extended headers for long names and huge sizes; GNU tar, bsdtar and 7-Zip open them).
//
// Writing is pull-based with constant memory: a TarStream knows its exact size up front (for
// Content-Length) and produces the bytes chunk by chunk, reading each blob from the library as
// it goes and checking its digest on the way.
//
//   std::vector<TarEntry> entries = {TarEntry::memory("ALFA-1.1/MANIFEST", manifest_text),
//                                    TarEntry::blob("ALFA-1.1/deliverables/source_code/src.zip", sha, size)};
//   TarStream tar(library, std::move(entries), mtime_seconds);
//   char buf[64 << 10];
//   for (;;) { auto n = tar.read(buf, sizeof buf); if (!n) fail(n.error()); if (*n == 0) break; out(buf, *n); }
//
// Reading (scan_tar) streams a tar file and digests every regular member, keeping in memory
// only the members the caller asks for (small ones, such as a manifest).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "library/library.h"
#include "util/sha256.h"

namespace pasaprod {

struct TarEntry {
  std::string path;         // inside the archive: relative, '/'-separated, no "..", not empty
  std::int64_t size = 0;
  std::string sha256;       // blob entries: the library digest (also checked while streaming)
  std::string content;      // memory entries: the bytes
  bool in_memory = false;
  std::filesystem::path source;  // file entries: a file outside the library (checked like a blob)

  static TarEntry memory(std::string path, std::string content);
  static TarEntry blob(std::string path, std::string sha256, std::int64_t size);
  // A file on disk whose digest and size the caller computed; the stream checks them again.
  static TarEntry file(std::string path, std::filesystem::path source, std::string sha256, std::int64_t size);
};

// One archive being produced. Not thread-safe; holds at most one open blob and one header.
class TarStream {
 public:
  // `mtime` (seconds since the epoch) is written on every member.
  // REQUIRES: every path is valid (see TarEntry); blob sizes are those stored in the library.
  TarStream(const BlobStore& library, std::vector<TarEntry> entries, std::int64_t mtime);

  // The exact number of bytes read() will produce in total.
  std::uint64_t size() const { return size_; }

  // Fills `buffer` with up to `capacity` bytes of the archive; 0 at the end. Errors: not_found
  // / io_error from the library, data_loss ("archive.blob_changed") when a blob's bytes do not
  // match its digest or size — the archive is then unusable and must be discarded.
  Result<std::size_t> read(char* buffer, std::size_t capacity);

 private:
  // Prepares pending_ with the headers of entry `index_` (or the trailer), and opens its blob.
  Status start_entry();

  const BlobStore& library_;
  std::vector<TarEntry> entries_;
  std::int64_t mtime_;
  std::uint64_t size_ = 0;

  enum class Phase { header, data, padding, trailer, done };
  Phase phase_ = Phase::header;
  std::size_t index_ = 0;
  std::string pending_;         // header or trailer bytes not yet handed out
  std::size_t pending_pos_ = 0;
  std::unique_ptr<BlobReader> blob_;
  std::unique_ptr<Sha256> hash_;
  std::int64_t data_left_ = 0;  // of the current entry
  std::int64_t data_pos_ = 0;   // memory entries: next byte
  std::size_t padding_left_ = 0;
};

// The exact size of the tar archive `entries` make (headers, data, padding, trailer).
std::uint64_t tar_size(const std::vector<TarEntry>& entries);

// A regular member found by scan_tar.
struct TarMember {
  std::string path;
  std::int64_t size = 0;
  std::string sha256;
  std::optional<std::string> content;  // when the caller asked to keep it
};

// Reads the tar file at `path` with constant memory (plus the kept members): every regular
// member with its SHA-256, in archive order. `keep(path, size)` says which members to return
// with their content (at most 16 MiB each). Directories and pax global headers are skipped;
// other member types are listed with an empty sha256. Errors: not_found, invalid_argument
// ("archive.malformed") for a file that is not a tar archive or is cut short.
Result<std::vector<TarMember>> scan_tar(const std::filesystem::path& path,
                                        const std::function<bool(const std::string&, std::int64_t)>& keep);

// Receives the bytes of each regular member while scan_tar reads it: first a call with
// (path, nullptr, 0) when the member begins, then its data in chunks. An error stops the scan
// and is returned by it.
using TarDataSink = std::function<Status(const std::string& path, const char* data, std::size_t size)>;
// As above, also handing every regular member's bytes to `sink` (e.g. to extract them).
Result<std::vector<TarMember>> scan_tar(const std::filesystem::path& path,
                                        const std::function<bool(const std::string&, std::int64_t)>& keep,
                                        const TarDataSink& sink);

}  // namespace pasaprod
