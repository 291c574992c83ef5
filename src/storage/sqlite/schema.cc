#include "storage/sqlite/schema.h"

#include <fmt/format.h>

#include <array>
#include <string>

namespace pasaprod::sqlite {
namespace {

// Version 1: everything in storage/store.h.
//
// Conventions: timestamps are INTEGER milliseconds since the epoch (UTC); "by" columns are
// named by_user (BY is an SQL keyword); child rows of a release are kept in insertion order by
// their INTEGER PRIMARY KEY id. Tables are STRICT so a wrong type is an error, not a surprise.
constexpr const char* kV1 = R"sql(
CREATE TABLE users (
  username TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  email    TEXT NOT NULL,
  active   INTEGER NOT NULL,
  lang     TEXT NOT NULL
) STRICT;

CREATE TABLE user_roles (
  username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  role     TEXT NOT NULL,
  system   TEXT NOT NULL,   -- '' = office-wide
  PRIMARY KEY (username, role, system)
) STRICT;
CREATE INDEX user_roles_by_role ON user_roles(role, system);

CREATE TABLE systems (
  code                  TEXT PRIMARY KEY,
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
  created_at            INTEGER NOT NULL
) STRICT;

-- Last release number issued per year (PP-<year>-<seq>).
CREATE TABLE release_seq (
  year INTEGER PRIMARY KEY,
  last INTEGER NOT NULL
) STRICT;

-- id is an internal, stable row id (the text search's rowid); number is the key everything
-- else uses.
CREATE TABLE releases (
  id             INTEGER PRIMARY KEY,
  number         TEXT NOT NULL UNIQUE,
  system         TEXT NOT NULL,
  kind           TEXT NOT NULL,
  version        TEXT NOT NULL,
  declared_major INTEGER NOT NULL,
  title          TEXT NOT NULL,
  summary        TEXT NOT NULL,
  requester      TEXT NOT NULL,
  state          TEXT NOT NULL,
  edition        TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  row_version    INTEGER NOT NULL,
  search_text    TEXT NOT NULL   -- fold_search(number, title, summary): the text filter
) STRICT;
-- The listing is newest first. Each filter column leads an index that yields that order
-- (created_at, number) and then carries the other filter columns, so combined filters and
-- their COUNT are answered from the index alone, without reading table rows.
CREATE INDEX releases_by_created   ON releases(created_at, number, state, system, kind, requester);
CREATE INDEX releases_by_state     ON releases(state, created_at, number, system, kind, requester);
CREATE INDEX releases_by_system    ON releases(system, created_at, number, state, kind, requester);
CREATE INDEX releases_by_kind      ON releases(kind, created_at, number, state, system, requester);
CREATE INDEX releases_by_requester ON releases(requester, created_at, number, state, system, kind);
-- Text filter index: trigram tokens of releases.search_text (rowid = releases.id), so any
-- substring of 3+ characters is an index lookup. Contentless: the text itself stays in
-- releases. Title, summary and number never change after insert_release, and releases are
-- never deleted, so rows are only ever inserted here.
CREATE VIRTUAL TABLE release_search USING fts5(text, content = '', tokenize = 'trigram');

CREATE TABLE release_files (
  id          INTEGER PRIMARY KEY,
  release     TEXT NOT NULL REFERENCES releases(number),
  slot        TEXT NOT NULL,
  name        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  UNIQUE (release, slot, name)
) STRICT;

CREATE TABLE reviews (
  id          INTEGER PRIMARY KEY,
  release     TEXT NOT NULL REFERENCES releases(number),
  slot        TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  note        TEXT NOT NULL,
  by_user     TEXT NOT NULL,
  at          INTEGER NOT NULL,
  slot_digest TEXT NOT NULL
) STRICT;
CREATE INDEX reviews_by_release ON reviews(release, id);

CREATE TABLE records (
  id              INTEGER PRIMARY KEY,
  release         TEXT NOT NULL REFERENCES releases(number),
  type            TEXT NOT NULL,
  fields_json     TEXT NOT NULL,   -- JSON object of string values
  by_user         TEXT NOT NULL,
  at              INTEGER NOT NULL,
  manifest_sha256 TEXT NOT NULL
) STRICT;
CREATE INDEX records_by_release ON records(release, id);

CREATE TABLE transitions (
  id              INTEGER PRIMARY KEY,
  release         TEXT NOT NULL REFERENCES releases(number),
  action          TEXT NOT NULL,
  from_state      TEXT NOT NULL,
  to_state        TEXT NOT NULL,
  by_user         TEXT NOT NULL,
  note            TEXT NOT NULL,
  at              INTEGER NOT NULL,
  manifest_sha256 TEXT NOT NULL
) STRICT;
CREATE INDEX transitions_by_release ON transitions(release, id);

CREATE TABLE observations (
  id         INTEGER PRIMARY KEY,
  release    TEXT NOT NULL REFERENCES releases(number),
  text       TEXT NOT NULL,
  by_user    TEXT NOT NULL,
  at         INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  action     TEXT NOT NULL
) STRICT;
CREATE INDEX observations_by_release ON observations(release, id);

CREATE TABLE freezes (
  id         INTEGER PRIMARY KEY,
  from_ts    INTEGER NOT NULL,
  to_ts      INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX freezes_by_from ON freezes(from_ts, id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The append-only audit trail (SPEC §8), hash-chained by audit::event_hash.
CREATE TABLE audit_events (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json  TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_by_subject ON audit_events(subject, seq);
-- Defence in depth only: verification (audit::verify_chain) never relies on these.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
)sql";

// Version 2: sign-in (passwords, sessions, API tokens) and notifications (issue 3). Secrets
// are stored only as digests.
constexpr const char* kV2 = R"sql(
CREATE TABLE credentials (
  username      TEXT PRIMARY KEY REFERENCES users(username) ON DELETE CASCADE,
  password_hash TEXT NOT NULL,
  changed_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  id_digest  TEXT PRIMARY KEY,
  username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  address    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions(username);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  username     TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  digest       TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  revoked      INTEGER NOT NULL
) STRICT;
CREATE INDEX api_tokens_by_user ON api_tokens(username, id);

CREATE TABLE notifications (
  id        INTEGER PRIMARY KEY,
  username  TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  release   TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  action    TEXT NOT NULL,
  actor     TEXT NOT NULL,
  at        INTEGER NOT NULL,
  read      INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_by_user ON notifications(username, read, id);
)sql";

// Version 3: documents generated by pasaprod (SPEC §5), issue 5. The PDF itself is in the
// library under sha256; payload is the text its verification code was computed over.
constexpr const char* kV3 = R"sql(
CREATE TABLE documents (
  id                INTEGER PRIMARY KEY,
  release           TEXT NOT NULL REFERENCES releases(number),
  kind              TEXT NOT NULL,
  step              TEXT NOT NULL,
  name              TEXT NOT NULL,
  sha256            TEXT NOT NULL,
  size              INTEGER NOT NULL,
  verification_code TEXT NOT NULL,
  payload           TEXT NOT NULL,
  manifest_sha256   TEXT NOT NULL,
  lang              TEXT NOT NULL,
  issued_at         INTEGER NOT NULL,
  issued_by         TEXT NOT NULL
) STRICT;
CREATE INDEX documents_by_release ON documents(release, id);
CREATE INDEX documents_by_sha256 ON documents(sha256);
CREATE INDEX documents_by_code ON documents(verification_code);
)sql";

// Version 4: an action changes a release's state. Only releases_by_state carries the state
// now, so a state change rewrites the row and one index entry instead of five; every filter
// that includes the state is answered from releases_by_state, which carries the others.
constexpr const char* kV4 = R"sql(
DROP INDEX releases_by_created;
DROP INDEX releases_by_system;
DROP INDEX releases_by_kind;
DROP INDEX releases_by_requester;
CREATE INDEX releases_by_created   ON releases(created_at, number, system, kind, requester);
CREATE INDEX releases_by_system    ON releases(system, created_at, number, kind, requester);
CREATE INDEX releases_by_kind      ON releases(kind, created_at, number, system, requester);
CREATE INDEX releases_by_requester ON releases(requester, created_at, number, system, kind);
)sql";

// Version 5: values reports derive from a release's history (store.h put_derived; e.g. the
// facts its adherence controls are evaluated from), so a report reads one row per release
// instead of its ~36 rows of history. A value counts only while at_version equals the
// release's row_version, and any change to the release's history deletes its values (the
// triggers), so no value outlives what it was derived from. Existing databases start with
// none: the first report derives and stores them.
constexpr const char* kV5 = R"sql(
-- No REFERENCES on release: put_derived inserts only for existing releases, releases are never
-- deleted, and a foreign key would make every trigger below three times as costly.
CREATE TABLE release_derived (
  release    TEXT NOT NULL,
  derivation TEXT NOT NULL,
  at_version INTEGER NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (release, derivation)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER release_files_insert_drops_derived AFTER INSERT ON release_files
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER release_files_update_drops_derived AFTER UPDATE ON release_files
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER release_files_delete_drops_derived AFTER DELETE ON release_files
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
CREATE TRIGGER reviews_insert_drops_derived AFTER INSERT ON reviews
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER reviews_update_drops_derived AFTER UPDATE ON reviews
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER reviews_delete_drops_derived AFTER DELETE ON reviews
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
CREATE TRIGGER records_insert_drops_derived AFTER INSERT ON records
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER records_update_drops_derived AFTER UPDATE ON records
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER records_delete_drops_derived AFTER DELETE ON records
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
CREATE TRIGGER transitions_insert_drops_derived AFTER INSERT ON transitions
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER transitions_update_drops_derived AFTER UPDATE ON transitions
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER transitions_delete_drops_derived AFTER DELETE ON transitions
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
)sql";

// Version 6: the append-only histories of a release that nothing else refers to (transitions,
// reviews, observations) are clustered by release: WITHOUT ROWID tables keyed by (release, seq),
// seq numbering a release's rows from 1 in insertion order. A release's rows share leaf pages
// and an insert writes one B-tree page instead of two (the table's and the (release, id)
// index's): every action adds a transition. Existing rows keep their order. The v5 triggers
// go with the old tables and are created again on the new ones.
constexpr const char* kV6 = R"sql(
CREATE TABLE transitions_v6 (
  release         TEXT NOT NULL REFERENCES releases(number),
  seq             INTEGER NOT NULL,
  action          TEXT NOT NULL,
  from_state      TEXT NOT NULL,
  to_state        TEXT NOT NULL,
  by_user         TEXT NOT NULL,
  note            TEXT NOT NULL,
  at              INTEGER NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  PRIMARY KEY (release, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO transitions_v6
  SELECT release, ROW_NUMBER() OVER (PARTITION BY release ORDER BY id), action, from_state, to_state,
         by_user, note, at, manifest_sha256
  FROM transitions;
DROP TABLE transitions;
ALTER TABLE transitions_v6 RENAME TO transitions;

CREATE TABLE reviews_v6 (
  release     TEXT NOT NULL REFERENCES releases(number),
  seq         INTEGER NOT NULL,
  slot        TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  note        TEXT NOT NULL,
  by_user     TEXT NOT NULL,
  at          INTEGER NOT NULL,
  slot_digest TEXT NOT NULL,
  PRIMARY KEY (release, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO reviews_v6
  SELECT release, ROW_NUMBER() OVER (PARTITION BY release ORDER BY id), slot, verdict, note, by_user, at,
         slot_digest
  FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_v6 RENAME TO reviews;

CREATE TABLE observations_v6 (
  release    TEXT NOT NULL REFERENCES releases(number),
  seq        INTEGER NOT NULL,
  text       TEXT NOT NULL,
  by_user    TEXT NOT NULL,
  at         INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  action     TEXT NOT NULL,
  PRIMARY KEY (release, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO observations_v6
  SELECT release, ROW_NUMBER() OVER (PARTITION BY release ORDER BY id), text, by_user, at, from_state, action
  FROM observations;
DROP TABLE observations;
ALTER TABLE observations_v6 RENAME TO observations;

CREATE TRIGGER reviews_insert_drops_derived AFTER INSERT ON reviews
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER reviews_update_drops_derived AFTER UPDATE ON reviews
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER reviews_delete_drops_derived AFTER DELETE ON reviews
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
CREATE TRIGGER transitions_insert_drops_derived AFTER INSERT ON transitions
BEGIN DELETE FROM release_derived WHERE release = NEW.release; END;
CREATE TRIGGER transitions_update_drops_derived AFTER UPDATE ON transitions
BEGIN DELETE FROM release_derived WHERE release IN (OLD.release, NEW.release); END;
CREATE TRIGGER transitions_delete_drops_derived AFTER DELETE ON transitions
BEGIN DELETE FROM release_derived WHERE release = OLD.release; END;
)sql";

// Version 7: API tokens expire. Tokens created before keep expires_at 0 (no expiry): an
// administrator sees them as such and can revoke them (/admin/tokens).
constexpr const char* kV7 = R"sql(
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 8: failed sign-ins per account and address (auth/throttle.h), kept across restarts
// (and shared by nodes on one database); each row expires on its own.
constexpr const char* kV8 = R"sql(
CREATE TABLE signin_failures (
  account      TEXT NOT NULL,
  address      TEXT NOT NULL,
  failures     INTEGER NOT NULL,
  last_failure INTEGER NOT NULL,
  until        INTEGER NOT NULL,
  PRIMARY KEY (account, address)
) STRICT;
CREATE INDEX signin_failures_by_last ON signin_failures(last_failure);
)sql";

// Version 9: a request states whether it changes the database (procedure condition
// `changes_database`); requests opened before say yes, as every slot was required then.
constexpr const char* kV9 = R"sql(
ALTER TABLE releases ADD COLUMN changes_database INTEGER NOT NULL DEFAULT 1;
)sql";

// Version 10: a system's code in the office's asset inventory (set when a request closes).
constexpr const char* kV10 = R"sql(
ALTER TABLE systems ADD COLUMN asset_id TEXT NOT NULL DEFAULT '';
)sql";

// Version 11: accounts from the office's directory (auth/directory.h). directory_dn is the
// person's entry ('' = a local account), directory_checked_at when the directory last
// confirmed it; user_directory_roles holds the roles its groups give (replaced at each
// directory sign-in and re-check), apart from the roles given by hand in user_roles.
constexpr const char* kV11 = R"sql(
ALTER TABLE users ADD COLUMN directory_dn TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN directory_checked_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE user_directory_roles (
  username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  role     TEXT NOT NULL,
  system   TEXT NOT NULL,   -- '' = office-wide
  PRIMARY KEY (username, role, system)
) STRICT;
CREATE INDEX user_directory_roles_by_role ON user_directory_roles(role, system);
)sql";

// Version 12: the mail outbox (issue 15): mails queued with the change that caused them,
// delivered by a sender that claims them for a while, retries with backoff, and keeps the result.
constexpr const char* kV12 = R"sql(
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL,
  name            TEXT NOT NULL,
  address         TEXT NOT NULL,
  lang            TEXT NOT NULL,
  release         TEXT NOT NULL,
  system          TEXT NOT NULL,
  title           TEXT NOT NULL,
  event_seq       INTEGER NOT NULL,
  step            TEXT NOT NULL,
  raci            TEXT NOT NULL CHECK (raci IN ('R', 'A', 'C', 'I')),
  role            TEXT NOT NULL,
  actor           TEXT NOT NULL,
  at              INTEGER NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  claimed_until   INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  sent_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at, id);
)sql";

// Version 13: the calendar (issue 15): each user's secret feed addresses, kept as SHA-256
// digests, one per scope; the deployment windows of a period found through the end of each
// record's span (records of a type with "from"/"to" fields, ISO 8601 UTC strings that sort as
// times); an invitation travels with a mail.
constexpr const char* kV13 = R"sql(
CREATE TABLE calendar_keys (
  id         INTEGER PRIMARY KEY,
  username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  scope      TEXT NOT NULL,   -- office | mine | system:CODE
  digest     TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  rotated_at INTEGER NOT NULL,  -- 0 = never
  UNIQUE (username, scope)
) STRICT;
CREATE INDEX records_by_span_end ON records(type, json_extract(fields_json, '$.to'));
ALTER TABLE outbox ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
)sql";

// Version 14: state web forms keep between two requests (web/flash.h, web/once.h), in the
// database so that every server node sees it.
constexpr const char* kV14 = R"sql(
CREATE TABLE form_states (
  key   TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  path  TEXT NOT NULL,
  body  TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX form_states_by_expiry ON form_states(expires_at);
)sql";

// Version 15: mail preferences and deadlines (issue 15): a person may take "informed" mail as
// one daily digest (users.mail_digest); such mail waits in mail_held until the digest that
// carries it is queued (digest_id: that outbox row). A mail says by when its step is due.
constexpr const char* kV15 = R"sql(
ALTER TABLE users ADD COLUMN mail_digest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN due_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN due_to INTEGER NOT NULL DEFAULT 0;
CREATE TABLE mail_held (
  id        INTEGER PRIMARY KEY,
  digest_id INTEGER REFERENCES outbox(id),
  username  TEXT NOT NULL,
  name      TEXT NOT NULL,
  address   TEXT NOT NULL,
  lang      TEXT NOT NULL,
  release   TEXT NOT NULL,
  system    TEXT NOT NULL,
  title     TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  step      TEXT NOT NULL,
  role      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  at        INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_held_waiting ON mail_held(at, username) WHERE digest_id IS NULL;
CREATE INDEX mail_held_by_digest ON mail_held(digest_id) WHERE digest_id IS NOT NULL;
)sql";

// Version 16: editions of the procedure loaded at run time (issue 11), each in force for the
// requests opened from its instant on; the file is kept as loaded, with its digest.
constexpr const char* kV16 = R"sql(
CREATE TABLE editions (
  code           TEXT PRIMARY KEY,
  title          TEXT NOT NULL,
  yaml           TEXT NOT NULL,
  sha256         TEXT NOT NULL,
  effective_from INTEGER NOT NULL UNIQUE,
  effective_date TEXT NOT NULL,
  loaded_at      INTEGER NOT NULL,
  loaded_by      TEXT NOT NULL
) STRICT;
)sql";

