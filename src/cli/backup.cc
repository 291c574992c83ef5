#include "cli/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/time.h"
#include "library/archive.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kManifest = "MANIFEST.json";
constexpr const char* kFormat = "pasaprod-backup";
constexpr int kVersion = 1;
constexpr std::int64_t kMaxKeyBytes = 1 << 20;  // anchor, keys: small files

Error io_error(const std::string& es, const std::string& en, const fs::path& p, int err) {
  return make_error(Code::internal, "backup.io", es + " " + p.string() + ": " + std::strerror(err),
                    en + " " + p.string() + ": " + std::strerror(err))
      .with("path", p.string());
}

Error damaged(const fs::path& archive, const std::string& es, const std::string& en) {
  return make_error(Code::data_loss, "backup.damaged",
                    "La copia de seguridad " + archive.string() + " está dañada, incompleta o no es de pasaprod (" + es +
                        "); no se restauró nada.",
                    "The backup " + archive.string() + " is damaged, incomplete or not a pasaprod backup (" + en +
                        "); nothing was restored.")
      .with("path", archive.string());
}

// The whole (small) file, or nullopt when it does not exist.
Result<std::optional<std::string>> read_small(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    if (!fs::exists(p)) return std::optional<std::string>();
    return io_error("No se puede leer", "Cannot read", p, errno);
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (static_cast<std::int64_t>(data.size()) > kMaxKeyBytes) return io_error("Demasiado grande:", "Too large:", p, EFBIG);
  return std::optional<std::string>(std::move(data));
}

std::string digest(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

Result<std::string> digest_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return io_error("No se puede leer", "Cannot read", p, errno);
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return h.hex_digest();
}

