#include "audit/file_anchor.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <functional>
#include <string_view>
#include <system_error>
#include <utility>

#include "util/sha256.h"

namespace pasaprod::audit {
namespace {

constexpr std::size_t kKeySize = 32;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting failure (a failed close may mean lost data).
  void close_or_throw(const std::string& what) {
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) throw_errno(what);
  }

 private:
  int fd_;
};

// Reads the whole file; nullopt when it does not exist.
std::optional<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open " + path);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > 1 << 16) throw AnchorInvalid("anchor file too large: " + path);
  }
  return out;
}

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void fsync_dir_of(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("open directory " + dir.string());
  if (::fsync(fd.get()) != 0) throw_errno("fsync directory " + dir.string());
}

// Writes `data` to `path` atomically and durably: path.tmp, fsync, rename, fsync dir.
// REQUIRES: the caller holds the lock, so path.tmp is not written concurrently.
void replace_file(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw_errno("open " + tmp);
  write_all(fd.get(), data, tmp);
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp);
  fd.close_or_throw("close " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp);
  fsync_dir_of(path);
}

// Holds a flock on path for its lifetime. A shared lock on a missing file is no lock: nobody
// has advanced the anchor yet.
class FileLock {
 public:
  FileLock(const std::string& path, bool exclusive)
      : fd_(::open(path.c_str(), exclusive ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0600)) {
    if (fd_.get() < 0) {
      if (!exclusive && errno == ENOENT) return;
      throw_errno("open " + path);
    }
    while (::flock(fd_.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno != EINTR) throw_errno("flock " + path);
    }
  }  // the lock is released when fd_ closes

 private:
  Fd fd_;
};

constexpr std::size_t kSlotSize = 512;
constexpr std::size_t kFileSize = 2 * kSlotSize;

std::string signed_text(std::int64_t seq, const std::string& hash) {
  return std::to_string(seq) + " " + hash + "\n";
}

std::string mac(const std::string& key, const std::string& text) {
  return hmac_sha256_hex(key, "pasaprod-anchor-v1\n" + text);
}

std::string slot_bytes(const std::string& key, const AnchorHead& head) {
  const std::string line = signed_text(head.seq, head.hash);
  std::string slot = line + "hmac " + mac(key, line) + "\n";
  slot.resize(kSlotSize, '\0');
  return slot;
}

// The head in one slot; nullopt for an empty slot. Throws AnchorInvalid otherwise.
std::optional<AnchorHead> parse_slot(std::string_view slot, const std::function<std::string()>& key,
                                     const std::string& path) {
  const std::size_t used = slot.find('\0');
  const std::string_view text = slot.substr(0, used);
  if (used != std::string_view::npos && slot.find_first_not_of('\0', used) != std::string_view::npos) {
    throw AnchorInvalid("anchor slot is malformed: " + path);
  }
  if (text.empty()) return std::nullopt;
  const auto bad = [&](const char* why) { return AnchorInvalid(std::string(why) + ": " + path); };
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) throw bad("anchor file is malformed");
  const std::string head_line(text.substr(0, nl + 1));
  const std::string_view rest = text.substr(nl + 1);
  const std::size_t sp = head_line.find(' ');
  if (sp == std::string::npos) throw bad("anchor file is malformed");
  AnchorHead head;
  const char* first = head_line.data();
  auto [ptr, ec] = std::from_chars(first, first + sp, head.seq);
  if (ec != std::errc() || ptr != first + sp || head.seq <= 0) throw bad("anchor seq is malformed");
  head.hash = head_line.substr(sp + 1, head_line.size() - sp - 2);
  if (!is_sha256_hex(head.hash)) throw bad("anchor hash is malformed");
  if (rest.size() != 5 + 64 + 1 || rest.substr(0, 5) != "hmac " || rest.back() != '\n') {
    throw bad("anchor HMAC line is malformed");
  }
  // Constant time is not needed: the attacker can read the file anyway; only the key is secret.
  if (rest.substr(5, 64) != mac(key(), head_line)) {
    throw bad("anchor HMAC does not match: the anchor file was forged or edited");
  }
  return head;
}

}  // namespace

struct FileAnchor::Slots {
  std::optional<AnchorHead> slot[2];
  // The slot with the anchored head (the highest), or -1 when both are empty.
  int newest() const {
    if (!slot[0] && !slot[1]) return -1;
    if (!slot[1]) return 0;
    if (!slot[0]) return 1;
    return slot[1]->seq > slot[0]->seq ? 1 : 0;
  }
};

FileAnchor::FileAnchor(std::string path) : path_(std::move(path)), key_path_(path_ + ".key") {}

FileAnchor::FileAnchor(std::string path, std::string key_path)
    : path_(std::move(path)), key_path_(std::move(key_path)) {}

std::string FileAnchor::read_key(bool create) const {
  const std::string& key_path = key_path_;
  std::optional<std::string> key = read_file(key_path);
  if (key) {
    if (key->size() != kKeySize) throw AnchorInvalid("anchor key has the wrong size: " + key_path);
    return *key;
  }
  if (!create) throw AnchorInvalid("anchor key is missing: " + key_path);
  std::string fresh(kKeySize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), kKeySize) != 1) {
    throw std::runtime_error("RAND_bytes failed creating " + key_path);
  }
  replace_file(key_path, fresh);
  return fresh;
}

std::optional<FileAnchor::Slots> FileAnchor::read_slots() const {
  std::optional<std::string> bytes = read_file(path_);
  if (!bytes) return std::nullopt;
  if (bytes->size() != kFileSize) {
    throw AnchorInvalid("anchor file is malformed (" + std::to_string(bytes->size()) + " bytes, not " +
                        std::to_string(kFileSize) + "): " + path_);
  }
  std::optional<std::string> key;
  const auto key_once = [&] {
    if (!key) key = read_key(false);
    return *key;
  };
  Slots s;
  for (int i = 0; i < 2; ++i) {
    s.slot[i] = parse_slot(std::string_view(*bytes).substr(i * kSlotSize, kSlotSize), key_once, path_);
  }
  if (s.newest() < 0) throw AnchorInvalid("anchor file has no head: " + path_);
  return s;
}

std::optional<AnchorHead> FileAnchor::load() const {
  FileLock lock(path_ + ".lock", /*exclusive=*/false);
  std::optional<Slots> slots = read_slots();
  if (!slots) return std::nullopt;
  return slots->slot[slots->newest()];
}

void FileAnchor::advance(const AnchorHead& head) {
  if (head.seq <= 0 || !is_sha256_hex(head.hash)) {
    throw std::runtime_error("FileAnchor::advance: invalid head for " + path_);
  }
  FileLock lock(path_ + ".lock", /*exclusive=*/true);
  std::optional<Slots> slots = read_slots();
  const std::string key = read_key(/*create=*/!slots);
  if (!slots) {
    std::string bytes = slot_bytes(key, head);
    bytes.resize(kFileSize, '\0');
    replace_file(path_, bytes);
    return;
  }
  const int newest = slots->newest();
  if (slots->slot[newest]->seq >= head.seq) return;
  const int target = 1 - newest;
  Fd fd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("open " + path_);
  const std::string bytes = slot_bytes(key, head);
  const off_t offset = static_cast<off_t>(target * kSlotSize);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd.get(), bytes.data() + done, bytes.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path_);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0) throw_errno("fdatasync " + path_);
  fd.close_or_throw("close " + path_);
}

}  // namespace pasaprod::audit
