// Opens the store a location names, with the audit anchor above it.
//
//   auto store = open_store("data/pasaprod.db", &anchor, {});       // SQLite (a path)
//   auto store = open_store("sqlite:data/pasaprod.db", &anchor, {}); // the same
#pragma once

#include <memory>
#include <string>

#include "audit/anchor.h"
#include "storage/anchored_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace pasaprod {

struct StoreOptions {
  SqliteStore::Options sqlite;
  AnchoredStore::Options anchoring;
};

// `location`: a file path or "sqlite:PATH" (SQLite). `anchor` (not owned, may be null) must
// outlive the store. Errors: those of the backend's open; invalid_argument ("store.location")
// for a location no backend of this program reads.
Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor,
                                                  StoreOptions options);
inline Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor) {
  return open_store(location, anchor, StoreOptions());
}

}  // namespace pasaprod
