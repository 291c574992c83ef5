#include "storage/postgres/schema.h"

#include <fmt/format.h>

#include <array>
#include <string>

namespace pasaprod::postgres {
namespace {

// Version 13: what SQLite's versions 1-13 make, as PostgreSQL DDL (see storage/sqlite/schema.cc
// for what each table is for). Differences, each for a reason:
//   - Timestamps and counters are BIGINT; SQLite's 0/1 INTEGER flags are BOOLEAN.
//   - Internal row ids are identity columns; user_roles and user_directory_roles have one too,
//     where SQLite orders a user's grants by rowid.
//   - Keys and the columns the listings order by are COLLATE "C": byte order, as SQLite's
//     BINARY and std::string compare, whatever the database's default collation.
//   - The text filter is a substring test on releases.search_text (no FTS table).
//   - audit_head: one row, locked by every append (SELECT ... FOR UPDATE) and updated by it, so
//     appends by concurrent nodes are serialized (storage/postgres/pg_tx.h, lock_chain_head).
//   - Triggers call plpgsql functions; the append-only ones also refuse TRUNCATE.
constexpr const char* kV13[] = {
    R"sql(CREATE TABLE users (
  username             TEXT COLLATE "C" PRIMARY KEY,
  name                 TEXT NOT NULL,
  email                TEXT NOT NULL,
  active               BOOLEAN NOT NULL,
  lang                 TEXT NOT NULL,
  directory_dn         TEXT NOT NULL DEFAULT '',
  directory_checked_at BIGINT NOT NULL DEFAULT 0
))sql",
    R"sql(CREATE TABLE user_roles (
  id       BIGINT GENERATED ALWAYS AS IDENTITY,
  username TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  role     TEXT COLLATE "C" NOT NULL,
  system   TEXT COLLATE "C" NOT NULL,   -- '' = office-wide
  PRIMARY KEY (username, role, system)
))sql",
    "CREATE INDEX user_roles_by_role ON user_roles(role, system)",
    R"sql(CREATE TABLE user_directory_roles (
  id       BIGINT GENERATED ALWAYS AS IDENTITY,
  username TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  role     TEXT COLLATE "C" NOT NULL,
  system   TEXT COLLATE "C" NOT NULL,   -- '' = office-wide
  PRIMARY KEY (username, role, system)
))sql",
    "CREATE INDEX user_directory_roles_by_role ON user_directory_roles(role, system)",
    R"sql(CREATE TABLE systems (
  code                  TEXT COLLATE "C" PRIMARY KEY,
  name                  TEXT NOT NULL,
  description           TEXT NOT NULL,
  unit                  TEXT NOT NULL,
  origin                TEXT NOT NULL,
  technology            TEXT NOT NULL,
  status                TEXT NOT NULL,
  initial_version       TEXT NOT NULL,
  indecopi_requested_on TEXT NOT NULL,
  indecopi_file_number  TEXT NOT NULL,
  indecopi_status       TEXT NOT NULL,
  created_at            BIGINT NOT NULL,
  asset_id              TEXT NOT NULL DEFAULT ''
))sql",
    R"sql(CREATE TABLE release_seq (
  year INTEGER PRIMARY KEY,
  last BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE releases (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number           TEXT COLLATE "C" NOT NULL UNIQUE,
  system           TEXT COLLATE "C" NOT NULL,
  kind             TEXT COLLATE "C" NOT NULL,
  version          TEXT NOT NULL,
  declared_major   BOOLEAN NOT NULL,
  title            TEXT NOT NULL,
  summary          TEXT NOT NULL,
  requester        TEXT COLLATE "C" NOT NULL,
  state            TEXT COLLATE "C" NOT NULL,
  edition          TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  row_version      BIGINT NOT NULL,
  search_text      TEXT COLLATE "C" NOT NULL,   -- fold_search(number, title, summary)
  changes_database BOOLEAN NOT NULL DEFAULT TRUE
))sql",
    // The listing is newest first (created_at, number); each filter column leads an index in
    // that order (read backwards).
    "CREATE INDEX releases_by_created ON releases(created_at, number)",
    "CREATE INDEX releases_by_state ON releases(state, created_at, number)",
    "CREATE INDEX releases_by_system ON releases(system, created_at, number)",
    "CREATE INDEX releases_by_kind ON releases(kind, created_at, number)",
    "CREATE INDEX releases_by_requester ON releases(requester, created_at, number)",
    R"sql(CREATE TABLE release_files (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release     TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  slot        TEXT COLLATE "C" NOT NULL,
  name        TEXT COLLATE "C" NOT NULL,
  size        BIGINT NOT NULL,
  sha256      TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  UNIQUE (release, slot, name)
))sql",
    R"sql(CREATE TABLE reviews (
  release     TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  seq         BIGINT NOT NULL,
  slot        TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  note        TEXT NOT NULL,
  by_user     TEXT NOT NULL,
  at          BIGINT NOT NULL,
  slot_digest TEXT NOT NULL,
  PRIMARY KEY (release, seq)
))sql",
    R"sql(CREATE TABLE records (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release         TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  type            TEXT COLLATE "C" NOT NULL,
  fields_json     TEXT NOT NULL,   -- JSON object of string values, as written
  by_user         TEXT NOT NULL,
  at              BIGINT NOT NULL,
  manifest_sha256 TEXT NOT NULL
))sql",
    "CREATE INDEX records_by_release ON records(release, id)",
    // The deployment windows of a period, by the end of each record's span (span_records).
    R"sql(CREATE INDEX records_by_span_end ON records(type, ((fields_json::jsonb ->> 'to')) COLLATE "C"))sql",
    R"sql(CREATE TABLE transitions (
  release         TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  seq             BIGINT NOT NULL,
  action          TEXT NOT NULL,
  from_state      TEXT NOT NULL,
  to_state        TEXT NOT NULL,
  by_user         TEXT NOT NULL,
  note            TEXT NOT NULL,
  at              BIGINT NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  PRIMARY KEY (release, seq)
))sql",
    R"sql(CREATE TABLE observations (
  release    TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  seq        BIGINT NOT NULL,
  text       TEXT NOT NULL,
  by_user    TEXT NOT NULL,
  at         BIGINT NOT NULL,
  from_state TEXT NOT NULL,
  action     TEXT NOT NULL,
  PRIMARY KEY (release, seq)
))sql",
    R"sql(CREATE TABLE freezes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_ts    BIGINT NOT NULL,
  to_ts      BIGINT NOT NULL,
  reason     TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
))sql",
    "CREATE INDEX freezes_by_from ON freezes(from_ts, id)",
    R"sql(CREATE TABLE settings (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
))sql",
    // The append-only audit trail (SPEC §8), hash-chained by audit::event_hash.
    R"sql(CREATE TABLE audit_events (
  seq         BIGINT PRIMARY KEY,
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  subject     TEXT COLLATE "C" NOT NULL,
  before_json TEXT NOT NULL,
  after_json  TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
))sql",
    "CREATE INDEX audit_events_by_subject ON audit_events(subject, seq)",
    // Defence in depth only: verification (audit::verify_chain) never relies on these.
    R"sql(CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END
