// The storage interface. One implementation per backend (sqlite/ now, postgres/ later); the
// shared test suite in tests/store_suite.h runs against every backend.
//
// All access happens inside a transaction:
//
//   Status s = store.write([&](WriteTx& tx) -> Status {
//     auto rel = tx.release("PP-2026-0001");
//     if (!rel) return rel.error();
//     ... decide ...
//     if (auto st = tx.update_release_state(number, rel->row_version, "in_qa", now); !st) return st;
//     return tx.append_event(event);
//   });
//
// write(): the function runs in one serialisable write transaction; it is committed durably
// (on disk when write() returns ok) only if the function returns ok, and rolled back otherwise,
// leaving the database exactly as it was. Exceptions thrown by the function roll back too and
// propagate. read(): the function sees one consistent snapshot.
//
// Optimistic concurrency: every change to a release goes through bump_release(), which checks
// the caller's expected row_version and fails with Code::conflict when someone else changed
// the release meanwhile. The check-and-bump is atomic with the rest of the transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/anchor.h"
#include "audit/chain.h"
#include "core/model.h"
#include "core/status.h"

namespace pasaprod {

// Failed sign-ins of one account from one address (auth/throttle.h computes `until`).
struct SignInFailures {
  std::string account;
  std::string address;
  int failures = 0;
  Timestamp last_failure = 0;
  Timestamp until = 0;  // no attempt of this pair before
};

// State a web form keeps between two requests (a message shown once after a redirect, the
// one-time token of a form that creates something), shared by every server node. The store
// keeps it as given; web/ gives it meaning.
struct FormState {
  std::string key;    // unique
  std::string owner;  // whom it belongs to (a digest of the session)
  std::string path;   // the page it is for; "" when none
  std::string body;   // opaque text
  Timestamp expires_at = 0;  // no longer valid from then on
};

// An edition of the procedure loaded at run time (`pasaprod procedure load`); the built-in
// edition is not stored. Requests opened from `effective_from` on use it, until a later one
// takes effect; each request keeps the edition it was opened under.
struct StoredEdition {
  std::string code;              // the edition's code (`edition:` in its file), unique
  std::string title;             // its Spanish title
  std::string yaml;              // the file as loaded ("" when listed without text)
  std::string sha256;            // of yaml, as the audit event "procedure.load" holds it
  Timestamp effective_from = 0;  // in force from this instant (UTC)
  std::string effective_date;    // the date as given, in the office's time zone (YYYY-MM-DD)
  Timestamp loaded_at = 0;
  std::string loaded_by;
};

struct ReleaseFilter {
  std::string state;   // exact, "" = any
  std::string system;  // exact, "" = any
  std::string kind;    // exact, "" = any
  std::string text;    // case-insensitive substring of number, title or summary; "" = any
  std::string requester;  // exact, "" = any
  Timestamp created_from = 0;  // inclusive, 0 = unbounded
  Timestamp created_to = 0;    // exclusive, 0 = unbounded
  int offset = 0;
  int limit = 50;      // at most this many rows
  bool oldest_first = false;  // the page in ascending listing order (created_at, number)
  // Matches are counted up to this many (so a count costs at most that much, whatever the
  // size of the office); past it the page says total = count_limit and total_capped. A filter
  // of no more than state, system and kind (or none) is counted exactly whatever the limit,
  // never capped: the backends keep the number of releases of each such group.
  std::int64_t count_limit = 10000;
  // With a text filter, matches are counted up to the smaller of this and count_limit: a
  // common word then costs its newest matches, not all of them. The page is the same as
  // without the limit.
  std::int64_t text_count_limit = 1000;
};

// The latest record of one type on each request whose span (Record::span, as add_record
// stored it) overlaps [from, to) — the deployment windows of a period. The store knows nothing
// of the procedure: the caller names the type, and whoever writes a record gives its span.
struct SpanQuery {
  std::string type;             // the record type
  Timestamp from = 0;           // 0 = unbounded
  Timestamp to = 0;             // exclusive, 0 = unbounded
  std::string system;           // exact, "" = any
  std::string participant;      // "" = any; else the user opened the request or acted, recorded or reviewed on it
  int limit = 1000;             // at most this many, by span start
};

struct SpanRecord {
  ReleaseSummary release;
  Record record;
  int earlier = 0;  // records of the same type on the request before this one (iCalendar SEQUENCE)
};

struct ReleasePage {
  std::vector<ReleaseSummary> items;  // newest first (created_at desc, number desc), or oldest first
  std::int64_t total = 0;             // rows matching the filter, ignoring offset/limit
  bool total_capped = false;          // more than `total` (= the filter's count_limit) match
};

// A PDF that pasaprod generated for a release (SPEC §5). The bytes live in the library under
// sha256; `payload` is the text its verification code was computed over
// (reports::document_payload), so the code can be recomputed with the server's key.
struct IssuedDocument {
  std::int64_t id = 0;         // assigned by insert_document
  std::string release;         // release number
  std::string kind;            // "release_report" | "acceptance_record" | "committee_record"
  std::string step;            // the action it was generated at ("prepare_report", ...)
  std::string name;            // file name, e.g. "informe-pase-PP-2026-0001.pdf"
  std::string sha256;
  std::int64_t size = 0;
  std::string verification_code;  // "XXXX-XXXX"
  std::string payload;
  std::string manifest_sha256;    // the approval manifest it was issued for
  std::string lang;               // "es" | "en"
  Timestamp issued_at = 0;
  std::string issued_by;
  std::int64_t superseded_by = 0;  // not stored: the id of a later issue of the same document (Office)
};

// A value a report derived from one release's history (e.g. reports::AdherenceFacts in text
// form), kept by the store so that later reports need not read that history again. The store
// never interprets `value`; `derivation` (a name that changes whenever what is derived, or how,
// changes) keeps values of different reports and versions apart.
struct DerivedValue {
  std::string release;           // release number
  std::int64_t row_version = 0;  // the release's row_version the value was derived at
  std::string value;
};

// What the library holds that rows refer to (release files and generated documents).
struct LibraryUsage {
  std::int64_t blobs = 0;  // distinct digests
  std::int64_t bytes = 0;
};

// The rows the audit trail accounts for, as ReadTx::scan_audited_rows streams them (the
// replay of `pasaprod audit verify` compares them with what the trail says).
class AuditedRowsVisitor {
 public:
  virtual ~AuditedRowsVisitor() = default;
  // Every request, in number order.
  virtual void release(const std::string& number, const std::string& state, std::int64_t row_version) = 0;
  // Every request's files (slot, name, sha256 at least).
  virtual void file(const std::string& release, const DeliverableFile& file) = 0;
  // Each request's transitions, records and reviews, oldest first, with every field but `at`.
  virtual void transition(const std::string& release, const Transition& t) = 0;
  virtual void record(const std::string& release, const Record& r) = 0;
  virtual void review(const std::string& release, const Review& r) = 0;
};

// Read access. Returned values are copies; they stay valid after the transaction ends.
class ReadTx {
 public:
  virtual ~ReadTx() = default;