// A temporary folder beside `near`, removed on destruction unless kept.
class TempFolder {
 public:
  static Result<TempFolder> beside(const fs::path& near, const std::string& tag) {
    fs::path parent = near.has_parent_path() ? near.parent_path() : fs::path(".");
    std::string templ = (parent / ("." + near.filename().string() + "." + tag + "-XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr) return io_error("No se puede crear una carpeta junto a", "Cannot create a folder beside", near, errno);
    return TempFolder(templ);
  }
  TempFolder(TempFolder&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ~TempFolder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void keep() { path_.clear(); }

 private:
  explicit TempFolder(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

bool is_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The members an archive may hold besides library/<sha256>.
const std::set<std::string> kOfficeFiles = {"pasaprod.db", "pasaprod.db.anchor", "pasaprod.db.anchor.key", "pasaprod.db.dockey"};

Status sync_folder(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("No se puede abrir", "Cannot open", dir, errno);
  ::fsync(fd);
  ::close(fd);
  return ok_status();
}

}  // namespace

Result<BackupSummary> write_backup(LocalOffice& lo, const Caller& by, const std::string& anchor_key_path,
                                   const fs::path& out, const BackupProgress& progress) {
  if (fs::exists(out)) {
    return make_error(Code::already_exists, "backup.exists", "Ya existe " + out.string() + "; elija otro nombre.",
                      out.string() + " already exists; choose another name.")
        .with("path", out.string());
  }
  if (lo.sqlite() == nullptr || lo.files().library_in_database()) {  // the files in PostgreSQL too
    return make_error(Code::failed_precondition, "backup.not_sqlite",
                      "«backup create» copia una base de datos SQLite. Con PostgreSQL, respalde la base de datos con las "
                      "herramientas de PostgreSQL (pg_dump, o su réplica) y copie la carpeta de datos de cada servidor "
                      "(anclas y claves) y la librería; vea docs/postgresql.md.",
                      "\"backup create\" copies a SQLite database. With PostgreSQL, back the database up with PostgreSQL's "
                      "tools (pg_dump, or its replica) and copy each server's data folder (anchors and keys) and the "
                      "library; see docs/postgresql.md.");
  }
  const std::string base = lo.files().base();
  auto tmp = TempFolder::beside(out, "backup");
  if (!tmp) return tmp.error();

  // The anchor first, then the database: the copy is then at or past the anchored head, as
  // the store requires of a database beside its anchor.
  const std::string dockey = lo.files().document_key.empty() ? base + ".dockey" : lo.files().document_key;
  std::vector<std::pair<std::string, fs::path>> small = {{"pasaprod.db.anchor", base + ".anchor"},
                                                         {"pasaprod.db.anchor.key", anchor_key_path},
                                                         {"pasaprod.db.dockey", dockey}};
  std::vector<TarEntry> entries;
  for (const auto& [name, path] : small) {
    auto data = read_small(path);
    if (!data) return data.error();
    if (*data) entries.push_back(TarEntry::memory(name, std::move(**data)));
  }
  const fs::path copy = tmp->path() / "pasaprod.db";
  if (Status st = lo.sqlite()->copy_to(copy.string()); !st) return st.error();
  std::vector<std::string> blobs;
  int schema = 0;
  {
    auto opened = SqliteStore::open(copy.string());
    if (!opened) return opened.error();
    Status st = (*opened)->read([&](ReadTx& tx) {
      blobs = tx.referenced_blobs();
      schema = tx.schema_version();
      return ok_status();
    });
    if (!st) return st.error();
  }  // closed: the copy's WAL is checkpointed into the file
  auto db_sha = digest_file(copy);
  if (!db_sha) return db_sha.error();
  entries.insert(entries.begin(), TarEntry::file("pasaprod.db", copy, *db_sha, static_cast<std::int64_t>(fs::file_size(copy))));
  std::int64_t library_files = 0;
  for (const std::string& sha : blobs) {
    auto size = lo.library().size_of(sha);
    if (!size) return size.error();
    entries.push_back(TarEntry::blob("library/" + sha, sha, *size));
    ++library_files;
  }
  json files = json::array();
  for (auto& e : entries) {
    if (e.in_memory) e.sha256 = digest(e.content);
    files.push_back({{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}});
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  json manifest = {{"format", kFormat},     {"version", kVersion}, {"created_at", format_iso(now_ms)},
                   {"schema_version", schema}, {"files", files}};
  entries.insert(entries.begin(), TarEntry::memory(kManifest, manifest.dump(1) + "\n"));

  TarStream tar(lo.library(), entries, now_ms / 1000);
  const fs::path partial = tmp->path() / "archive.tar";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("No se puede crear", "Cannot create", partial, errno);
  std::vector<char> buf(1 << 20);
  std::uint64_t done = 0;
  Sha256 digest;
  for (;;) {
    auto n = tar.read(buf.data(), buf.size());
    if (!n) {
      ::close(fd);
      return n.error();
    }
    if (*n == 0) break;
    for (std::size_t off = 0; off < *n;) {
      ssize_t w = ::write(fd, buf.data() + off, *n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        int err = errno;
        ::close(fd);
        return io_error("No se puede escribir", "Cannot write", out, err);
      }
      off += static_cast<std::size_t>(w);
    }
    digest.update(buf.data(), *n);
    done += *n;
    if (progress) progress(done, tar.size());
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return io_error("No se puede guardar", "Cannot save", out, errno);
  if (::link(partial.c_str(), out.c_str()) != 0) return io_error("No se puede crear", "Cannot create", out, errno);
  if (Status st = sync_folder(out.has_parent_path() ? out.parent_path() : fs::path(".")); !st) return st.error();
  BackupSummary summary{static_cast<std::int64_t>(entries.size()), library_files, done, digest.hex_digest()};
  const nlohmann::json archive = {{"file", fs::absolute(out).lexically_normal().string()},
                                  {"bytes", summary.bytes},
                                  {"sha256", summary.sha256},
                                  {"library_files", summary.library_files}};
  if (Status st = lo.office().record_backup(by, archive); !st) return st.error();
  return summary;
}

Result<BackupSummary> restore_backup(const fs::path& archive, const fs::path& into_arg, const BackupProgress& progress) {
  // "DIR/" names DIR: the temporary folder goes beside it, never inside.
  const fs::path into = into_arg.has_filename() ? into_arg : into_arg.parent_path();
  std::error_code ec;
  if (fs::exists(into, ec) && !(fs::is_directory(into, ec) && fs::is_empty(into, ec))) {
    return make_error(Code::already_exists, "backup.target_not_empty",
                      into.string() + " ya existe y no está vacía; restaure en una carpeta nueva.",
                      into.string() + " exists and is not empty; restore into a new folder.")
        .with("path", into.string());
  }
  if (!fs::exists(archive, ec)) {
    return make_error(Code::not_found, "backup.not_found", "No existe " + archive.string() + ".",
                      archive.string() + " does not exist.");
  }
  auto tmp = TempFolder::beside(into, "restore");
  if (!tmp) return tmp.error();
  const fs::path staging = tmp->path() / "staging";
  fs::create_directories(staging / "library");
  const std::uint64_t total = fs::file_size(archive, ec);

  // Extract every member to staging/ while reading it; only names a backup holds are accepted.
  std::set<std::string> seen;
  std::optional<Error> refusal;
  int fd = -1;
  std::uint64_t done = 0;
  auto close_current = [&] {
    if (fd >= 0) ::close(fd);
    fd = -1;
  };
  TarDataSink sink = [&](const std::string& path, const char* data, std::size_t size) -> Status {
    if (data == nullptr) {
      close_current();
      const bool library = path.starts_with("library/") && is_sha256(std::string_view(path).substr(8));
      if (path != kManifest && !library && !kOfficeFiles.contains(path)) {
        refusal = damaged(archive, "miembro inesperado «" + path + "»", "unexpected member \"" + path + "\"");
        return *refusal;
      }
      if (!seen.insert(path).second) {
        refusal = damaged(archive, "miembro repetido «" + path + "»", "repeated member \"" + path + "\"");
        return *refusal;
      }
      const fs::path dest = staging / path;
      fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) return io_error("No se puede crear", "Cannot create", dest, errno);
      return ok_status();
    }
    for (std::size_t off = 0; off < size;) {
      ssize_t w = ::write(fd, data + off, size - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_error("No se puede escribir", "Cannot write", staging / path, errno);
      off += static_cast<std::size_t>(w);
    }
    done += size;
    if (progress) progress(done, total);
    return ok_status();
  };
  auto members = scan_tar(archive, [](const std::string& p, std::int64_t) { return p == kManifest; }, sink);
  close_current();
  if (!members) {
    if (refusal || members.error().id == "archive.malformed") {
      return refusal ? *refusal : damaged(archive, members.error().es, members.error().en);
    }
    return members.error();
  }

  // The manifest names every member with its digest and size; nothing more, nothing less.
  const TarMember* manifest_member = nullptr;
  std::map<std::string, const TarMember*> by_path;
  for (const TarMember& m : *members) {
    if (m.path == kManifest) manifest_member = &m;
    else by_path[m.path] = &m;
  }
  if (manifest_member == nullptr || !manifest_member->content) return damaged(archive, "falta MANIFEST.json", "MANIFEST.json is missing");
  json manifest = json::parse(*manifest_member->content, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || manifest.value("format", "") != kFormat ||
      !manifest.contains("files") || !manifest["files"].is_array()) {
    return damaged(archive, "MANIFEST.json ilegible", "unreadable MANIFEST.json");
  }
  if (manifest.value("version", 0) != kVersion) {
    return damaged(archive, "versión de formato desconocida", "unknown format version");
  }
  std::set<std::string> listed;
  for (const json& f : manifest["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("sha256") || !f["sha256"].is_string() ||
        !f.contains("size") || !f["size"].is_number_integer()) {
      return damaged(archive, "entrada de MANIFEST.json ilegible", "unreadable MANIFEST.json entry");
    }
    const std::string path = f["path"];
    auto it = by_path.find(path);
    if (it == by_path.end()) return damaged(archive, "falta «" + path + "»", "\"" + path + "\" is missing");
    if (it->second->sha256 != f["sha256"].get<std::string>() || it->second->size != f["size"].get<std::int64_t>()) {
      return damaged(archive, "«" + path + "» no coincide con su SHA-256", "\"" + path + "\" does not match its SHA-256");
    }
    if (path.starts_with("library/") && path.substr(8) != it->second->sha256) {
      return damaged(archive, "«" + path + "» no coincide con su nombre", "\"" + path + "\" does not match its name");
    }
    listed.insert(path);
  }
  for (const auto& [path, m] : by_path) {
    if (!listed.contains(path)) return damaged(archive, "«" + path + "» no figura en MANIFEST.json", "\"" + path + "\" is not in MANIFEST.json");
  }
  if (!listed.contains("pasaprod.db")) return damaged(archive, "falta la base de datos", "the database is missing");

  // Into place: the library through Library (its own layout, digests checked once more).
  BackupSummary summary;
  {
    Library library(tmp->path() / "library");
    for (const std::string& path : listed) {
      if (!path.starts_with("library/")) continue;
      auto added = library.add_file(staging / path, path.substr(8), Library::kNoLimit);
      if (!added) return added.error();
      fs::remove(staging / path, ec);
      ++summary.library_files;
    }
  }
  for (const std::string& name : kOfficeFiles) {
    if (listed.contains(name)) fs::rename(staging / name, tmp->path() / name);
  }
  fs::remove_all(staging, ec);
  if (Status st = sync_folder(tmp->path()); !st) return st.error();
  if (fs::exists(into, ec)) fs::remove(into, ec);  // the empty folder checked above
  fs::rename(tmp->path(), into, ec);
  if (ec) return io_error("No se puede crear", "Cannot create", into, ec.value());
  tmp->keep();
  summary.files = static_cast<std::int64_t>(members->size());
  summary.bytes = total;
  return summary;
}

}  // namespace pasaprod