$$)sql",
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    // The chain head's lock: seq is the newest appended event's (0 = none yet).
    R"sql(CREATE TABLE audit_head (
  id  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
  seq BIGINT NOT NULL
))sql",
    "INSERT INTO audit_head(id, seq) VALUES (TRUE, 0)",
    R"sql(CREATE TABLE credentials (
  username      TEXT COLLATE "C" PRIMARY KEY REFERENCES users(username) ON DELETE CASCADE,
  password_hash TEXT NOT NULL,
  changed_at    BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE sessions (
  id_digest  TEXT COLLATE "C" PRIMARY KEY,
  username   TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  address    TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
))sql",
    "CREATE INDEX sessions_by_user ON sessions(username)",
    "CREATE INDEX sessions_by_expiry ON sessions(expires_at)",
    R"sql(CREATE TABLE api_tokens (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username     TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  digest       TEXT COLLATE "C" NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  revoked      BOOLEAN NOT NULL,
  expires_at   BIGINT NOT NULL DEFAULT 0
))sql",
    "CREATE INDEX api_tokens_by_user ON api_tokens(username, id)",
    R"sql(CREATE TABLE notifications (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username  TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  release   TEXT COLLATE "C" NOT NULL,
  event_seq BIGINT NOT NULL,
  action    TEXT NOT NULL,
  actor     TEXT NOT NULL,
  at        BIGINT NOT NULL,
  read      BOOLEAN NOT NULL
))sql",
    "CREATE INDEX notifications_by_user ON notifications(username, read, id)",
    R"sql(CREATE TABLE documents (
  id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release           TEXT COLLATE "C" NOT NULL REFERENCES releases(number),
  kind              TEXT NOT NULL,
  step              TEXT NOT NULL,
  name              TEXT NOT NULL,
  sha256            TEXT COLLATE "C" NOT NULL,
  size              BIGINT NOT NULL,
  verification_code TEXT COLLATE "C" NOT NULL,
  payload           TEXT NOT NULL,
  manifest_sha256   TEXT NOT NULL,
  lang              TEXT NOT NULL,
  issued_at         BIGINT NOT NULL,
  issued_by         TEXT NOT NULL
))sql",
    "CREATE INDEX documents_by_release ON documents(release, id)",
    "CREATE INDEX documents_by_sha256 ON documents(sha256)",
    "CREATE INDEX documents_by_code ON documents(verification_code)",
    // Values derived from a release's history (store.h put_derived); no REFERENCES, as in
    // SQLite: put_derived inserts only for existing releases, which are never deleted.
    R"sql(CREATE TABLE release_derived (
  release    TEXT COLLATE "C" NOT NULL,
  derivation TEXT COLLATE "C" NOT NULL,
  at_version BIGINT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (release, derivation)
))sql",
    R"sql(CREATE FUNCTION release_history_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM release_derived WHERE release = OLD.release;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    DELETE FROM release_derived WHERE release = NEW.release;
  END IF;
  RETURN NULL;