  virtual Result<User> user(const std::string& username) = 0;       // not_found
  virtual std::vector<User> users() = 0;                             // ordered by username
  // Users holding `role` office-wide, or for `system` when system is not empty.
  virtual std::vector<User> users_with_role(const std::string& role, const std::string& system) = 0;

  virtual Result<System> system(const std::string& code) = 0;       // not_found
  virtual std::vector<System> systems() = 0;                         // ordered by code

  // The whole aggregate: files, reviews, records, transitions, observations.
  virtual Result<Release> release(const std::string& number) = 0;   // not_found
  // The aggregates of the requests `numbers` names, in that order; a number that names no
  // request is left out. A fixed number of queries however many are named (on a server
  // backend, round trips do not grow with the list).
  virtual std::vector<Release> releases_by_number(const std::vector<std::string>& numbers) = 0;
  virtual ReleasePage releases(const ReleaseFilter& filter) = 0;
  // Every request of a system with its version and state (for the version policy).
  virtual std::vector<VersionUse> versions_of(const std::string& system) = 0;
  // For reports (SPEC §7): calls `fn` once per release matching the filter's state, system,
  // kind, requester and created range (text, offset and limit are ignored), in ascending
  // number order, each with its files, reviews, records and transitions (files in no
  // particular order, the rest oldest first). Left empty, as reports do not need them:
  // observations and the digests (files' sha256, reviews' slot_digest, records' and
  // transitions' manifest_sha256) — release() gives the whole aggregate. Reads a fixed number
  // of queries, not one per release, and holds one release at a time. `fn` must not use the
  // transaction.
  virtual void for_each_release_history(const ReleaseFilter& filter,
                                        const std::function<void(const Release&)>& fn) = 0;
  // For reports that keep derived values (WriteTx::put_derived): the releases of
  // for_each_release_history, with the same filter, order and contents — except that a release
  // with a value under `derivation` that is current (derived at the release's present
  // row_version, its history unchanged since) comes with a pointer to that value and without
  // its history (files, reviews, records and transitions empty). The others come whole, with
  // nullptr. A release with a current value costs no read of its history. The pointer is valid
  // during the call only; `fn` must not use the transaction.
  virtual void for_each_release_derived(const ReleaseFilter& filter, const std::string& derivation,
                                        const std::function<void(const Release&, const std::string* value)>& fn) = 0;

