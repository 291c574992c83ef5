// The SQLite schema and its migrations, in one place.
//
// The database records the migrations applied in table schema_version (one row per version).
// migrate() applies the pending ones in order, each in its own transaction, so a crash leaves
// the schema at a well-defined version; several processes may call it at once.
//
// Adding a table or column: append a Migration to the list in schema.cc with the next
// version number. Never edit a migration that has shipped.
#pragma once

#include <span>

#include "core/status.h"
#include "storage/sqlite/db.h"

namespace pasaprod::sqlite {

struct Migration {
  int version;              // 1, 2, 3, ... consecutive
  const char* description;  // what it adds, for the schema_version row
  const char* sql;          // parameterless DDL, possibly several statements
};

// Every migration, oldest first.
std::span<const Migration> migrations();

// The highest migration version this binary knows.
int latest_schema_version();

// The version the database is at (0 for a new, empty database).
int schema_version(Connection& db);

// Brings the database to latest_schema_version(). failed_precondition when the database is at
// a newer version than this binary knows; throws SqliteError on I/O failure.
// REQUIRES: no transaction open on db.
Status migrate(Connection& db);

}  // namespace pasaprod::sqlite