END
$$)sql",
    "CREATE TRIGGER release_files_drop_derived AFTER INSERT OR UPDATE OR DELETE ON release_files "
    "FOR EACH ROW EXECUTE FUNCTION release_history_changed()",
    "CREATE TRIGGER reviews_drop_derived AFTER INSERT OR UPDATE OR DELETE ON reviews "
    "FOR EACH ROW EXECUTE FUNCTION release_history_changed()",
    "CREATE TRIGGER records_drop_derived AFTER INSERT OR UPDATE OR DELETE ON records "
    "FOR EACH ROW EXECUTE FUNCTION release_history_changed()",
    "CREATE TRIGGER transitions_drop_derived AFTER INSERT OR UPDATE OR DELETE ON transitions "
    "FOR EACH ROW EXECUTE FUNCTION release_history_changed()",
    R"sql(CREATE TABLE signin_failures (
  account      TEXT COLLATE "C" NOT NULL,
  address      TEXT COLLATE "C" NOT NULL,
  failures     BIGINT NOT NULL,
  last_failure BIGINT NOT NULL,
  until        BIGINT NOT NULL,
  PRIMARY KEY (account, address)
))sql",
    "CREATE INDEX signin_failures_by_last ON signin_failures(last_failure)",
    R"sql(CREATE TABLE outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username        TEXT NOT NULL,
  name            TEXT NOT NULL,
  address         TEXT NOT NULL,
  lang            TEXT NOT NULL,
  release         TEXT NOT NULL,
  system          TEXT NOT NULL,
  title           TEXT NOT NULL,
  event_seq       BIGINT NOT NULL,
  step            TEXT NOT NULL,
  raci            TEXT NOT NULL CHECK (raci IN ('R', 'A', 'C', 'I')),
  role            TEXT NOT NULL,
  actor           TEXT NOT NULL,
  at              BIGINT NOT NULL,
  state           TEXT COLLATE "C" NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
  attempts        BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  claimed_until   BIGINT NOT NULL,
  last_error      TEXT NOT NULL,
  sent_at         BIGINT NOT NULL,
  calendar        TEXT NOT NULL DEFAULT ''
))sql",
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at, id)",
    R"sql(CREATE TABLE calendar_keys (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username   TEXT COLLATE "C" NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  scope      TEXT COLLATE "C" NOT NULL,   -- office | mine | system:CODE
  digest     TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT NOT NULL,   -- 0 = never
  UNIQUE (username, scope)
))sql",
};