// Version 17: a window record's span in columns of its own (milliseconds, UTC, like every
// timestamp), set by whoever writes the record and knows it is a window: the windows of a
// period are a range of records_by_span whatever an edition calls the span's keys
// (records_by_span_end indexed a field named "to" only). Records written before get theirs when
// the office opens (WriteTx::backfill_spans), found through the same index: it is not partial.
constexpr const char* kV17 = R"sql(
ALTER TABLE records ADD COLUMN span_from INTEGER;
ALTER TABLE records ADD COLUMN span_to INTEGER;
DROP INDEX records_by_span_end;
CREATE INDEX records_by_span ON records(type, span_to);
)sql";

// Version 18: the number of releases of each (state, system, kind), so that the total of a
// listing filtered by those alone (or not at all) is a sum over a few rows, exact, instead of
// an index walk that grows with the office (SqliteTx::releases). Triggers keep it, in the
// transaction of the change, rather than statements in the store's write methods: every
// writer of releases (the store, a repair by hand) then keeps it right without knowing of it,
// at the same cost; SQLite has one writer at a time. A group whose releases all moved on
// keeps its row with n = 0: the rows are bounded by the groups ever used. The triggers are
// made before the backfill, which counts what is there.
constexpr const char* kV18 = R"sql(
CREATE TABLE release_counts (
  state  TEXT NOT NULL,
  system TEXT NOT NULL,
  kind   TEXT NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (state, system, kind)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER releases_insert_counts AFTER INSERT ON releases
BEGIN
  INSERT INTO release_counts(state, system, kind, n) VALUES (NEW.state, NEW.system, NEW.kind, 1)
    ON CONFLICT(state, system, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER releases_update_counts AFTER UPDATE OF state, system, kind ON releases
WHEN OLD.state <> NEW.state OR OLD.system <> NEW.system OR OLD.kind <> NEW.kind
BEGIN
  UPDATE release_counts SET n = n - 1 WHERE state = OLD.state AND system = OLD.system AND kind = OLD.kind;
  INSERT INTO release_counts(state, system, kind, n) VALUES (NEW.state, NEW.system, NEW.kind, 1)
    ON CONFLICT(state, system, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER releases_delete_counts AFTER DELETE ON releases
BEGIN
  UPDATE release_counts SET n = n - 1 WHERE state = OLD.state AND system = OLD.system AND kind = OLD.kind;
END;
INSERT INTO release_counts(state, system, kind, n)
  SELECT state, system, kind, COUNT(*) FROM releases GROUP BY state, system, kind;
)sql";

constexpr std::array<Migration, 18> kMigrations = {{
    {1, "initial schema: users, systems, releases and their records, settings, audit trail",
     kV1},
    {2, "sign-in: credentials, sessions, API tokens; notifications", kV2},
    {3, "generated documents (PDF) of releases", kV3},
    {4, "release indexes without the state, but for releases_by_state (cheaper state changes)", kV4},
    {5, "values derived from release histories for reports (adherence facts), dropped when a history changes", kV5},
    {6, "transitions, reviews and observations clustered by release (one page per insert, not two)", kV6},
    {7, "API tokens expire", kV7},
    {8, "failed sign-ins per account and address, for growing delays", kV8},
    {9, "a request states whether it changes the database", kV9},
    {10, "a system's asset inventory code", kV10},
    {11, "accounts and roles from the office's directory (LDAP)", kV11},
    {12, "the mail outbox", kV12},
    {13, "calendar feed keys; windows by the end of their span; invitations with mail", kV13},
    {14, "web form state shared by server nodes (one-time messages and tokens)", kV14},
    {15, "a daily digest of informed mail for who asks for it; by when a mail's step is due", kV15},
    {16, "editions of the procedure loaded at run time, each in force from its date", kV16},
    {17, "windows found by their span's end, kept in columns of the record", kV17},
    {18, "the number of releases of each state, system and kind, kept by triggers (exact listing totals)", kV18},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

int schema_version(Connection& db) {
  Stmt exists = db.query(
      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (!exists.step()) return 0;
  Stmt st = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

Status migrate(Connection& db) {
  for (const Migration& m : migrations()) {
    if (schema_version(db) >= m.version) continue;
    // BEGIN IMMEDIATE takes the write lock, so a concurrent migrator waits and then sees the
    // step applied (re-checked below) instead of applying it twice.
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(
          "CREATE TABLE IF NOT EXISTS schema_version ("
          "  version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
          "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
          ") STRICT");
      if (schema_version(db) < m.version) {
        db.exec(m.sql);
        db.query("INSERT INTO schema_version(version, description) VALUES (?, ?)", m.version,
                 m.description)
            .run();
      }
      db.exec("COMMIT");
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
  }
  int found = schema_version(db);
  if (found > latest_schema_version()) {
    return make_error(
               Code::failed_precondition, "store.schema_newer",
               fmt::format("La base de datos está en la versión de esquema {}, más nueva que la "
                           "que conoce este programa ({}); actualice pasaprod.",
                           found, latest_schema_version()),
               fmt::format("The database is at schema version {}, newer than this program "
                           "knows ({}); upgrade pasaprod.",
                           found, latest_schema_version()))
        .with("found", std::to_string(found));
  }
  return ok_status();
}

}  // namespace pasaprod::sqlite
