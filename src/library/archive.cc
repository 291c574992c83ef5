#include "library/archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

namespace pasaprod {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::int64_t kMaxOctalSize = 077777777777;  // 11 octal digits: ~8 GiB
constexpr std::int64_t kMaxKept = std::int64_t{16} << 20;

std::uint64_t padded(std::uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

void put_octal(char* field, std::size_t width, std::uint64_t value) {
  // width-1 digits, zero-filled, then NUL.
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

std::string ustar_header(const std::string& name, std::uint64_t size, std::int64_t mtime, char type) {
  std::string h(kBlock, '\0');
  char* b = h.data();
  std::memcpy(b, name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(b + 100, 8, 0644);
  put_octal(b + 108, 8, 0);
  put_octal(b + 116, 8, 0);
  put_octal(b + 124, 12, size);
  put_octal(b + 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
  b[156] = type;
  std::memcpy(b + 257, "ustar", 6);  // magic "ustar\0"
  std::memcpy(b + 263, "00", 2);     // version
  std::memcpy(b + 265, "pasaprod", 8);
  std::memcpy(b + 297, "pasaprod", 8);
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put_octal(b + 148, 7, sum);  // six digits, NUL, then the space already there
  b[155] = ' ';
  return h;
}

// One pax record: "<len> key=value\n", where len counts the whole record.
std::string pax_record(const std::string& key, const std::string& value) {
  const std::size_t body = 1 + key.size() + 1 + value.size() + 1;
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

// The header blocks of one member: a pax header when the name or size does not fit ustar.
std::string headers_for(const TarEntry& e, std::int64_t mtime) {
  std::string pax;
  if (e.path.size() > 100) pax += pax_record("path", e.path);
  if (e.size > kMaxOctalSize) pax += pax_record("size", std::to_string(e.size));
  std::string out;
  if (!pax.empty()) {
    out += ustar_header("PaxHeaders/" + e.path.substr(0, 80), pax.size(), mtime, 'x');
    out += pax;
    out.resize(padded(out.size()), '\0');
  }
  out += ustar_header(e.path, e.size > kMaxOctalSize ? 0 : static_cast<std::uint64_t>(e.size), mtime, '0');
  return out;
}

Error blob_changed(const std::string& path) {
  return make_error(Code::data_loss, "archive.blob_changed",
                    "El archivo «" + path + "» de la librería no coincide con su SHA-256 registrado: ejecute «library verify».",
                    "The library file \"" + path + "\" does not match its recorded SHA-256: run \"library verify\".");
}

}  // namespace

TarEntry TarEntry::memory(std::string path, std::string content) {
  TarEntry e;
  e.path = std::move(path);
  e.size = static_cast<std::int64_t>(content.size());
  e.content = std::move(content);
  e.in_memory = true;
  return e;
}

TarEntry TarEntry::blob(std::string path, std::string sha256, std::int64_t size) {
  TarEntry e;
  e.path = std::move(path);
  e.sha256 = std::move(sha256);
  e.size = size;
  return e;
}

TarEntry TarEntry::file(std::string path, std::filesystem::path source, std::string sha256, std::int64_t size) {
  TarEntry e = blob(std::move(path), std::move(sha256), size);
  e.source = std::move(source);
  return e;
}

std::uint64_t tar_size(const std::vector<TarEntry>& entries) {
  std::uint64_t total = 2 * kBlock;  // the trailer: two zero blocks
  for (const auto& e : entries) total += headers_for(e, 0).size() + padded(static_cast<std::uint64_t>(e.size));
  return total;
}

TarStream::TarStream(const BlobStore& library, std::vector<TarEntry> entries, std::int64_t mtime)
    : library_(library), entries_(std::move(entries)), mtime_(mtime), size_(tar_size(entries_)) {}

namespace {
// A file entry's source opened as a BlobReader of the size recorded (a changed size is caught
// like a changed blob).
Result<std::unique_ptr<BlobReader>> open_source(const TarEntry& e) {
  int fd = ::open(e.source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(Code::internal, "archive.open", "No se puede abrir " + e.source.string() + ": " + std::strerror(errno),
                      "Cannot open " + e.source.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(e.source, ec);
  return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(fd, ec ? -1 : static_cast<std::int64_t>(size)));
}
}  // namespace

Status TarStream::start_entry() {
  pending_pos_ = 0;
  if (index_ == entries_.size()) {
    pending_.assign(2 * kBlock, '\0');
    phase_ = Phase::trailer;
    return ok_status();
  }
  const TarEntry& e = entries_[index_];
  pending_ = headers_for(e, mtime_);
  data_left_ = e.size;
  data_pos_ = 0;
  padding_left_ = padded(static_cast<std::uint64_t>(e.size)) - static_cast<std::uint64_t>(e.size);
  if (!e.in_memory) {
    Result<std::unique_ptr<BlobReader>> r = e.source.empty() ? library_.open_read(e.sha256) : open_source(e);
    if (!r) return r.error();
    if ((*r)->size() != e.size) return blob_changed(e.path);
    blob_ = std::move(*r);
    hash_ = std::make_unique<Sha256>();
  }
  return ok_status();
}

Result<std::size_t> TarStream::read(char* buffer, std::size_t capacity) {
  std::size_t got = 0;
  while (got < capacity && phase_ != Phase::done) {
    switch (phase_) {
      case Phase::header:
      case Phase::trailer: {
        if (pending_.empty()) {
          if (Status s = start_entry(); !s) return s.error();
        }
        const std::size_t n = std::min(capacity - got, pending_.size() - pending_pos_);
        std::memcpy(buffer + got, pending_.data() + pending_pos_, n);
        got += n;
        pending_pos_ += n;
        if (pending_pos_ == pending_.size()) {
          pending_.clear();
          phase_ = phase_ == Phase::trailer ? Phase::done : Phase::data;
        }
        break;
      }
      case Phase::data: {
        const TarEntry& e = entries_[index_];
        const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(data_left_, static_cast<std::int64_t>(capacity - got)));
        if (want > 0) {
          std::size_t n = 0;
          if (e.in_memory) {
            std::memcpy(buffer + got, e.content.data() + data_pos_, want);
            n = want;
          } else {
            auto r = blob_->read(buffer + got, want);
            if (!r) return r.error();
            if (*r == 0) return blob_changed(e.path);  // shorter than recorded
            n = *r;
            hash_->update(buffer + got, n);
          }
          got += n;
          data_pos_ += static_cast<std::int64_t>(n);
          data_left_ -= static_cast<std::int64_t>(n);
        }
        if (data_left_ == 0) {
          if (!e.in_memory) {
            const bool intact = hash_->hex_digest() == e.sha256;
            blob_.reset();
            hash_.reset();
            if (!intact) return blob_changed(e.path);
          }
          phase_ = Phase::padding;
        }
        break;
      }
      case Phase::padding: {
        const std::size_t n = std::min(capacity - got, padding_left_);
        std::memset(buffer + got, 0, n);
        got += n;
        padding_left_ -= n;
        if (padding_left_ == 0) {
          ++index_;
          phase_ = Phase::header;
        }
        break;
      }
      case Phase::done: break;
    }
  }
  return got;
}

// --- Reading -------------------------------------------------------------------------------

namespace {

Error malformed(const std::string& why_es, const std::string& why_en) {
  return make_error(Code::invalid_argument, "archive.malformed", "El archivo no es un tar válido: " + why_es + ".",
                    "The file is not a valid tar archive: " + why_en + ".");
}

// Reads exactly `size` bytes; false on end of file or error.
bool read_full(int fd, char* buf, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string field(const char* b, std::size_t width) { return std::string(b, strnlen(b, width)); }

std::optional<std::int64_t> parse_number(const char* b, std::size_t width) {
  const auto* u = reinterpret_cast<const unsigned char*>(b);
  if (u[0] & 0x80) {  // base-256 (GNU); a value beyond int64 is unreadable
    std::int64_t v = u[0] & 0x3f;
    for (std::size_t i = 1; i < width; ++i) {
      if (v > (std::numeric_limits<std::int64_t>::max() >> 8)) return std::nullopt;
      v = (v << 8) | u[i];
    }
    return v;
  }
  std::int64_t v = 0;
  bool any = false;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = b[i];
    if (c == ' ' && !any) continue;
    if (c < '0' || c > '7') break;
    v = v * 8 + (c - '0');
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

// A whole decimal number ("123"): digits only, no sign, no spaces; nullopt otherwise or when it
// does not fit.
template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || text[0] == '-' || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::vector<TarMember>> scan_tar(const std::filesystem::path& path,
                                        const std::function<bool(const std::string&, std::int64_t)>& keep) {
  return scan_tar(path, keep, TarDataSink{});
}

Result<std::vector<TarMember>> scan_tar(const std::filesystem::path& path,
                                        const std::function<bool(const std::string&, std::int64_t)>& keep,
                                        const TarDataSink& sink) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    return make_error(errno == ENOENT ? Code::not_found : Code::internal, "archive.open",
                      "No se puede abrir " + path.string() + ": " + std::strerror(errno),
                      "Cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::vector<TarMember> out;
  std::vector<char> buf(64 << 10);
  char h[kBlock];
  std::optional<std::string> next_path;
  std::int64_t next_size = -1;  // from a pax header; -1 = none
  for (;;) {
    if (!read_full(f.fd, h, kBlock)) {
      if (out.empty()) return malformed("está vacío o cortado", "it is empty or cut short");
      break;  // a missing trailer is tolerated, as tar does
    }
    if (std::all_of(h, h + kBlock, [](char c) { return c == 0; })) break;
    unsigned sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    auto recorded = parse_number(h + 148, 8);
    if (!recorded || static_cast<unsigned>(*recorded) != sum) return malformed("suma de control de cabecera errónea", "bad header checksum");
    auto size = parse_number(h + 124, 12);
    if (!size || *size < 0) return malformed("tamaño ilegible", "unreadable size");
    const char type = h[156];
    std::string name = field(h, 100);
    if (std::memcmp(h + 257, "ustar", 5) == 0) {
      const std::string prefix = field(h + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    std::int64_t length = *size;
    if (type == 'x' || type == 'g' || type == 'L') {  // pax / GNU long-name headers: read whole
      if (length > (1 << 20)) return malformed("cabecera extendida demasiado grande", "extended header too large");
      std::string data(static_cast<std::size_t>(padded(static_cast<std::uint64_t>(length))), '\0');
      if (!read_full(f.fd, data.data(), data.size())) return malformed("cortado", "cut short");
      data.resize(static_cast<std::size_t>(length));
      if (type == 'L') {
        next_path = field(data.data(), data.size());
      } else if (type == 'x') {
        // Records: "LEN KEY=VALUE\n", LEN counting the whole record, its own digits included.
        std::size_t pos = 0;
        while (pos < data.size()) {
          const std::size_t sp = data.find(' ', pos);
          if (sp == std::string::npos) break;
          const auto len = parse_decimal<std::size_t>(std::string_view(data).substr(pos, sp - pos));
          if (!len || *len <= sp + 1 - pos || *len > data.size() - pos || data[pos + *len - 1] != '\n') {
            return malformed("registro pax erróneo", "bad pax record");
          }
          const std::string rec = data.substr(sp + 1, *len - (sp + 1 - pos) - 1);
          const std::size_t eq = rec.find('=');
          if (eq != std::string::npos) {
            if (rec.substr(0, eq) == "path") next_path = rec.substr(eq + 1);
            if (rec.substr(0, eq) == "size") {
              const auto v = parse_decimal<std::int64_t>(std::string_view(rec).substr(eq + 1));
              if (!v) return malformed("tamaño pax ilegible", "unreadable pax size");
              next_size = *v;
            }
          }
          pos += *len;
        }
      }
      continue;
    }
    if (next_path) name = *next_path;
    if (next_size >= 0) length = next_size;
    next_path.reset();
    next_size = -1;
    TarMember m;
    m.path = name;
    m.size = length;
    const bool regular = type == '0' || type == '\0' || type == '7';
    const bool kept = regular && length <= kMaxKept && keep && keep(name, length);
    if (kept) m.content.emplace();
    if (regular && sink) {
      if (Status st = sink(name, nullptr, 0); !st) return st.error();
    }
    Sha256 hash;
    std::uint64_t left = padded(static_cast<std::uint64_t>(length));
    std::int64_t data_left = length;
    while (left > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
      if (!read_full(f.fd, buf.data(), n)) return malformed("el miembro «" + name + "» está cortado", "member \"" + name + "\" is cut short");
      const std::size_t data = static_cast<std::size_t>(std::min<std::int64_t>(data_left, static_cast<std::int64_t>(n)));
      if (regular) hash.update(buf.data(), data);
      if (regular && sink && data > 0) {
        if (Status st = sink(name, buf.data(), data); !st) return st.error();
      }
      if (kept) m.content->append(buf.data(), data);
      data_left -= static_cast<std::int64_t>(data);
      left -= n;
    }
    if (type == '5') continue;  // directory
    if (regular) m.sha256 = hash.hex_digest();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pasaprod