// Version 14, as SQLite's: state web forms keep between two requests, shared by the nodes.
constexpr const char* kV14[] = {
    R"sql(CREATE TABLE form_states (
  key   TEXT COLLATE "C" PRIMARY KEY,
  owner TEXT COLLATE "C" NOT NULL,
  path  TEXT COLLATE "C" NOT NULL,
  body  TEXT NOT NULL,
  expires_at BIGINT NOT NULL
))sql",
    "CREATE INDEX form_states_by_expiry ON form_states(expires_at)",
};

// Version 15, as SQLite's: a daily digest of informed mail; by when a mail's step is due.
constexpr const char* kV15[] = {
    "ALTER TABLE users ADD COLUMN mail_digest BOOLEAN NOT NULL DEFAULT false",
    "ALTER TABLE outbox ADD COLUMN due_from BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE outbox ADD COLUMN due_to BIGINT NOT NULL DEFAULT 0",
    R"sql(CREATE TABLE mail_held (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest_id BIGINT REFERENCES outbox(id),
  username  TEXT COLLATE "C" NOT NULL,
  name      TEXT NOT NULL,
  address   TEXT NOT NULL,
  lang      TEXT COLLATE "C" NOT NULL,
  release   TEXT COLLATE "C" NOT NULL,
  system    TEXT COLLATE "C" NOT NULL,
  title     TEXT NOT NULL,
  event_seq BIGINT NOT NULL,
  step      TEXT COLLATE "C" NOT NULL,
  role      TEXT COLLATE "C" NOT NULL,
  actor     TEXT COLLATE "C" NOT NULL,
  at        BIGINT NOT NULL
))sql",
    "CREATE INDEX mail_held_waiting ON mail_held(at, username) WHERE digest_id IS NULL",
    "CREATE INDEX mail_held_by_digest ON mail_held(digest_id) WHERE digest_id IS NOT NULL",
};

// Version 16, as SQLite's: editions of the procedure loaded at run time.
constexpr const char* kV16[] = {
    R"sql(CREATE TABLE editions (
  code           TEXT COLLATE "C" PRIMARY KEY,
  title          TEXT NOT NULL,
  yaml           TEXT NOT NULL,
  sha256         TEXT COLLATE "C" NOT NULL,
  effective_from BIGINT NOT NULL UNIQUE,
  effective_date TEXT COLLATE "C" NOT NULL,
  loaded_at      BIGINT NOT NULL,
  loaded_by      TEXT COLLATE "C" NOT NULL
))sql",
};

// Version 17, as SQLite's: a window record's span in columns of its own, the index on its end
// by type in place of records_by_span_end.
constexpr const char* kV17[] = {
    "ALTER TABLE records ADD COLUMN span_from BIGINT, ADD COLUMN span_to BIGINT",
    "DROP INDEX records_by_span_end",
    "CREATE INDEX records_by_span ON records(type, span_to)",
};

