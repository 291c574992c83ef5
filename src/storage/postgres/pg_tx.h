// PostgreSQL implementation of ReadTx/WriteTx over one connection with an open transaction.
// Internal to the postgres backend; PgStore creates one per read()/write() attempt.
//
// Every method runs parameterized statements (pg::Connection::exec); an unexpected failure
// throws pg::PgError, which aborts the transaction (PgStore rolls it back, and runs a write
// again after a serialization failure, a deadlock or a busy chain head: pg::retryable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/postgres/pg.h"
#include "storage/store.h"

namespace pasaprod::postgres {

// The structured part of a ReleaseFilter as a WHERE clause of releases' columns, over
// parameters $1..$6: state, system, kind, requester, created_from, created_to, always all
// passed ("" / 0 when unset). PostgreSQL plans each statement with its parameters' values, so
// the conditions of unset filters fold away.
inline constexpr const char* kReleaseWhere =
    "WHERE ($1 = '' OR state = $1) AND ($2 = '' OR system = $2) AND ($3 = '' OR kind = $3)"
    " AND ($4 = '' OR requester = $4) AND ($5::bigint = 0 OR created_at >= $5::bigint)"
    " AND ($6::bigint = 0 OR created_at < $6::bigint)";

// A LIMIT or OFFSET as SQLite takes it, for PostgreSQL, which refuses negative ones: a negative
// limit is no limit, a negative offset is 0.
inline std::int64_t sql_limit(int limit) { return limit < 0 ? INT64_MAX : limit; }
inline std::int64_t sql_offset(int offset) { return offset < 0 ? 0 : offset; }

// The columns of a releases row that read_release_row() reads, in its order.
inline constexpr const char* kReleaseColumns =
    "number, system, kind, version, declared_major, title, summary, requester, state, edition, created_at, "
    "updated_at, row_version, changes_database";
// Fills r's own fields (not files, reviews, records, transitions, observations) from a row
// selected with kReleaseColumns first.
void read_release_row(const pg::Row& row, Release& r);

// Events with seq > after_seq, oldest first, at most limit; subject "" = all.
std::vector<AuditEvent> read_events(pg::Connection& db, const std::string& subject, std::int64_t after_seq, int limit);

// REQUIRES: db has an open transaction for the object's whole life (REPEATABLE READ READ ONLY
// for reads, SERIALIZABLE for writes); write methods are only called in a write transaction.
class PgTx final : public WriteTx {
 public:
  // `head_locked`: the transaction began with LOCK TABLE audit_head IN EXCLUSIVE MODE (a
  // rerun, see PgStore::write()), so the chain head is already this transaction's.
  explicit PgTx(pg::Connection& db, bool head_locked = false) : db_(db), head_locked_(head_locked) {}

  // ReadTx
  Result<User> user(const std::string& username) override;
  std::vector<User> users() override;
  std::vector<User> users_with_role(const std::string& role, const std::string& system) override;
  Result<System> system(const std::string& code) override;
  std::vector<System> systems() override;
  Result<Release> release(const std::string& number) override;
  std::vector<Release> releases_by_number(const std::vector<std::string>& numbers) override;
  ReleasePage releases(const ReleaseFilter& filter) override;
  std::vector<VersionUse> versions_of(const std::string& system) override;
  void for_each_release_history(const ReleaseFilter& filter, const std::function<void(const Release&)>& fn) override;
  void for_each_release_derived(const ReleaseFilter& filter, const std::string& derivation,
                                const std::function<void(const Release&, const std::string*)>& fn) override;
  std::vector<FreezeWindow> freezes() override;
  std::vector<StoredEdition> editions(bool with_text) override;
  std::vector<SpanRecord> span_records(const SpanQuery& query) override;
  std::optional<std::string> setting(const std::string& key) override;
  std::vector<AuditEvent> events(const std::string& subject, std::int64_t after_seq, int limit) override;
  std::optional<AuditEvent> last_event() override;
  std::optional<std::string> password_hash(const std::string& username) override;
  std::optional<SessionRecord> session(const std::string& id_digest) override;
  std::optional<SignInFailures> signin_failures(const std::string& account, const std::string& address) override;
  std::optional<FormState> form_state(const std::string& key) override;
  std::int64_t form_state_count() override;
  std::vector<ApiToken> tokens(const std::string& username) override;
  std::optional<ApiToken> token_by_digest(const std::string& digest) override;
  std::vector<CalendarKey> calendar_keys(const std::string& username) override;
  std::optional<CalendarKey> calendar_key_by_digest(const std::string& digest) override;
  std::vector<Notification> notifications(const std::string& username, bool unread_only, int limit, int offset) override;
  std::int64_t unread_notifications(const std::string& username) override;
  OutboxCounts mail_counts() override;
  std::vector<OutboxMail> mails(const std::string& state, int limit, int offset) override;
  Result<OutboxMail> mail(std::int64_t id) override;
  std::vector<OutboxMail> held_mails(const std::string& username, Timestamp before, int limit) override;
  std::vector<OutboxMail> digest_items(std::int64_t digest_id) override;
  std::vector<IssuedDocument> documents_of(const std::string& number) override;
  std::vector<IssuedDocument> find_documents(const std::string& sha256, const std::string& code) override;
  bool blob_referenced(const std::string& sha256) override;
  std::vector<std::string> referenced_blobs() override;
  LibraryUsage library_usage() override;
  void scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) override;
  void scan_audited_rows(AuditedRowsVisitor& visitor) override;
  // The append-only triggers of audit_events (update, delete, truncate): missing, disabled, or
  // no longer calling the refusing function unchanged; and audit_head without its one row
  // ("audit.head_lock_missing"; appends are refused meanwhile, see lock_chain_head).
  std::vector<audit::AuditProblem> trail_protection_problems() override;
  int schema_version() override;

