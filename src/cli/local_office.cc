#include "cli/local_office.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/credentials.h"
#include "library/postgres/pg_blob_store.h"

namespace pasaprod {

std::string default_db_path() {
  const char* env = std::getenv("PASAPROD_DB");
  return env && *env ? env : "data/pasaprod.db";
}

Result<std::string> load_or_create_key(const std::string& path) {
  auto io_error = [&](const std::string& what) {
    return make_error(Code::internal, "document_key.io", "No se pudo " + what + " la clave de documentos " + path + ": " + std::strerror(errno),
                      "Could not " + (what == "leer" ? std::string("read") : std::string("create")) + " the document key " + path + ": " +
                          std::strerror(errno));
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      std::string key = ss.str();
      while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
      if (key.size() < 16) {
        return make_error(Code::data_loss, "document_key.invalid", "La clave de documentos " + path + " está dañada.",
                          "The document key " + path + " is damaged.");
      }
      return key;
    }
    // Create it: write a temporary, then link it into place (fails if another process won).
    auth::init();
    const std::string key = auth::random_secret(32) + "\n";
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("crear");
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(tmp.c_str());
      return io_error("crear");
    }
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && link_errno != EEXIST) return io_error("crear");
  }
  return io_error("leer");
}

std::string OfficeFiles::base() const {
  if (db_is_file()) return db;
  return (std::filesystem::path(data_dir.empty() ? "data" : data_dir) / "pasaprod").string();
}

std::string LocalOffice::tsa_db_name() const { return std::filesystem::path(files_.base()).filename().string(); }

std::string OfficeFiles::library_dir() const {
  if (!library.empty()) return library;
  namespace fs = std::filesystem;
  if (!db_is_file()) return (fs::path(data_dir.empty() ? "data" : data_dir) / "library").string();
  const fs::path p(db);
  return ((p.has_parent_path() ? p.parent_path() : fs::path(".")) / "library").string();
}

