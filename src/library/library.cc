// Opening a library (directories, O_TMPFILE probe, sweep of stale temporaries) and reading.
#include "library/library.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "library/internal.h"
#include "library/small_blobs.h"

namespace pasaprod {

using namespace library_internal;

namespace {

// True when an O_TMPFILE file can be created in `tmp` and given a name through /proc.
bool probe_tmpfile(const std::filesystem::path& tmp) {
  UniqueFd fd(::open(tmp.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0444));
  if (fd.get() < 0) return false;
  std::filesystem::path probe = tmp / ("probe-" + random_hex());
  std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, probe.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return false;
  }
  ::unlink(probe.c_str());
  return true;
}

// Removes the temporaries in `tmp` whose writer is gone. A live named temporary is flock'ed
// by its Writer (in any process); the lock dies with the process, so an unlocked one is stale.
void sweep_temporaries(const std::filesystem::path& tmp) {
  std::vector<std::filesystem::path> candidates;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(tmp, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("add-") || name.starts_with("probe-")) candidates.push_back(it->path());
  }
  for (const auto& path : candidates) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) continue;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // an add in progress
    ::unlink(path.c_str());
  }
}

}  // namespace

Library::Library(std::filesystem::path root, LibraryOptions options)
    : root_(std::filesystem::absolute(root)),
      blobs_(root_ / "blobs"),
      tmp_(root_ / "tmp"),
      pending_(root_ / "pending"),
      options_(options) {
  if (options_.buffer_size == 0) options_.buffer_size = LibraryOptions{}.buffer_size;
  std::filesystem::create_directories(blobs_);
  std::filesystem::create_directories(tmp_);
  std::filesystem::create_directories(pending_);
  fsync_dir(root_);  // best effort: the directories are recreated if lost
  use_tmpfile_ = !options_.TEST_force_named_temp && probe_tmpfile(tmp_);
  sweep_temporaries(tmp_);
  if (options_.small_blob_max < 0) options_.small_blob_max = 0;
  if (options_.small_blob_max > 0 || SmallBlobs::exists(root_)) {
    small_ = std::make_shared<SmallBlobs>(root_, options_.small_blob_max > 0);
  }
}

std::filesystem::path Library::path_of(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return {};
  std::string name(sha256);
  return blobs_ / name.substr(0, 2) / name;
}

bool Library::contains(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return false;
  struct stat st;
  if (::stat(path_of(sha256).c_str(), &st) == 0 && S_ISREG(st.st_mode)) return true;
  if (!small_) return false;
  Result<std::optional<std::int64_t>> size = small_->size(sha256);
  return size && size->has_value();
}

Status Library::discard_unreferenced(std::string_view sha256, const std::function<bool()>& still_referenced) {
  if (!is_sha256_hex(sha256)) return invalid_sha256(sha256);
  auto pin = lock_pins(root_, LOCK_EX);
  if (!pin) return pin.error();
  UniqueFd lock(*pin);
  if (still_referenced()) return ok_status();
  const std::filesystem::path path = path_of(sha256);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("eliminar", "remove", path, errno);
  if (small_) return small_->remove(sha256);
  return ok_status();
}

Result<int> Library::recover_interrupted_adds(const std::function<Status(const std::string&)>& discard) {
  std::vector<std::filesystem::path> markers;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(pending_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    markers.push_back(it->path());
  }
  if (ec) return io_error("listar", "list", pending_, ec.value());
  int handled = 0;
  for (const auto& path : markers) {
    // "<sha256>-<random>"; anything else is not ours: left alone.
    const std::string name = path.filename().string();
    if (name.size() < 66 || name[64] != '-' || !is_sha256_hex(std::string_view(name).substr(0, 64))) continue;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) continue;                               // handled meanwhile
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // an add still running
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0) continue;  // handled meanwhile
    if (Status s = discard(name.substr(0, 64)); !s) return s.error();
    ::unlink(path.c_str());
    ++handled;
  }
  if (small_) {
    Result<int> small = small_->recover(discard);
    if (!small) return small.error();
    handled += *small;
  }
  return handled;
}

Result<std::unique_ptr<BlobReader>> Library::open_read(std::string_view sha256) const {
  auto r = open_file(sha256);
  if (!r && r.error().id == "library.not_found" && small_) {
    Result<std::optional<std::string>> content = small_->content(sha256);
    if (!content) return content.error();
    if (content->has_value()) return std::unique_ptr<BlobReader>(std::make_unique<MemoryBlobReader>(std::move(**content)));
  }
  if (!r) return r.error();
  return std::unique_ptr<BlobReader>(std::move(*r));
}

Result<std::unique_ptr<FileBlobReader>> Library::open_file(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return invalid_sha256(sha256);
  const std::filesystem::path path = path_of(sha256);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return blob_not_found(sha256);
    return io_error("abrir", "open", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return io_error("consultar", "stat", path, errno);
  if (!S_ISREG(st.st_mode)) return blob_not_found(sha256);
  return std::make_unique<FileBlobReader>(fd.release(), st.st_size);
}

Result<std::int64_t> Library::size_of(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return invalid_sha256(sha256);
  const std::filesystem::path path = path_of(sha256);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return io_error("consultar", "stat", path, errno);
    if (small_) {
      Result<std::optional<std::int64_t>> size = small_->size(sha256);
      if (!size) return size.error();
      if (size->has_value()) return **size;
    }
    return blob_not_found(sha256);
  }
  if (!S_ISREG(st.st_mode)) return blob_not_found(sha256);
  return static_cast<std::int64_t>(st.st_size);
}

Result<std::string> Library::rehash(std::string_view sha256) const {
  Result<std::unique_ptr<FileBlobReader>> reader = open_file(sha256);
  if (!reader && reader.error().id == "library.not_found" && small_) {
    Result<std::optional<std::string>> content = small_->content(sha256);
    if (!content) return content.error();
    if (content->has_value()) return sha256_hex(**content);
  }
  if (!reader) return reader.error();
  ::posix_fadvise((*reader)->fd(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto buffer = std::make_unique_for_overwrite<char[]>(options_.buffer_size);
  Sha256 hash;
  for (;;) {
    Result<std::size_t> n = (*reader)->read(buffer.get(), options_.buffer_size);
    if (!n) return n.error();
    if (*n == 0) break;
    hash.update(buffer.get(), *n);
  }
  return hash.hex_digest();
}

FileBlobReader::~FileBlobReader() {
  if (fd_ >= 0) ::close(fd_);
}

int FileBlobReader::release_fd() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

Result<std::size_t> FileBlobReader::read(char* buffer, std::size_t capacity) {
  long n = read_some(fd_, buffer, capacity);
  if (n < 0) {
    return io_error("leer el archivo de la librería", "read the library file",
                    "/proc/self/fd/" + std::to_string(fd_), static_cast<int>(-n));
  }
  return static_cast<std::size_t>(n);
}

}  // namespace pasaprod
