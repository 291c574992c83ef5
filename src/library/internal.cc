#include "library/internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace pasaprod::library_internal {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Error io_error(std::string_view action_es, std::string_view action_en,
               const std::filesystem::path& path, int err) {
  const char* reason = std::strerror(err);
  Error e = make_error(
      Code::internal, "library.io_error",
      fmt::format("No se pudo {} {} ({}). Revise el espacio libre, los permisos y el estado del "
                  "disco de la librería, y reintente.",
                  action_es, path.string(), reason),
      fmt::format("Could not {} {} ({}). Check the free space, permissions and health of the "
                  "library's disk, then retry.",
                  action_en, path.string(), reason));
  e.with("path", path.string()).with("errno", std::to_string(err));
  return e;
}

Error invalid_sha256(std::string_view text) {
  std::string shown(text.substr(0, 80));
  return make_error(Code::invalid_argument, "library.invalid_sha256",
                    fmt::format("«{}» no es un SHA-256 válido: debe tener 64 caracteres "
                                "hexadecimales en minúscula. Corrija el valor indicado.",
                                shown),
                    fmt::format("\"{}\" is not a valid SHA-256: it must be 64 lowercase "
                                "hexadecimal characters. Correct the value given.",
                                shown));
}

Error blob_not_found(std::string_view sha256) {
  Error e = make_error(
      Code::not_found, "library.not_found",
      fmt::format("La librería no tiene ningún archivo con SHA-256 {}. Revise el SHA-256 o "
                  "vuelva a subir el archivo.",
                  sha256),
      fmt::format("The library holds no file with SHA-256 {}. Check the SHA-256 or upload the "
                  "file again.",
                  sha256));
  e.with("sha256", std::string(sha256));
  return e;
}

Error too_large(std::int64_t max_size) {
  Error e = make_error(
      Code::too_large, "library.too_large",
      fmt::format("El archivo supera el tamaño máximo permitido de {} bytes. No se guardó nada; "
                  "envíe un archivo más pequeño o pida al administrador que aumente el límite.",
                  max_size),
      fmt::format("The file is over the maximum size allowed, {} bytes. Nothing was stored; "
                  "send a smaller file or ask the administrator to raise the limit.",
                  max_size));
  e.with("max_size", std::to_string(max_size));
  return e;
}

Error invalid_max_size(std::int64_t max_size) {
  return make_error(Code::invalid_argument, "library.invalid_max_size",
                    fmt::format("El tamaño máximo {} no es válido: debe ser 0 o más.", max_size),
                    fmt::format("The maximum size {} is not valid: it must be 0 or more.", max_size));
}

Error writer_closed() {
  return make_error(Code::failed_precondition, "library.writer_closed",
                    "Esta carga ya terminó (se confirmó o se canceló). Inicie una carga nueva.",
                    "This upload has already ended (committed or aborted). Start a new upload.");
}

Error digest_mismatch(const std::string& expected, const std::string& actual) {
  Error e = make_error(
      Code::failed_precondition, "library.digest_mismatch",
      fmt::format("El archivo recibido no coincide con el SHA-256 esperado: se esperaba {} y "
                  "se recibió {}. No se guardó nada; envíe el archivo correcto o corrija el "
                  "SHA-256 indicado.",
                  expected, actual),
      fmt::format("The file received does not match the expected SHA-256: expected {}, got "
                  "{}. Nothing was stored; send the right file or correct the SHA-256 given.",
                  expected, actual));
  e.with("expected", expected).with("actual", actual);
  return e;
}

Result<StoredBlob> finish_digest(Sha256& hash, std::int64_t size, const std::optional<std::string>& expected) {
  StoredBlob blob;
  blob.sha256 = hash.hex_digest();
  blob.size = size;
  if (expected && *expected != blob.sha256) return digest_mismatch(*expected, blob.sha256);
  return blob;
}

Error source_not_found(const std::filesystem::path& src) {
  Error e = make_error(Code::not_found, "library.source_not_found",
                       fmt::format("No existe el archivo {}. Revise la ruta indicada.", src.string()),
                       fmt::format("The file {} does not exist. Check the path given.", src.string()));
  e.with("path", src.string());
  return e;
}

int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

long read_some(int fd, char* buffer, std::size_t capacity) {
  for (;;) {
    ssize_t n = ::read(fd, buffer, capacity);
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

int fsync_dir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  if (::fsync(fd.get()) != 0) return errno;
  return 0;
}

Result<int> create_locked_file(const std::filesystem::path& dir, const std::string& prefix,
                               std::string_view action_es, std::string_view action_en,
                               std::filesystem::path* path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path candidate = dir / (prefix + random_hex());
    UniqueFd fd(::open(candidate.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (fd.get() < 0) {
      if (errno == EEXIST) continue;
      return io_error(action_es, action_en, dir, errno);
    }
    struct stat st;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 || ::fstat(fd.get(), &st) != 0 || st.st_nlink == 0) continue;
    *path = std::move(candidate);
    return fd.release();
  }
  return io_error(action_es, action_en, dir, EEXIST);
}

Result<int> lock_pins(const std::filesystem::path& root, int how) {
  const std::filesystem::path path = root / "pins.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return io_error("abrir", "open", path, errno);
  while (::flock(fd.get(), how) != 0) {
    if (errno != EINTR) return io_error("bloquear", "lock", path, errno);
  }
  return fd.release();
}

std::string random_hex() {
  std::random_device rd;
  std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd();
  return fmt::format("{:016x}", v);
}

}  // namespace pasaprod::library_internal
