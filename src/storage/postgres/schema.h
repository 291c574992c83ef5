// The PostgreSQL schema and its migrations, in one place.
//
// Versions are those of the SQLite schema (storage/sqlite/schema.cc): a PostgreSQL database
// at version N has the tables, columns and meaning of a SQLite database at version N. The
// PostgreSQL backend starts at 13, so its first migration creates version 13 whole; a later
// change adds the same next version to both backends.
//
// The database records the migrations applied in table schema_version (one row per version).
// migrate() applies the pending ones in one transaction holding a transaction-level advisory
// lock (kMigrationLock), so nodes starting at once apply each migration exactly once: the
// others wait, then find nothing to do.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "storage/postgres/pg.h"

namespace pasaprod::postgres {

struct Migration {
  int version;                              // consecutive from 13
  const char* description;                  // what it adds, for the schema_version row
  std::span<const char* const> statements;  // parameterless DDL, one statement each
};

// The advisory lock key migrate() holds (pg_advisory_xact_lock): "pasaprod" in ASCII.
inline constexpr std::int64_t kMigrationLock = 0x7061736170726f64;

// The body of audit_events_append_only(), the function the append-only triggers of
// audit_events call, exactly as the schema creates it (PgStore::check_append_only_triggers).
inline constexpr const char* kAppendOnlyBody = "\nBEGIN\n  RAISE EXCEPTION 'audit events are append-only';\nEND\n";

// Every migration, oldest first.
std::span<const Migration> migrations();

// The highest migration version this binary knows.
int latest_schema_version();

// The version the database is at (0 for a database without pasaprod's tables).
int schema_version(pg::Connection& db);

// Brings the database to latest_schema_version(). failed_precondition ("store.schema_newer")
// when the database is at a newer version than this binary knows, with nothing changed;
// throws PgError when the database refuses.
// REQUIRES: no transaction open on db.
Status migrate(pg::Connection& db);

}  // namespace pasaprod::postgres
