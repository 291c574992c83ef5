// Opens the store a location names, with the audit anchor above it.
//
//   auto store = open_store("data/pasaprod.db", &anchor, {});       // SQLite (a path)
//   auto store = open_store("sqlite:data/pasaprod.db", &anchor, {}); // the same
//   auto store = open_store("postgresql://pasaprod@db/pasaprod", &anchor, {});  // PostgreSQL
#pragma once

#include <memory>
#include <string>

#include "audit/anchor.h"
#include "storage/anchored_store.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace pasaprod {

struct StoreOptions {
  SqliteStore::Options sqlite;
  PgStore::Options postgres;
  AnchoredStore::Options anchoring;
};

// invalid_argument "store.password_in_url" when the postgresql:// URL `url` carries a password
// (it would show in process lists and shell histories); ok otherwise.
Status refuse_password_in_url(const std::string& url);

// `location`: a file path or "sqlite:PATH" (SQLite), or a postgresql:// (postgres://) URL
// without a password (PostgreSQL; libpq reads the password from PGPASSFILE, ~/.pgpass or
// PGPASSWORD). `anchor` (not owned, may be null) must outlive the store. Errors: those of the
// backend's open; invalid_argument ("store.location") for a location no backend reads,
// ("store.password_in_url") for a URL that carries a password (it would show in process
// lists and shell histories).
Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor,
                                                  StoreOptions options);
inline Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor) {
  return open_store(location, anchor, StoreOptions());
}

}  // namespace pasaprod
