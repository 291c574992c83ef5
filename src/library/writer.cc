// Adding blobs: Library::Writer, begin_add and the convenience adds built on it.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <fmt/format.h>

#include "library/internal.h"
#include "library/library.h"
#include "library/small_blobs.h"

namespace pasaprod {

namespace library_internal {

Result<int> open_temp(const std::filesystem::path& tmp_, bool use_tmpfile_, std::filesystem::path* named_temp) {
  if (use_tmpfile_) {
    int fd = ::open(tmp_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0444);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
      return io_error("crear un archivo temporal en", "create a temporary file in", tmp_, errno);
    }
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path path = tmp_ / ("add-" + random_hex());
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (fd.get() < 0) {
      if (errno == EEXIST) continue;
      return io_error("crear un archivo temporal en", "create a temporary file in", tmp_, errno);
    }
    // The lock marks the temporary as live: the sweep removes only unlocked ones. A sweep
    // may have locked and removed it before we locked it; then take another name.
    struct stat st;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 || ::fstat(fd.get(), &st) != 0 ||
        st.st_nlink == 0) {
      continue;
    }
    *named_temp = std::move(path);
    return fd.release();
  }
  return io_error("crear un archivo temporal en", "create a temporary file in", tmp_, EEXIST);
}

}  // namespace library_internal

using namespace library_internal;

Library::Writer::Writer(std::filesystem::path blobs_dir, int fd, std::filesystem::path named_temp,
                        std::optional<std::string> expected, std::int64_t max_size,
                        std::int64_t writeback_every)
    : blobs_dir_(std::move(blobs_dir)),
      fd_(fd),
      named_temp_(std::move(named_temp)),
      expected_(std::move(expected)),
      max_size_(max_size),
      writeback_every_(writeback_every) {}

Library::Writer::~Writer() {
  abort();
  release_pin();
  remove_marker();
}

Status Library::Writer::leave_marker(const std::string& sha256) {
  // The lock marks the add as running (recovery takes only unlocked markers).
  const std::filesystem::path dir = blobs_dir_.parent_path() / "pending";
  std::filesystem::path path;
  auto fd = create_locked_file(dir, sha256 + "-", "crear la marca de carga en", "create the add's marker in", &path);
  if (!fd) return fd.error();
  UniqueFd held(*fd);
  if (int err = fsync_dir(dir); err != 0) {
    ::unlink(path.c_str());
    return io_error("guardar en disco (fsync) la carpeta", "flush to disk (fsync) the directory", dir, err);
  }
  marker_ = std::move(path);
  marker_fd_ = held.release();
  return ok_status();
}

void Library::Writer::remove_marker() {
  if (small_token_ != 0) {
    small_->forget(small_token_);
    small_token_ = 0;
  }
  if (marker_fd_ < 0) return;
  // Unlink before close: once the lock goes, a recovery could take the marker as stale.
  ::unlink(marker_.c_str());
  ::close(marker_fd_);
  marker_fd_ = -1;
  marker_.clear();
}

void Library::Writer::release_pin() {
  if (pin_fd_ < 0) return;
  ::close(pin_fd_);  // drops the flock
  pin_fd_ = -1;
}

void Library::Writer::release_temp() {
  std::string().swap(small_buffer_);
  if (fd_ < 0) return;
  // Unlink before close: once the lock goes, a sweep could take the name.
  if (!named_temp_.empty()) ::unlink(named_temp_.c_str());
  ::close(fd_);
  fd_ = -1;
}

void Library::Writer::abort() {
  if (state_ != State::open) return;
  state_ = State::aborted;
  release_temp();
}

Error Library::Writer::closed_error() const { return writer_closed(); }

Status Library::Writer::write(const char* data, std::size_t size) {
  if (state_ != State::open) return closed_error();
  if (static_cast<std::uint64_t>(size) > static_cast<std::uint64_t>(max_size_ - size_)) {
    abort();
    return too_large(max_size_);
  }
  hash_.update(data, size);
  if (fd_ < 0 && static_cast<std::uint64_t>(size) <= static_cast<std::uint64_t>(small_max_ - size_)) {
    small_buffer_.append(data, size);  // still small: held in memory until commit()
    size_ += static_cast<std::int64_t>(size);
    return ok_status();
  }
  if (fd_ < 0) {
    if (Status st = spill(); !st) {
      abort();
      return st;
    }
  }
  if (int err = write_all(fd_, data, size); err != 0) {
    abort();
    return io_error("escribir el archivo temporal en", "write the temporary file in",
                    blobs_dir_.parent_path() / "tmp", err);
  }
  size_ += static_cast<std::int64_t>(size);
  if (writeback_every_ > 0 && size_ - written_back_ >= writeback_every_) {
    // Advisory: start writeback now so the fsync at commit finds little to do. Errors, if
    // any, surface at that fsync.
    ::sync_file_range(fd_, written_back_, size_ - written_back_, SYNC_FILE_RANGE_WRITE);
    written_back_ = size_;
  }
  return ok_status();
}

Status Library::Writer::spill() {
  Result<int> fd = open_temp(blobs_dir_.parent_path() / "tmp", use_tmpfile_, &named_temp_);
  if (!fd) return fd.error();
  fd_ = *fd;
  if (int err = write_all(fd_, small_buffer_.data(), small_buffer_.size()); err != 0) {
    return io_error("escribir el archivo temporal en", "write the temporary file in", blobs_dir_.parent_path() / "tmp", err);
  }
  std::string().swap(small_buffer_);
  return ok_status();
}