  // WriteTx
  Status insert_user(const User& user) override;
  Status update_user(const User& user) override;
  Status insert_system(const System& system) override;
  Status update_system(const System& system) override;
  std::int64_t next_release_seq(int year) override;
  Status insert_release(const Release& release) override;
  Status bump_release(const std::string& number, std::int64_t expected_row_version, const std::string& state,
                      Timestamp now) override;
  Status put_file(const std::string& number, const DeliverableFile& file) override;
  Status remove_file(const std::string& number, const std::string& slot, const std::string& name) override;
  Status add_review(const std::string& number, const Review& review) override;
  Result<std::int64_t> add_record(const std::string& number, const Record& record) override;
  std::int64_t backfill_spans(const std::string& type, const std::string& from_key, const std::string& to_key) override;
  Status add_transition(const std::string& number, const Transition& t) override;
  Status add_observation(const std::string& number, const Observation& o) override;
  Status put_derived(const std::string& derivation, const std::vector<DerivedValue>& values) override;
  Result<std::int64_t> insert_freeze(const FreezeWindow& freeze) override;
  Status update_freeze(const FreezeWindow& freeze) override;
  Status delete_freeze(std::int64_t id) override;
  Status insert_edition(const StoredEdition& edition) override;
  Status put_setting(const std::string& key, const std::string& value) override;
  Status set_password_hash(const std::string& username, const std::string& hash, Timestamp at) override;
  Status insert_session(const SessionRecord& session) override;
  Status delete_session(const std::string& id_digest) override;
  Status touch_session(const std::string& id_digest, Timestamp expires_at) override;
  Status delete_sessions_of(const std::string& username) override;
  Status put_signin_failures(const SignInFailures& failures) override;
  Status clear_signin_failures(const std::string& account, const std::string& address) override;
  Status expire_signin_failures(Timestamp before, int max_rows) override;
  Status insert_form_state(const FormState& state) override;
  Status set_form_state_body(const std::string& key, const std::string& body) override;
  Status delete_form_state(const std::string& key) override;
  Status expire_form_states(Timestamp before, int max_rows) override;
  Result<std::int64_t> insert_token(const ApiToken& token) override;
  Status revoke_token(const std::string& username, std::int64_t id) override;
  Status touch_token(std::int64_t id, Timestamp at) override;
  Result<std::int64_t> put_calendar_key(const CalendarKey& key) override;
  Status delete_calendar_key(const std::string& username, const std::string& scope) override;
  Status add_notification(const Notification& notification) override;
  Status mark_notifications_read(const std::string& username, const std::vector<std::int64_t>& ids) override;
  Result<std::int64_t> enqueue_mail(const OutboxMail& mail) override;
  std::vector<OutboxMail> claim_mails(Timestamp now, Timestamp hold_until, int limit) override;
  Status update_mail(const OutboxMail& mail) override;
  Status hold_mail(const OutboxMail& mail) override;
  Status attach_held_mails(const std::vector<std::int64_t>& ids, std::int64_t digest_id) override;
  Result<std::int64_t> insert_document(const IssuedDocument& doc) override;

  // The newest event, read so that no other transaction appends an event until this one ends:
  // the one row of audit_head is locked (LOCK TABLE audit_head IN ROW SHARE MODE NOWAIT, then
  // SELECT ... FOR UPDATE NOWAIT), and every append updates that row. A writer that finds it
  // locked (55P03), or changed since its snapshot (40001), fails at once; PgStore::write() runs
  // it again holding LOCK TABLE audit_head IN EXCLUSIVE MODE from its first statement, before
  // its snapshot, so the rerun sees every earlier append. Concurrent nodes thus append in one
  // total order. Not pg_advisory_xact_lock: a SERIALIZABLE snapshot is taken before that
  // function runs, so a writer that waited for it could not see the holder's event.
  // nullopt when the trail is empty. Throws pg::PgError when audit_head has lost its row.
  std::optional<AuditEvent> lock_chain_head() override;
  // Stores the event exactly as given and moves audit_head to it. REQUIRES: lock_chain_head()
  // was called in this transaction (WriteTx::append_event does).
  Status insert_event(const AuditEvent& event) override;

 private:
  bool release_exists(const std::string& number);
  void set_span(std::int64_t record_id, const TimeSpan& span);
  std::vector<RoleGrant> grants_of(const std::string& username, const char* table);
  void write_grants(const User& user);

  pg::Connection& db_;
  bool head_locked_;
};

}  // namespace pasaprod::postgres