  virtual std::vector<FreezeWindow> freezes() = 0;  // ordered by from
  // Ordered by the span's start, then release number; each record with its span. A latest
  // record without a span is not returned (nor an earlier one in its place). Uses an index on
  // the type and the span's end.
  virtual std::vector<SpanRecord> span_records(const SpanQuery& query) = 0;

  // The editions loaded at run time, by effective_from then code; `with_text`: with yaml.
  virtual std::vector<StoredEdition> editions(bool with_text) = 0;

  // Configuration values (e.g. "committee.quorum"); nullopt when unset.
  virtual std::optional<std::string> setting(const std::string& key) = 0;

  // Audit events with seq > after_seq, oldest first, at most `limit`; `subject` "" = all.
  virtual std::vector<AuditEvent> events(const std::string& subject, std::int64_t after_seq,
                                         int limit) = 0;
  // The newest event, or nullopt when the trail is empty.
  virtual std::optional<AuditEvent> last_event() = 0;

  // --- Sign-in (issue 3). ---
  // The argon2id hash of the user's password; nullopt when none is set.
  virtual std::optional<std::string> password_hash(const std::string& username) = 0;
  // The session with this id digest, expired or not; nullopt when absent.
  virtual std::optional<SessionRecord> session(const std::string& id_digest) = 0;
  // The failed sign-ins of the pair; nullopt when none is kept.
  virtual std::optional<SignInFailures> signin_failures(const std::string& account, const std::string& address) = 0;
  // The user's tokens, revoked included, newest first.
  virtual std::vector<ApiToken> tokens(const std::string& username) = 0;
  virtual std::optional<ApiToken> token_by_digest(const std::string& digest) = 0;
  // The user's calendar keys, by scope.
  virtual std::vector<CalendarKey> calendar_keys(const std::string& username) = 0;
  virtual std::optional<CalendarKey> calendar_key_by_digest(const std::string& digest) = 0;
  // The user's notifications, newest first, at most `limit`.
  // Newest first, `offset` rows skipped; each with its request's title.
  virtual std::vector<Notification> notifications(const std::string& username, bool unread_only, int limit, int offset) = 0;
  virtual std::int64_t unread_notifications(const std::string& username) = 0;

  // The form state under `key`; nullopt when absent.
  virtual std::optional<FormState> form_state(const std::string& key) = 0;
  virtual std::int64_t form_state_count() = 0;

  // --- Mail outbox (issue 15). ---
  virtual OutboxCounts mail_counts() = 0;
  // Mails in `state` ("" = any), newest first.
  virtual std::vector<OutboxMail> mails(const std::string& state, int limit, int offset) = 0;
  virtual Result<OutboxMail> mail(std::int64_t id) = 0;  // not_found
  // Informed mail waiting for a digest (held_mail), made before `before`, of `username` ("" =
  // anyone), at most `limit`, by person then oldest first. Each one's id is its held id.
  virtual std::vector<OutboxMail> held_mails(const std::string& username, Timestamp before, int limit) = 0;
  // The mails the digest `digest_id` gathered (attach_held_mails), oldest first.
  virtual std::vector<OutboxMail> digest_items(std::int64_t digest_id) = 0;

  // --- Generated documents (issue 5). ---
  // The release's documents, oldest first.
  virtual std::vector<IssuedDocument> documents_of(const std::string& number) = 0;
  // Documents whose PDF has this SHA-256, or whose verification code is `code` ("" = none).
  virtual std::vector<IssuedDocument> find_documents(const std::string& sha256, const std::string& code) = 0;

  // --- Library. ---
  // True when a deliverable file or a generated document refers to the blob `sha256` (a blob
  // no row refers to may be removed from the library). May scan the files.
  virtual bool blob_referenced(const std::string& sha256) = 0;
  // Every digest a row refers to (release files and generated documents), sorted, distinct.
  virtual std::vector<std::string> referenced_blobs() = 0;
  virtual LibraryUsage library_usage() = 0;

  // --- Whole-trail checks (audit verify, the anchor). ---
  // Calls fn with every event with seq > after_seq, in seq order, reading a bounded number at
  // a time (memory does not grow with the trail); stops when fn returns false.
  virtual void scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) = 0;
  virtual void scan_audited_rows(AuditedRowsVisitor& visitor) = 0;
  // What the backend does to keep events from being edited or deleted (e.g. triggers), as
  // problems: one per protection missing or altered ("audit.trigger_missing",
  // "audit.trigger_altered"); empty when all are in place.
  virtual std::vector<audit::AuditProblem> trail_protection_problems() = 0;
  virtual int schema_version() = 0;
};