Result<StoredBlob> Library::Writer::commit_small(StoredBlob blob) {
  auto pin = lock_pins(blobs_dir_.parent_path(), LOCK_SH);
  if (!pin) {
    abort();
    return pin.error();
  }
  pin_fd_ = *pin;
  // The same content stored as a file (a library whose threshold changed) is the blob.
  const std::filesystem::path file = blobs_dir_ / blob.sha256.substr(0, 2) / blob.sha256;
  struct stat st;
  if (::stat(file.c_str(), &st) == 0) {
    blob.already_present = true;
  } else {
    Result<library_internal::SmallBlobs::Added> added = small_->add(blob.sha256, small_buffer_);
    if (!added) {
      abort();
      return added.error();
    }
    blob.already_present = added->already_present;
    small_token_ = added->token;
  }
  std::string().swap(small_buffer_);
  state_ = State::committed;
  return blob;
}

Result<StoredBlob> Library::Writer::commit() {
  if (state_ != State::open) return closed_error();
  Result<StoredBlob> digested = finish_digest(hash_, size_, expected_);
  if (!digested) {
    abort();
    return digested.error();
  }
  StoredBlob blob = std::move(*digested);
  if (fd_ < 0) return commit_small(std::move(blob));

  const std::filesystem::path dir = blobs_dir_ / blob.sha256.substr(0, 2);
  const std::filesystem::path final_path = dir / blob.sha256;
  auto pin = lock_pins(blobs_dir_.parent_path(), LOCK_SH);
  if (!pin) {
    abort();
    return pin.error();
  }
  pin_fd_ = *pin;
  struct stat st;
  blob.already_present = ::stat(final_path.c_str(), &st) == 0;
  if (!blob.already_present) {
    if (Status marked = leave_marker(blob.sha256); !marked) {
      abort();
      return marked.error();
    }
    if (::fsync(fd_) != 0) {
      int err = errno;
      abort();
      return io_error("guardar en disco (fsync)", "flush to disk (fsync)", final_path, err);
    }
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      int err = errno;
      abort();
      return io_error("crear la carpeta", "create the directory", dir, err);
    }
    // link/linkat never replace: of concurrent adds of one content exactly one links, the
    // others see EEXIST and drop their copy.
    int rc;
    if (named_temp_.empty()) {
      std::string self = "/proc/self/fd/" + std::to_string(fd_);
      rc = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, final_path.c_str(), AT_SYMLINK_FOLLOW);
    } else {
      rc = ::link(named_temp_.c_str(), final_path.c_str());
    }
    if (rc != 0) {
      int err = errno;
      if (err != EEXIST) {
        abort();
        return io_error("guardar el archivo", "store the file", final_path, err);
      }
      blob.already_present = true;
    }
  }
  release_temp();  // the content lives on under final_path
  state_ = State::committed;
  // Whoever linked it, make sure the name (and a fan-out directory just created) is durable
  // before reporting success.
  for (const std::filesystem::path& d : {dir, blobs_dir_}) {
    if (int err = fsync_dir(d); err != 0) {
      return io_error("guardar en disco (fsync) la carpeta", "flush to disk (fsync) the directory",
                      d, err);
    }
  }
  return blob;
}

Result<std::unique_ptr<BlobWriter>> Library::begin_add(std::optional<std::string> expected_sha256,
                                                       std::int64_t max_size) {
  auto w = begin_file_add(std::move(expected_sha256), max_size);
  if (!w) return w.error();
  return std::unique_ptr<BlobWriter>(std::move(*w));
}

Result<std::unique_ptr<Library::Writer>> Library::begin_file_add(std::optional<std::string> expected_sha256,
                                                                 std::int64_t max_size) {
  if (expected_sha256 && !is_sha256_hex(*expected_sha256)) {
    return invalid_sha256(*expected_sha256);
  }
  if (max_size < 0) {
    return invalid_max_size(max_size);
  }
  if (small_ && options_.small_blob_max > 0) {
    // The temporary file is opened only if the add outgrows small_blob_max (Writer::spill).
    std::unique_ptr<Writer> writer(new Writer(blobs_, -1, {}, std::move(expected_sha256), max_size,
                                              options_.writeback_every));
    writer->small_ = small_;
    writer->small_max_ = options_.small_blob_max;
    writer->use_tmpfile_ = use_tmpfile_;
    return writer;
  }
  std::filesystem::path named_temp;
  Result<int> fd = open_temp(tmp_, use_tmpfile_, &named_temp);
  if (!fd) return fd.error();
  UniqueFd owned(*fd);  // closed if constructing the Writer throws
  std::unique_ptr<Writer> writer(new Writer(blobs_, owned.get(), std::move(named_temp),
                                            std::move(expected_sha256), max_size,
                                            options_.writeback_every));
  owned.release();
  return writer;
}

Result<StoredBlob> Library::add_file(const std::filesystem::path& src,
                                     std::optional<std::string> expected_sha256,
                                     std::int64_t max_size) {
  return add_file_in_chunks(src, std::move(expected_sha256), max_size, options_.buffer_size);
}

}  // namespace pasaprod