// Version 18, as SQLite's: the number of releases of each (state, system, kind), kept by a
// trigger in the transaction of each change to releases (so also by nodes of an older binary
// during an upgrade). Concurrent writers that change one group update one row: the second
// waits for the first and then, at SERIALIZABLE, fails with a serialization failure and is run
// again (PgStore::write). Writes that append an audit event already queue on audit_head's one
// row, so this adds no queue that was not there. releases is locked against writers (until
// the migration commits) before the triggers are made and the backfill counts (its snapshot
// taken after the lock, at READ COMMITTED): no change is counted twice or missed.
constexpr const char* kV18[] = {
    R"sql(CREATE TABLE release_counts (
  state  TEXT COLLATE "C" NOT NULL,
  system TEXT COLLATE "C" NOT NULL,
  kind   TEXT COLLATE "C" NOT NULL,
  n      BIGINT NOT NULL,
  PRIMARY KEY (state, system, kind)
))sql",
    R"sql(CREATE FUNCTION release_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE release_counts SET n = n - 1 WHERE state = OLD.state AND system = OLD.system AND kind = OLD.kind;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO release_counts(state, system, kind, n) VALUES (NEW.state, NEW.system, NEW.kind, 1)
      ON CONFLICT (state, system, kind) DO UPDATE SET n = release_counts.n + 1;
  END IF;
  RETURN NULL;
END
$$)sql",
    "LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE",
    "CREATE TRIGGER releases_counts AFTER INSERT OR DELETE ON releases "
    "FOR EACH ROW EXECUTE FUNCTION release_counts_follow()",
    "CREATE TRIGGER releases_update_counts AFTER UPDATE OF state, system, kind ON releases FOR EACH ROW "
    "WHEN (OLD.state <> NEW.state OR OLD.system <> NEW.system OR OLD.kind <> NEW.kind) "
    "EXECUTE FUNCTION release_counts_follow()",
    "INSERT INTO release_counts(state, system, kind, n) SELECT state, system, kind, COUNT(*) FROM releases "
    "GROUP BY state, system, kind",
};

constexpr std::array<Migration, 6> kMigrations = {{
    {13, "the schema of SQLite's version 13 (users to calendar keys), with the audit chain's head lock", kV13},
    {14, "web form state shared by server nodes (one-time messages and tokens)", kV14},
    {15, "a daily digest of informed mail for who asks for it; by when a mail's step is due", kV15},
    {16, "editions of the procedure loaded at run time, each in force from its date", kV16},
    {17, "windows found by their span's end, kept in columns of the record", kV17},
    {18, "the number of releases of each state, system and kind, kept by triggers (exact listing totals)", kV18},
}};

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
    "  applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))";

int read_version(pg::Connection& db) {
  pg::Result r = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  return static_cast<int>(r.row(0).integer(0));
}

Error newer_error(int found) {
  return make_error(Code::failed_precondition, "store.schema_newer",
                    fmt::format("La base de datos está en la versión de esquema {}, más nueva que la "
                                "que conoce este programa ({}); actualice pasaprod.",
                                found, latest_schema_version()),
                    fmt::format("The database is at schema version {}, newer than this program "
                                "knows ({}); upgrade pasaprod.",
                                found, latest_schema_version()))
      .with("found", std::to_string(found));
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

int schema_version(pg::Connection& db) {
  // to_regclass follows search_path, as the statements that use the tables do.
  pg::Result exists = db.exec("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists.row(0).boolean(0)) return 0;
  return read_version(db);
}

Status migrate(pg::Connection& db) {
  // READ COMMITTED: each statement after the lock sees what a migrator that held it committed.
  db.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
  try {
    db.exec("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    db.exec(kCreateVersionTable);
    const int found = read_version(db);
    if (found > latest_schema_version()) {
      db.rollback_quietly();
      return newer_error(found);
    }
    for (const Migration& m : migrations()) {
      if (found >= m.version) continue;
      for (const char* statement : m.statements) db.exec(statement);
      db.exec("INSERT INTO schema_version(version, description) VALUES ($1, $2)", m.version, m.description);
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
  return ok_status();
}

}  // namespace pasaprod::postgres