// Write access; every method changes nothing when it returns an error.
class WriteTx : public ReadTx {
 public:
  // already_exists when the username is taken.
  virtual Status insert_user(const User& user) = 0;
  // Replaces name, email, active, lang, mail_digest and the grants. not_found when absent.
  virtual Status update_user(const User& user) = 0;

  virtual Status insert_system(const System& system) = 0;  // already_exists
  virtual Status update_system(const System& system) = 0;  // not_found

  // Next number of the given year, starting at 1, never reused (a rolled back transaction
  // does not consume it).
  virtual std::int64_t next_release_seq(int year) = 0;
  // Inserts the release row (number must be new; already_exists otherwise). Its collections
  // are ignored; row_version is stored as given.
  virtual Status insert_release(const Release& release) = 0;
  // Sets state and updated_at, and increments row_version — only if the stored row_version
  // equals `expected_row_version`; otherwise conflict (not_found when absent).
  virtual Status bump_release(const std::string& number, std::int64_t expected_row_version,
                              const std::string& state, Timestamp now) = 0;

  // Adds a file to a slot, replacing a file of the same slot and name.
  virtual Status put_file(const std::string& number, const DeliverableFile& file) = 0;
  // not_found when there is no such file.
  virtual Status remove_file(const std::string& number, const std::string& slot,
                             const std::string& name) = 0;
  virtual Status add_review(const std::string& number, const Review& review) = 0;
  // Returns the new record's id. Keeps record.span (none: not a span) for span_records; the
  // other reads leave it unset.
  virtual Result<std::int64_t> add_record(const std::string& number, const Record& record) = 0;
  // Gives a span to the records of `type` that have none (those added before the store kept
  // spans, schema version 17): the times in their fields `from_key` and `to_key` (parse_span).
  // A record whose fields do not hold two such times keeps none (it is not a span) and is read
  // again by the next call. Costs an indexed look-up when every record of the type has a span,
  // plus one read per record without one. Returns how many records got a span.
  virtual std::int64_t backfill_spans(const std::string& type, const std::string& from_key, const std::string& to_key) = 0;
  virtual Status add_transition(const std::string& number, const Transition& t) = 0;
  virtual Status add_observation(const std::string& number, const Observation& o) = 0;
  // Keeps each value under `derivation`, replacing the release's earlier value under it. A
  // value whose row_version is no longer the release's (the release changed after it was
  // derived), or whose release does not exist, is skipped: not an error. Values are dropped
  // when their release's history changes (put_file, remove_file, add_review, add_record,
  // add_transition), under every derivation, whether or not row_version is bumped too.
  virtual Status put_derived(const std::string& derivation, const std::vector<DerivedValue>& values) = 0;

  virtual Result<std::int64_t> insert_freeze(const FreezeWindow& freeze) = 0;
  // Changes from, to and reason of the freeze with freeze.id; not_found when there is none.
  virtual Status update_freeze(const FreezeWindow& freeze) = 0;
  virtual Status delete_freeze(std::int64_t id) = 0;  // not_found when there is none
  virtual Status put_setting(const std::string& key, const std::string& value) = 0;
  // already_exists when an edition of that code, or one effective at the same instant, is stored.
  virtual Status insert_edition(const StoredEdition& edition) = 0;

