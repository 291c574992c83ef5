#include "library/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "library/internal.h"

namespace pasaprod {

using namespace library_internal;

Result<StoredBlob> BlobStore::add_bytes(std::string_view data) {
  Result<PinnedBlob> pinned = add_bytes_pinned(data);
  if (!pinned) return pinned.error();
  return pinned->blob;
}

Result<BlobStore::PinnedBlob> BlobStore::add_bytes_pinned(std::string_view data) {
  Result<std::unique_ptr<BlobWriter>> writer = begin_add(std::nullopt, kNoLimit);
  if (!writer) return writer.error();
  if (Status st = (*writer)->write(data.data(), data.size()); !st) return st.error();
  Result<StoredBlob> blob = (*writer)->commit();
  if (!blob) return blob.error();
  return PinnedBlob{std::move(*writer), std::move(*blob)};
}

Result<StoredBlob> BlobStore::add_file_in_chunks(const std::filesystem::path& src,
                                                 std::optional<std::string> expected_sha256, std::int64_t max_size,
                                                 std::size_t buffer_size) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno != ENOENT) return io_error("abrir", "open", src, errno);
    return source_not_found(src);
  }
  Result<std::unique_ptr<BlobWriter>> writer = begin_add(std::move(expected_sha256), max_size);
  if (!writer) return writer.error();
  struct stat st;
  if (::fstat(in.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > max_size) {
    return too_large(max_size);  // the writer aborts as it goes out of scope
  }
  ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  if (buffer_size == 0) buffer_size = std::size_t{1} << 20;
  auto buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
  for (;;) {
    const long n = read_some(in.get(), buffer.get(), buffer_size);
    if (n < 0) return io_error("leer", "read", src, static_cast<int>(-n));
    if (n == 0) break;
    if (Status s = (*writer)->write(buffer.get(), static_cast<std::size_t>(n)); !s) return s.error();
  }
  return (*writer)->commit();
}

}  // namespace pasaprod
