// An Office over local files: the SQLite database, the library beside it, and the audit
// anchor outside it.
//
//   data/pasaprod.db          the database (WAL: also -wal and -shm files)
//   data/pasaprod.db.anchor   the audit trail's head (and .key: its HMAC key, unless
//                             AnchorSettings::key_path puts it elsewhere)
//   data/pasaprod.db.dockey   the key of the generated documents' verification codes (mode
//                             0600, created on first open; keep it with the anchor key)
//   data/library/             the content-addressed library
#pragma once

#include <memory>
#include <string>

#include "audit/file_anchor.h"
#include "audit/tsa_witness.h"
#include "audit/witness.h"
#include "library/library.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"

namespace pasaprod {

// Where the audit anchor's key lives and who witnesses each anchored head (docs/audit.md).
struct AnchorSettings {
  std::string key_path;  // "" = <base>.anchor.key (see OfficeFiles)
  std::string witness;   // "" = none; "syslog" (/dev/log) or "syslog:SOCKET"
  // The time-stamp witness (audit/tsa_witness.h): the TSA's http(s) URL ("" = none), the
  // folder of its replies ("" = <base>.tsa) and the least time between two stamps.
  std::string tsa_url;
  std::string tsa_dir;
  int tsa_interval_s = 300;
  // Run the time-stamp witness in this process (serve). Other commands leave the stamping to
  // the server, which stamps at its start a head they moved.
  bool tsa_run = false;
};

// Where an office's files are. With a SQLite file the others sit beside it:
//   <db>.anchor, <db>.anchor.key, <db>.dockey, <db's folder>/library
// With a database that is not a file (a URL), they live in data_dir:
//   <data_dir>/pasaprod.anchor, .anchor.key, .dockey, <data_dir>/library
// `library` puts the library elsewhere: a folder every server node mounts, or a postgresql://
// URL (without a password) to keep the files in that database (library/postgres).
struct OfficeFiles {
  std::string db;        // a SQLite file path, or a location open_store reads
  std::string data_dir;  // "" = "data"
  std::string library;   // "" = the default above; a folder or a postgresql:// URL
  // The key of the documents' verification codes; "" = <base>.dockey. Servers that share a
  // database share this key too (a copy of one file), or a code issued by one does not verify
  // on another.
  std::string document_key;

  bool db_is_file() const { return db.find("://") == std::string::npos; }
  // The prefix of the anchor, key and document key files.
  std::string base() const;
  std::string library_dir() const;
  bool library_in_database() const { return library.starts_with("postgresql://") || library.starts_with("postgres://"); }
};

class LocalOffice {
 public:
  // Opens (creating if needed) the database at db_path and the files beside it.
  // invalid_argument when anchor.witness is not one of the forms above.
  static Result<std::unique_ptr<LocalOffice>> open(const OfficeFiles& files,
                                                   SqliteStore::Options options = SqliteStore::Options(),
                                                   const AnchorSettings& anchor = {},
                                                   AnchoredStore::Options anchoring = AnchoredStore::Options());

  Office& office() { return *office_; }
  AnchoredStore& store() { return *store_; }
  // The SQLite backend under store(); nullptr when the database is not SQLite.
  SqliteStore* sqlite() { return sqlite_; }
  BlobStore& library() { return *library_; }
  const std::string& db_path() const { return files_.db; }
  const OfficeFiles& files() const { return files_; }
  // Where the time-stamp witness keeps its replies, and the database name its statements give.
  const std::string& tsa_dir() const { return tsa_dir_; }
  std::string tsa_db_name() const;
  // The running time-stamp witness; nullptr when none runs in this process.
  const audit::TsaWitness* tsa() const { return tsa_.get(); }

 private:
  LocalOffice() = default;
  OfficeFiles files_;
  SystemClock clock_;
  ProcedureSet procedures_;
  std::string tsa_dir_;
  std::unique_ptr<audit::FileAnchor> anchor_;
  std::unique_ptr<audit::TsaWitness> tsa_;  // ends after store_ (its last anchoring) and before anchor_
  std::unique_ptr<audit::WitnessedAnchor> witnessed_;  // over anchor_, with the witnesses
  SqliteStore* sqlite_ = nullptr;  // the backend under store_
  std::unique_ptr<AnchoredStore> store_;
  std::unique_ptr<BlobStore> library_;
  std::unique_ptr<Office> office_;
};

// The secret in the file at `path`, created (32 random bytes as base64, mode 0600, written
// atomically) when absent; concurrent first opens agree on one key.
Result<std::string> load_or_create_key(const std::string& path);

// Default database path: $PASAPROD_DB, else ./data/pasaprod.db.
std::string default_db_path();

}  // namespace pasaprod