Result<std::unique_ptr<LocalOffice>> LocalOffice::open(const OfficeFiles& files,
                                                       SqliteStore::Options options,
                                                       const AnchorSettings& anchor,
                                                       AnchoredStore::Options anchoring) {
  std::unique_ptr<LocalOffice> lo(new LocalOffice());
  lo->files_ = files;
  namespace fs = std::filesystem;
  const std::string base = files.base();
  const fs::path folder = fs::path(base).has_parent_path() ? fs::path(base).parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    return make_error(Code::internal, "data_dir.create", "No se pudo crear la carpeta " + folder.string() + ": " + ec.message(),
                      "Could not create the folder " + folder.string() + ": " + ec.message());
  }
  lo->procedures_ = ProcedureSet::builtin();
  lo->anchor_ = std::make_unique<audit::FileAnchor>(base + ".anchor",
                                                    anchor.key_path.empty() ? base + ".anchor.key" : anchor.key_path);
  AuditAnchor* store_anchor = lo->anchor_.get();
  lo->tsa_dir_ = anchor.tsa_dir.empty() ? base + ".tsa" : anchor.tsa_dir;
  std::vector<audit::Witness> witnesses;  // the time-stamp witness's first: its notify never throws
  if (!anchor.tsa_url.empty() && anchor.tsa_run) {
    const std::string& url = anchor.tsa_url;
    const std::size_t host = url.find("://") + 3;
    const bool userinfo = url.substr(0, url.find('/', host)).find('@', host) != std::string::npos;  // shown in argv and logs
    if (!(url.starts_with("http://") || url.starts_with("https://")) || userinfo || anchor.tsa_interval_s < 1) {
      return make_error(Code::invalid_argument, "anchor.tsa",
                        "Autoridad de sellado de tiempo inválida: use una URL http:// o https:// sin usuario ni contraseña y "
                        "un intervalo de al menos 1 s.",
                        "Invalid time-stamp authority: use an http:// or https:// URL without a user or password and an "
                        "interval of at least 1 s.");
    }
    audit::TsaOptions tsa{.url = anchor.tsa_url, .dir = lo->tsa_dir_, .db_name = lo->tsa_db_name()};
    tsa.interval = std::chrono::seconds(anchor.tsa_interval_s);
    lo->tsa_ = std::make_unique<audit::TsaWitness>(std::move(tsa), [file = lo->anchor_.get()] { return file->load(); });
    witnesses.push_back([t = lo->tsa_.get()](const AnchorHead&) { t->notify(); });
  }
  if (!anchor.witness.empty()) {
    std::string socket;
    if (anchor.witness == "syslog") {
      socket = "/dev/log";
    } else if (anchor.witness.starts_with("syslog:") && anchor.witness.size() > 7) {
      socket = anchor.witness.substr(7);
    } else {
      return make_error(Code::invalid_argument, "anchor.witness",
                        "Testigo de auditoría desconocido: «" + anchor.witness + "»; use syslog o syslog:SOCKET.",
                        "Unknown audit witness \"" + anchor.witness + "\"; use syslog or syslog:SOCKET.");
    }
    witnesses.push_back(audit::syslog_witness(socket, lo->tsa_db_name()));
  }
  if (!witnesses.empty()) {
    lo->witnessed_ = std::make_unique<audit::WitnessedAnchor>(*lo->anchor_, [ws = std::move(witnesses)](const AnchorHead& head) {
      for (const audit::Witness& w : ws) w(head);
    });
    store_anchor = lo->witnessed_.get();
  }
  StoreOptions store_options;
  store_options.sqlite = std::move(options);
  store_options.anchoring = anchoring;
  auto store = open_store(files.db, store_anchor, store_options);
  if (!store) return store.error();
  lo->store_ = std::move(*store);
  lo->sqlite_ = dynamic_cast<SqliteStore*>(&lo->store_->backend());
  if (files.library_in_database()) {
    if (Status st = refuse_password_in_url(files.library); !st) return st.error();
    auto blobs = PgBlobStore::open(files.library);
    if (!blobs) return blobs.error();
    lo->library_ = std::move(*blobs);
  } else try {
    // Small blobs in root/small.db only when the store is a SQLite file: SQLite's log needs
    // every user on one host, and an office on PostgreSQL may share the folder between nodes.
    LibraryOptions library_options;
    if (!files.db_is_file()) library_options.small_blob_max = 0;
    lo->library_ = std::make_unique<Library>(files.library_dir(), library_options);
  } catch (const std::exception& e) {
    return make_error(Code::internal, "library.open", std::string("No se pudo abrir la librería: ") + e.what(),
                      std::string("Could not open the library: ") + e.what());
  }
  lo->office_ = std::make_unique<Office>(*lo->store_, *lo->library_, lo->clock_, lo->procedures_);
  // An edition that no longer loads leaves its requests refused (procedure.unknown_edition),
  // not the whole office: say so and go on.
  if (Status editions = lo->office_->refresh_editions(); !editions) {
    std::cerr << "pasaprod: " << editions.error().es << " / " << editions.error().en << "\n";
  }
  // A process killed between storing an upload's or a document's blob and recording it left a
  // marker: give the blob back (unless recorded) before anything looks at the library.
  if (auto recovered = lo->office_->recover_interrupted_uploads(); !recovered) {
    return recovered.error();
  } else if (*recovered > 0) {
    // On stderr: stdout may be JSON (--json).
    std::cerr << "pasaprod: " << *recovered << " archivo(s) de subidas o documentos interrumpidos recuperado(s) / interrupted upload(s) or document(s) recovered\n";
  }
  // Windows recorded before the store kept spans get theirs. Not fatal: until it succeeds, the
  // calendar only misses those windows, and refusing to open would also keep `audit verify`
  // from telling why a write failed.
  if (auto filled = lo->office_->fill_window_spans(); !filled) {
    std::cerr << "pasaprod: las ventanas registradas antes no se ubicaron en el calendario: " << filled.error().es
              << " / windows recorded earlier were not placed on the calendar: " << filled.error().en << "\n";
  }
  auto key = load_or_create_key(files.document_key.empty() ? base + ".dockey" : files.document_key);
  if (!key) return key.error();
  lo->office_->set_document_key(std::move(*key));
  if (lo->tsa_) lo->tsa_->start();
  return lo;
}

}  // namespace pasaprod