  // --- Sign-in (issue 3). ---
  virtual Status set_password_hash(const std::string& username, const std::string& hash, Timestamp at) = 0;
  virtual Status insert_session(const SessionRecord& session) = 0;
  virtual Status delete_session(const std::string& id_digest) = 0;
  // Moves the session's expiry (idle timeout); nothing when absent.
  virtual Status touch_session(const std::string& id_digest, Timestamp expires_at) = 0;
  // Removes every session of the user (password reset, deactivation).
  virtual Status delete_sessions_of(const std::string& username) = 0;
  // Inserts or replaces the pair's row.
  virtual Status put_signin_failures(const SignInFailures& failures) = 0;
  virtual Status clear_signin_failures(const std::string& account, const std::string& address) = 0;
  // Removes at most `max_rows` rows whose last failure is before `before`, oldest first.
  virtual Status expire_signin_failures(Timestamp before, int max_rows) = 0;
  // already_exists when the key is taken.
  virtual Status insert_form_state(const FormState& state) = 0;
  // Replaces the body of the state under `key`; not_found when absent.
  virtual Status set_form_state_body(const std::string& key, const std::string& body) = 0;
  // Absent: ok.
  virtual Status delete_form_state(const std::string& key) = 0;
  // Removes at most `max_rows` states expiring before `before`, the soonest first.
  virtual Status expire_form_states(Timestamp before, int max_rows) = 0;
  // Returns the new token's id.
  virtual Result<std::int64_t> insert_token(const ApiToken& token) = 0;
  // not_found unless the token exists and belongs to `username`.
  virtual Status revoke_token(const std::string& username, std::int64_t id) = 0;
  virtual Status touch_token(std::int64_t id, Timestamp at) = 0;
  // Inserts the key of (username, scope), or replaces that key's digest and rotated_at (its id
  // and created_at stay). Returns the key's id. already_exists when another key has the digest.
  virtual Result<std::int64_t> put_calendar_key(const CalendarKey& key) = 0;
  // not_found when the user has no key of that scope.
  virtual Status delete_calendar_key(const std::string& username, const std::string& scope) = 0;
  virtual Status add_notification(const Notification& notification) = 0;
  // Marks the given notifications of the user as read (all of them when ids is empty).
  virtual Status mark_notifications_read(const std::string& username, const std::vector<std::int64_t>& ids) = 0;
  // Queues a mail (state, attempts, claim and result as given); returns its id.
  virtual Result<std::int64_t> enqueue_mail(const OutboxMail& mail) = 0;
  // Claims at most `limit` queued mails due at `now` and not held by a sender, oldest first:
  // each is held until `hold_until` (a sender that dies lets them go then).
  virtual std::vector<OutboxMail> claim_mails(Timestamp now, Timestamp hold_until, int limit) = 0;
  // Stores a mail's state, attempts, next_attempt_at, claimed_until, last_error and sent_at.
  // not_found when absent.
  virtual Status update_mail(const OutboxMail& mail) = 0;
  // Keeps an informed mail for the person's next daily digest (who, what, when; not its
  // delivery fields).
  virtual Status hold_mail(const OutboxMail& mail) = 0;
  // Marks the held mails `ids` as gathered by the queued digest `digest_id`.
  virtual Status attach_held_mails(const std::vector<std::int64_t>& ids, std::int64_t digest_id) = 0;
  // Records a generated document (its release must exist: not_found otherwise); returns its id.
  virtual Result<std::int64_t> insert_document(const IssuedDocument& doc) = 0;

  // Appends an event: fills seq (last seq + 1), prev_hash (the last event's hash, "" for the
  // first) and hash (audit::event_hash), and returns the completed event. Events are never
  // updated or deleted. The same for every backend (store.cc), on the two primitives below.
  Result<AuditEvent> append_event(AuditEvent event);
  // The newest event appended through this transaction, if any.
  const std::optional<AnchorHead>& appended_head() const { return appended_head_; }

  // --- The audit chain's primitives, for append_event. ---
  // The newest event (seq and hash at least), read so that no other transaction can insert an
  // event until this one ends: appends form one total order. nullopt when the trail is empty.
  virtual std::optional<AuditEvent> lock_chain_head() = 0;
  // Stores the event exactly as given (seq, prev_hash and hash already set).
  virtual Status insert_event(const AuditEvent& event) = 0;

 private:
  std::optional<AnchorHead> appended_head_;
};

// A backend implements read, write and describe; AnchoredStore (storage/anchored_store.h)
// adds the audit anchor above any backend, and is what the office, the server and the CLI use.
class Store {
 public:
  virtual ~Store() = default;
  virtual Status read(const std::function<Status(ReadTx&)>& fn) = 0;
  // A backend may run `fn` more than once (PostgreSQL reruns it in a new transaction after a
  // serialization failure, a deadlock or a busy chain head, up to a bound, then "store.busy");
  // each run's changes through WriteTx are rolled back before the next and only the last run
  // commits. So `fn` must do nothing outside the transaction that cannot be repeated (no I/O,
  // no messages) and must reset, at its start, whatever it gathers in outside variables.
  virtual Status write(const std::function<Status(WriteTx&)>& fn) = 0;
  virtual std::string describe() const = 0;  // "sqlite:/path/to.db"

  // Called after every durable commit that holds appended events, with the newest of them,
  // before any write() whose changes the commit holds returns; from the committing thread.
  // Set once, before the store is used; must be thread-safe and must not use the store.
  using CommitListener = std::function<void(const AnchorHead& newest)>;
  virtual void set_commit_listener(CommitListener listener) = 0;
  // Writers waiting for their turn to commit (a metric); 0 for a backend that does not queue.
  virtual std::size_t writers_waiting() const { return 0; }
};

}  // namespace pasaprod
