// SQLite implementation of ReadTx/WriteTx over one connection with an open transaction.
// Internal to the sqlite backend; SqliteStore creates one per read()/write() call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "audit/anchor.h"
#include "core/search_fold.h"
#include "storage/sqlite/db.h"
#include "storage/store.h"

namespace pasaprod::sqlite {


// The structured part of a filter as a WHERE clause over numbered parameters ?1..?6.
struct ReleaseWhere {
  const ReleaseFilter& f;
  std::string sql = "WHERE 1 = 1";
  bool any = false;  // some structured filter is set

  // Scans of many rows: with a state filter, releases_by_state answers every combination from
  // the index alone (it alone carries the state, schema v4); left to itself the planner may
  // pick a narrower index and read table rows to check the state.
  std::string scan_from() const {
    return f.state.empty() ? "FROM releases " : "FROM releases INDEXED BY releases_by_state ";
  }

  explicit ReleaseWhere(const ReleaseFilter& filter) : f(filter) {
    add(!f.state.empty(), " AND state = ?1");
    add(!f.system.empty(), " AND system = ?2");
    add(!f.kind.empty(), " AND kind = ?3");
    add(!f.requester.empty(), " AND requester = ?4");
    add(f.created_from != 0, " AND created_at >= ?5");
    add(f.created_to != 0, " AND created_at < ?6");
  }
  // No filter but state, system and kind (the text aside): the matches are counted by
  // release_counts, whose columns have the same names (kCountedTotalSql).
  bool counted() const { return f.requester.empty() && f.created_from == 0 && f.created_to == 0; }
  void add(bool on, const char* fragment) {
    if (!on) return;
    sql += fragment;
    any = true;
  }
  void bind(Stmt& st) const {
    if (!f.state.empty()) st.bind(1, f.state);
    if (!f.system.empty()) st.bind(2, f.system);
    if (!f.kind.empty()) st.bind(3, f.kind);
    if (!f.requester.empty()) st.bind(4, f.requester);
    if (f.created_from != 0) st.bind(5, f.created_from);
    if (f.created_to != 0) st.bind(6, f.created_to);
  }
};

// The exact number of releases matching a ReleaseWhere that counted(): its sql follows, and it
// binds the statement. A sum over the rows of release_counts (schema v18), one per (state,
// system, kind) group, whatever the number of releases.
inline constexpr const char* kCountedTotalSql = "SELECT COALESCE(SUM(n), 0) FROM release_counts ";

// The columns of a releases row that read_release_row() reads, in its order.
inline constexpr const char* kReleaseColumns =
    "number, system, kind, version, declared_major, title, summary, requester, state, edition, created_at, "
    "updated_at, row_version, changes_database";
// Fills r's own fields (not files, reviews, records, transitions, observations) from a row
// selected with kReleaseColumns first.
void read_release_row(const Stmt& st, Release& r);

// REQUIRES: db has an open transaction for the object's whole life (BEGIN for reads, BEGIN
// IMMEDIATE for writes); write methods are only called when it is a write transaction.
class SqliteTx final : public WriteTx {
 public:
  explicit SqliteTx(Connection& db) : db_(db) {}

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
  void for_each_release_history(const ReleaseFilter& filter,
                                const std::function<void(const Release&)>& fn) override;
  void for_each_release_derived(const ReleaseFilter& filter, const std::string& derivation,
                                const std::function<void(const Release&, const std::string*)>& fn) override;
  std::vector<FreezeWindow> freezes() override;
  std::vector<StoredEdition> editions(bool with_text) override;
  std::vector<SpanRecord> span_records(const SpanQuery& query) override;
  std::optional<std::string> setting(const std::string& key) override;
  std::vector<AuditEvent> events(const std::string& subject, std::int64_t after_seq,
                                 int limit) override;
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
  std::vector<IssuedDocument> documents_of(const std::string& number) override;
  std::vector<IssuedDocument> find_documents(const std::string& sha256, const std::string& code) override;
  bool blob_referenced(const std::string& sha256) override;
  std::vector<std::string> referenced_blobs() override;
  LibraryUsage library_usage() override;
  void scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) override;
  void scan_audited_rows(AuditedRowsVisitor& visitor) override;
  std::vector<audit::AuditProblem> trail_protection_problems() override;
  int schema_version() override;

  // WriteTx
  Status insert_user(const User& user) override;
  Status update_user(const User& user) override;
  Status insert_system(const System& system) override;
  Status update_system(const System& system) override;
  std::int64_t next_release_seq(int year) override;
  Status insert_release(const Release& release) override;
  Status bump_release(const std::string& number, std::int64_t expected_row_version,
                      const std::string& state, Timestamp now) override;
  Status put_file(const std::string& number, const DeliverableFile& file) override;
  Status remove_file(const std::string& number, const std::string& slot,
                     const std::string& name) override;
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
  std::optional<AuditEvent> lock_chain_head() override;
  Status insert_event(const AuditEvent& event) override;
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
  OutboxCounts mail_counts() override;
  std::vector<OutboxMail> mails(const std::string& state, int limit, int offset) override;
  Result<OutboxMail> mail(std::int64_t id) override;
  std::vector<OutboxMail> held_mails(const std::string& username, Timestamp before, int limit) override;
  std::vector<OutboxMail> digest_items(std::int64_t digest_id) override;
  Result<std::int64_t> enqueue_mail(const OutboxMail& mail) override;
  std::vector<OutboxMail> claim_mails(Timestamp now, Timestamp hold_until, int limit) override;
  Status update_mail(const OutboxMail& mail) override;
  Status hold_mail(const OutboxMail& mail) override;
  Status attach_held_mails(const std::vector<std::int64_t>& ids, std::int64_t digest_id) override;
  Status mark_notifications_read(const std::string& username, const std::vector<std::int64_t>& ids) override;
  Result<std::int64_t> insert_document(const IssuedDocument& doc) override;

  // The newest event inserted through this transaction, if any (for the commit listener).
  const std::optional<AnchorHead>& inserted_head() const { return inserted_head_; }

 private:
  // releases() with a text filter, given the matching ids (sqlite_tx_list.cc):
  // The page of `newest` (the newest matching ids, descending) in listing order, when the
  // page fills (or the listing ends) before the listing passes an id older than the oldest of
  // them; else nullopt.
  std::optional<std::vector<ReleaseSummary>> newest_page(const std::vector<std::int64_t>& newest, std::size_t offset,
                                                         std::size_t limit);
  // The page of all matching `ids` (ascending) that pass `where`, counted up to `cap`.
  ReleasePage combine(const std::vector<std::int64_t>& ids, const ReleaseWhere& where, std::size_t offset,
                      std::size_t limit, std::int64_t cap, bool oldest_first);
  bool release_exists(const std::string& number);
  std::vector<RoleGrant> grants_of(const std::string& username);
  void set_span(std::int64_t record_id, const TimeSpan& span);
  std::vector<RoleGrant> directory_grants_of(const std::string& username);
  void write_grants(const User& user);

  Connection& db_;
  std::optional<AnchorHead> inserted_head_;
};

// The statements of span_records (?1..?6: type, from, to, system, participant, limit, the
// unbounded ends as the least and greatest 64-bit integers) and of backfill_spans (?1..?5: type,
// from_key, to_key, the id to read after, batch size): their query plans are tested.
extern const char* const kSpanRecordsSql;
extern const char* const kBackfillSpansSql;

// Events with seq > after_seq, oldest first, at most limit; subject "" = all.
std::vector<AuditEvent> read_events(Connection& db, const std::string& subject,
                                    std::int64_t after_seq, int limit);

}  // namespace pasaprod::sqlite
