// The office: every operation of the procedure, for the CLI and the HTTP server alike.
//
// Each operation loads what it needs from the store, asks the core engine whether the actor
// may do it now, and writes the outcome in one transaction together with its audit event.
// Writes use optimistic concurrency: the release's row_version read with the snapshot must be
// unchanged at write time, otherwise the operation fails with Code::conflict and changes
// nothing (of two people approving at once, exactly one wins).
//
//   Office office(store, library, clock, procedures);
//   Result<Release> r = office.act("jperez", "PP-2026-0001", {"request_qa", "", {}});
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/engine.h"
#include "core/guards.h"
#include "core/model.h"
#include "core/procedure.h"
#include "core/procedure_diff.h"
#include "core/time_zone.h"
#include "library/archive.h"
#include "library/library.h"
#include "service/procedures.h"
#include "service/office_reports.h"
#include "storage/store.h"

namespace pasaprod {

// Who is asking. `username` is written to the audit trail. `local` marks the command line on
// the database's own machine: whoever can run it can edit the file, so administrative
// operations are allowed without the admin role (release actions still need a user).
struct Caller {
  std::string username;
  bool local = false;
};

// A release with what the engine says about it for one viewer.
struct ReleaseView {
  Release release;
  const Procedure* proc = nullptr;
  std::string manifest_sha256;
  std::vector<ActionOption> options;  // empty when no viewer was given
  std::vector<IssuedDocument> documents;  // generated PDFs, oldest first
  std::optional<WindowStatus> window;     // the recorded deployment window, now (core/guards.h)
};

// An edition of the procedure and when it is in force (Office::editions).
struct EditionInfo {
  std::string code;
  Label title;
  std::string approved_on;
  bool builtin = false;          // the edition this program carries, in force from the start
  bool in_force = false;         // new requests are opened under it now
  Timestamp effective_from = 0;  // 0 for the built-in one
  std::string effective_date;    // YYYY-MM-DD in the office's zone, as loaded ("" built-in)
  std::string sha256;            // of the file as loaded ("" built-in)
  Timestamp loaded_at = 0;
  std::string loaded_by;
};

// An edition file checked against the edition in force (Office::check_edition).
struct EditionCheck {
  std::string code;      // the candidate's edition code
  Label title;
  std::string in_force;  // the code of the edition in force now
  std::vector<ProcedureChange> changes;  // from the edition in force to the candidate
};

struct SystemView {
  System system;
  std::string production_version;  // "" when nothing is in production
  std::vector<ReleaseSummary> releases;  // newest first
};

// One thing for a user to do or follow on a request (the inbox).
struct InboxItem {
  ReleaseSummary release;
  // An action code, or "record:TYPE", "upload:SLOT", "review:SLOT" (core next_step).
  std::string action;
  std::string role;    // the role that puts it in the user's inbox
  bool allowed = false;
  std::optional<Error> reason;  // why not yet (a guard), when not allowed
  std::string serves;           // the forward action the step leads to ("" = none)
  Timestamp since = 0;          // when the request entered its current state
  std::vector<std::string> accountable;  // roles that answer for `serves`
};

// A list the inbox read only in part (Office::inbox_per_state): the requests in `state` (of
// `system`, or opened by `requester`, when set) past the first ones opened.
struct InboxMore {
  std::string state;
  std::string system;     // "" = any
  std::string requester;  // "" = anyone
  std::int64_t total = 0;     // requests on that list (a list of the user's own: counted up to Office::kInboxCountLimit)
  bool total_capped = false;  // more than `total`
};

struct Inbox {
  std::vector<InboxItem> todo;         // R: one next step per request, due now
  std::vector<InboxItem> waiting;      // R: the user's next step, waiting on others (reason)
  std::vector<InboxItem> accountable;  // A: the user answers for it
  std::vector<InboxItem> consulted;    // C: the user is asked about it
  std::vector<Notification> notifications;  // I: newest first, one page (Office::kNoticesPerPage)
  bool more_notifications = false;          // older ones on the next page
  std::int64_t unread = 0;
  std::vector<InboxMore> more;  // the lists read only in part, in the procedure's state order
};

// A deliverable upload in progress: feed chunks, then finish (or drop it to abort).
class Upload {
 public:
  virtual ~Upload() = default;
  virtual Status write(const char* data, std::size_t size) = 0;
  // Stores the file in the library and records it on the request. Nothing is kept on error.
  // (Office::finish_uploads records several together.)
  virtual Result<DeliverableFile> finish() = 0;
};

// One file of a library baseline (SPEC §6): a deliverable or a generated document.
struct BaselineFile {
  std::string path;    // inside the baseline: "deliverables/<slot>/<name>" or "documents/<name>"
  std::string sha256;  // as recorded in the database
  std::int64_t size = 0;
};

// The frozen baseline of one system version: the release in a production state of its edition
// with a record of the type that `is: baseline`, its deliverables and its generated documents.
struct Baseline {
  std::string system;
  std::string version;
  std::string release;          // number
  std::string state;            // a production state (edition 02: verified or closed)
  std::string manifest_sha256;  // the approval manifest frozen by the baseline record
  Timestamp frozen_at = 0;
  std::string frozen_by;
  std::vector<BaselineFile> files;  // deliverables in slot/name order, then documents by id
};

// What `document verify` found about a PDF.
struct DocumentCheck {
  bool ok = false;                       // issued by this office and unaltered
  std::optional<IssuedDocument> document;  // the matching record (when the digest matched)
  std::string sha256;                    // of the checked bytes
  std::vector<Error> problems;           // why not ok (data_loss errors), empty when ok
};

// A baseline as one tar archive: "<SYSTEM>-<version>/" holding MANIFEST (release, version,
// approval manifest digest and every file's SHA-256 and size), SHA256SUMS (for `sha256sum -c`),
// deliverables/<slot>/<name> and documents/<name>.
struct BaselineArchive {
  std::string file_name;  // "ALFA-1.1-linea-base.tar"
  std::string etag;       // SHA-256 of the MANIFEST (the archive's identity)
  std::unique_ptr<TarStream> stream;
};

// What verifying a downloaded baseline archive found.
struct ArchiveCheck {
  bool ok = false;
  std::string system, version, release;  // as its MANIFEST says ("" when unreadable)
  std::int64_t files_checked = 0;
  std::vector<Error> problems;  // each mismatch (data_loss), in the order found
};

// A deployment window on the calendar: a request's latest record of the procedure's span type
// (core/calendar.h span_record_type).
struct CalendarWindow {
  ReleaseSummary release;
  Record record;
  Timestamp from = 0;
  Timestamp to = 0;
  int sequence = 0;  // earlier windows of the request (the iCalendar SEQUENCE)
};

// The windows and freezes of a period, and their conflicts.
struct CalendarView {
  Timestamp from = 0, to = 0;
  std::vector<CalendarWindow> windows;   // by start
  std::vector<FreezeWindow> freezes;     // those overlapping the period, by start
  std::vector<WindowConflict> conflicts;  // of these windows, among all windows and freezes
  bool truncated = false;                // more windows than Office::kCalendarMaxWindows
};

// A calendar address made or rotated: `key` is shown once (the feed is /calendar/KEY.ics).
struct NewCalendarKey {
  std::string key;
  CalendarKey record;
};

// Settings of generated documents (SPEC §5).
inline constexpr const char* kInstitutionSetting = "documents.institution";
inline constexpr const char* kDocumentLangSetting = "documents.lang";
// The office's time zone (an IANA name, default util/zoneinfo.h kDefaultTimeZone): every time a
// person reads or types is in it.
inline constexpr const char* kTimeZoneSetting = "office.time_zone";
inline constexpr const char* kDefaultInstitution = "Ministerio de Educación — Oficina de Informática";

class Office {
 public:
  // `procedures` grows as editions are loaded (load_edition, refresh_editions).
  Office(Store& store, BlobStore& library, const Clock& clock, ProcedureSet& procedures);

  // The edition in force now: new requests are opened under it, and the office-wide role
  // attributes (who administers, edits systems, sets freezes, ...) are its.
  const Procedure& current_procedure() const { return procedures_.in_force(clock_.now()); }
  const ProcedureSet& procedures() const { return procedures_; }
  Store& store() { return store_; }
  BlobStore& library() { return library_; }
  // Removes the library blob `sha256` unless a deliverable or document refers to it (see
  // Library::discard_unreferenced).
  Status discard_blob(const std::string& sha256);
  // Crash recovery, when the office is opened: the blobs of uploads and generated documents
  // whose process died between storing them and recording them are discarded (discard_blob),
  // so that no orphan is left behind (Library::recover_interrupted_adds). The number of such
  // adds.
  Result<int> recover_interrupted_uploads();
  // When the office is opened: the window records written before the store kept spans (schema
  // version 17) get theirs from their fields, for the current edition's window type and keys
  // (core/calendar.h span_record_type; WriteTx::backfill_spans). A window whose fields hold no
  // two times keeps none: the calendar does not show it. Cheap when every window has a span
  // (an indexed look-up). The number of records given a span.
  Result<std::int64_t> fill_window_spans();
  // Ends the add protocol of blobs committed (and so pinned) before the write that records
  // their use: releases `pins` once that write is over, then, when it failed (`recorded`
  // false), gives back `new_blobs` (discard_blob; a leftover would be only space). A process
  // killed before this leaves them to recover_interrupted_uploads().
  void settle_blobs(const std::vector<BlobWriter*>& pins, const std::vector<std::string>& new_blobs, bool recorded);
  Timestamp now() const { return clock_.now(); }
  // The office's time zone (setting kTimeZoneSetting), read from the store at each call, so a
  // change made by another server or process shows at once; each zone is parsed once and kept.
  // A zone that no longer loads falls back to UTC, which is named as such.
  std::shared_ptr<const TimeZone> time_zone();
  // The zone of that name ("" = the default), from the parsed zones kept.
  std::shared_ptr<const TimeZone> zone_named(const std::string& name);

  // The server secret verification codes of generated documents are computed with (kept
  // outside the database, like the audit anchor's key). Empty, the default, means no
  // documents are generated (workflow-only uses, e.g. scenario tests). Set it once, before use.
  void set_document_key(std::string key) { document_key_ = std::move(key); }
  bool issues_documents() const { return !document_key_.empty(); }
  // The server's address as people reach it ("https://pasaprod.minedu.gob.pe", no trailing
  // slash; "" = unknown): links in calendar events. Set it once, before use.
  void set_public_url(std::string url) { public_url_ = std::move(url); }
  const std::string& public_url() const { return public_url_; }

  // --- Users, systems, configuration (admin or local caller). ---
  Result<User> add_user(const Caller& caller, User user);
  Result<User> grant(const Caller& caller, const std::string& username, RoleGrant grant);
  Result<User> revoke(const Caller& caller, const std::string& username, const RoleGrant& grant);
  Result<User> set_active(const Caller& caller, const std::string& username, bool active);
  // Self or admin: name (kept when empty), email, lang and mail_digest. Turning the digest
  // off queues at once a digest of what was held for the person.
  Result<User> update_profile(const Caller& caller, User user);
  Result<std::vector<User>> users();
  Result<User> user(const std::string& username);

  Result<System> add_system(const Caller& caller, System system);
  // Admin or production_lead (office-wide). Replaces name, description, unit, origin,
  // technology, status and INDECOPI data of the system with `system.code`; its code, creation
  // and initial version stay (versions move only through releases). Audit event
  // "system.update" with before and after. invalid_argument with detail "field" (name, origin,
  // status, indecopi_requested_on) for a value it refuses; not_found for an unknown code.
  Result<System> update_system(const Caller& caller, System system);
  Result<std::vector<System>> systems();
  Result<SystemView> system_view(const std::string& code);

  // Freeze windows: admin, it_chief or production_lead.
  Result<FreezeWindow> add_freeze(const Caller& caller, Timestamp from, Timestamp to, const std::string& reason);
  Result<std::vector<FreezeWindow>> freezes();
  // Whoever may add a freeze may end it now, change it or remove it; each needs a note saying
  // why and is audited (freeze.end / freeze.edit / freeze.remove, before and after).
  Result<FreezeWindow> end_freeze(const Caller& caller, std::int64_t id, const std::string& note);
  Result<FreezeWindow> edit_freeze(const Caller& caller, std::int64_t id, Timestamp from, Timestamp to, const std::string& reason,
                                   const std::string& note);
  Status remove_freeze(const Caller& caller, std::int64_t id, const std::string& note);
  Status set_setting(const Caller& caller, const std::string& key, const std::string& value);

  // --- Editions of the procedure (office_editions.cc). ---
  // Files larger than this are refused ("procedure.too_large").
  static constexpr std::size_t kMaxEditionBytes = 512 * 1024;
  // Every edition known, built-in first, by effective_from, the one in force now marked.
  Result<std::vector<EditionInfo>> editions();
  // Checks an edition file as load_edition would (the loader's checks: codes, guards,
  // reachability, an R role per action; the edition code is new; every role an active account
  // holds is declared and someone holds its administering role) without loading it, and lists
  // its differences from the edition in force. `name` names the file in messages.
  Result<EditionCheck> check_edition(const std::string& yaml, const std::string& name);
  // The administering role: loads the edition file, in force for the requests opened from the
  // start of `effective_date` (YYYY-MM-DD, the office's zone; today: from now) on, while open
  // requests keep theirs. Audited "procedure.load" with the file's SHA-256. Refusals change
  // nothing: check_edition's, "procedure.bad_date" (field "effective"), "procedure.effective_past",
  // and already_exists when an edition starts that same instant.
  Result<EditionInfo> load_edition(const Caller& caller, const std::string& yaml, const std::string& name,
                                   const std::string& effective_date);
  // Learns the editions another process or server node loaded since this office read them.
  // Done when the office opens a request, meets a request of an edition it does not know, and
  // by whoever owns the office at start. data_loss "procedure.stored_altered" when a stored
  // file no longer matches its digest; the loader's error when it no longer loads.
  Status refresh_editions();

  // --- Mail outbox (issue 15): what notify() queued, for the sender and for administrators. ---
  Result<OutboxCounts> mail_counts(const Caller& caller);  // admin
  // Admin: mails in `state` ("" = any; else queued, sent, failed or dropped), newest first.
  Result<std::vector<OutboxMail>> mails(const Caller& caller, const std::string& state, int limit, int offset);
  // Admin: a failed or dropped mail queued again, due now, attempts from 0 (audit "mail.retry");
  // a queued or failed mail dropped: never sent (audit "mail.drop"). invalid_argument
  // "mail.state" when the mail is not in such a state; not_found for an unknown id.
  Result<OutboxMail> retry_mail(const Caller& caller, std::int64_t id);
  Result<OutboxMail> drop_mail(const Caller& caller, std::int64_t id);
  // The server's sender: claims at most `limit` due mails, oldest first, each held `hold_ms`
  // (another sender skips them; after that they are due again, so a sender that died while
  // sending lets another send them again, with the same Message-ID).
  Result<std::vector<OutboxMail>> claim_mails(int limit, Timestamp hold_ms);
  // The sender's result for a claimed mail (state, attempts, next_attempt_at, last_error,
  // sent_at as it set them; the hold is released).
  Status record_mail_result(OutboxMail mail);
  // The sender, at the digest hour: queues one digest mail per person (step kDigestStep) with
  // the informed mail held for them (User::mail_digest) made before `before`, each person's in
  // one digest; the number of digests queued. A person who has no address or account any more
  // gets a digest dropped at once, with the reason, so nothing stays held.
  Result<int> queue_mail_digests(Timestamp before);
  // The token of the link in every mail that sets `username`'s mail to a daily digest (or,
  // `digest` false, to every mail at once) without signing in: the HMAC of both under the
  // office's document key, so it can be neither guessed nor turned to another choice.
  std::string mail_preference_token(const std::string& username, bool digest) const;
  // permission_denied "mail.preference_link" when `token` is not the one for that user and choice.
  Status check_mail_preference_link(const std::string& username, bool digest, const std::string& token) const;
  // Follows such a link: check_mail_preference_link, then as update_profile by the user
  // (audited "user.update").
  Result<User> set_mail_digest_by_link(const std::string& username, bool digest, const std::string& token);

  // --- Release requests. ---
  Result<Release> open_release(const Caller& caller, const std::string& system, const NewReleaseInput& input);
  // open_release, answering the caller's view of the new request computed inside the same
  // write (the office's inputs read there): nothing is read back.
  Result<ReleaseView> open_release_view(const Caller& caller, const std::string& system, const NewReleaseInput& input);
  Result<ReleasePage> releases(const ReleaseFilter& filter);
  // `viewer` "" = no action options.
  Result<ReleaseView> view(const std::string& number, const std::string& viewer);

  // `expected_row_version`: when given, the release must still be at that version (the
  // client's If-Match); the check is always made against the snapshot the decision used. The
  // write also refuses (conflict, "office.changed") when what else the decision relied on — the
  // freezes, the committee, its quorum — changed since the load.
  // Answers the caller's view of the release after the action, computed from the snapshot and
  // the plan (one load, one decision, one write: nothing is read back).
  // `confirmed` false (a form's first submission): an irreversible action that the engine
  // would allow, judged as the view judges it (from the stored digests), is not taken and
  // answers failed_precondition "action.unconfirmed"; any refusal is answered as usual.
  Result<ReleaseView> act_view(const Caller& caller, const std::string& number, const ActionInput& input,
                               std::optional<std::int64_t> expected_row_version = std::nullopt, bool confirmed = true);
  // act_view(...).release.
  Result<Release> act(const Caller& caller, const std::string& number, const ActionInput& input,
                      std::optional<std::int64_t> expected_row_version = std::nullopt, bool confirmed = true);
  Result<Record> record(const Caller& caller, const std::string& number, const std::string& type,
                        const std::map<std::string, std::string>& fields,
                        std::optional<std::int64_t> expected_row_version = std::nullopt);
  // A reception review of the deliverable in `slot`; like act_view, answers the caller's view
  // of the release after it, computed from the snapshot and the review (nothing is read back).
  Result<ReleaseView> review_view(const Caller& caller, const std::string& number, const std::string& slot,
                                  const std::string& verdict, const std::string& note,
                                  std::optional<std::int64_t> expected_row_version = std::nullopt);
  // The review review_view(...) recorded.
  Result<Review> review(const Caller& caller, const std::string& number, const std::string& slot,
                        const std::string& verdict, const std::string& note,
                        std::optional<std::int64_t> expected_row_version = std::nullopt);

  // Checks the caller may add `name` to `slot` now, then streams. `expected_sha256` as for
  // Library::begin_add; `max_size` bounds the file.
  Result<std::unique_ptr<Upload>> begin_upload(const Caller& caller, const std::string& number, const std::string& slot,
                                               const std::string& name, std::optional<std::string> expected_sha256,
                                               std::int64_t max_size);
  // Stores several uploads begun by one caller for one request and records them together: one
  // transaction, an audit event per file, every file or none (nothing is kept on error). Each
  // file is checked against the request as the files before it left it. invalid_argument
  // "upload.mixed" when they are not all of one request and caller (or not from begin_upload).
  Result<std::vector<DeliverableFile>> finish_uploads(std::vector<std::unique_ptr<Upload>> uploads);
  Result<DeliverableFile> add_deliverable_file(const Caller& caller, const std::string& number, const std::string& slot,
                                               const std::string& path, const std::string& name);
  Status remove_deliverable(const Caller& caller, const std::string& number, const std::string& slot,
                            const std::string& name);

  // What `username` must do now, answers for, is asked about, and was informed of (page
  // `notices_page` of the notifications, from 0). Of each list of requests it reads (a state's
  // requests: all, a system's or the user's own) it considers the inbox_per_state() opened
  // first; Inbox::more counts the rest, so the cost of an inbox does not grow with the office.
  // One read transaction: every request is decided from the same snapshot, with the office's
  // inputs (freezes, committee, quorum, time zone) read once for all of them.
  static constexpr int kNoticesPerPage = 30;
  static constexpr int kInboxPerState = 50;
  static constexpr std::int64_t kInboxCountLimit = 1000;
  void set_inbox_per_state(int n) { inbox_per_state_ = std::max(1, n); }
  int inbox_per_state() const { return inbox_per_state_; }
  Result<Inbox> inbox(const std::string& username, int notices_page = 0);
  Status mark_read(const std::string& username, const std::vector<std::int64_t>& ids);

  // --- PMO adherence and metrics (SPEC §7; office_reports.cc, office_reports.h). ---
  // The report over the releases `query` selects, evaluated as of now. Only the roles of
  // adherence_viewer_roles(current_procedure()) (or a local caller): permission_denied "role.required" otherwise.
  // Side effect: keeps the facts of the histories it had to read (Store::put_derived), so the
  // next report reads one row per unchanged release; failing to keep them never fails it.
  Result<reports::AdherenceReport> adherence_report(const Caller& caller, const AdherenceQuery& query);
  // The same report exported as `format` (see adherence_formats()), in `lang`.
  // invalid_argument "report.bad_format" for another format.
  Result<ReportFile> adherence_file(const Caller& caller, const AdherenceQuery& query, const std::string& format, Lang lang);

  // Audit events of one subject ("" = all), oldest first.
  Result<std::vector<AuditEvent>> events(const std::string& subject, std::int64_t after_seq, int limit);

  // --- The calendar of windows and freezes (issue 15; office_calendar.cc). ---
  static constexpr int kCalendarMaxWindows = 2000;
  // Windows overlapping [from, to) (0 = unbounded) of `system` ("" = all) and of requests
  // `participant` opened or took part in ("" = all), with the freezes of the period and the
  // conflicts. Requests that ended without reaching production (rejected, cancelled, rolled
  // back) are left out: their windows no longer happen.
  Result<CalendarView> calendar(Timestamp from, Timestamp to, const std::string& system, const std::string& participant);
  // The conflicts of the current window of the request `view` shows with other windows and
  // the freezes (the view as view() gave it: nothing of the request is read again).
  Result<std::vector<WindowConflict>> window_conflicts(const ReleaseView& view);
  // The caller's calendar addresses (digests only).
  Result<std::vector<CalendarKey>> calendar_keys(const Caller& caller);
  // Makes the caller's address for `scope` ("office", "mine" or "system:CODE"), or rotates it
  // (a new key; the old address stops working). Audit "calendar.key_create" / "calendar.key_rotate"
  // (never the key). invalid_argument "calendar.bad_scope" (field "scope") for another scope,
  // not_found for an unknown system.
  Result<NewCalendarKey> issue_calendar_key(const Caller& caller, const std::string& scope);
  // Removes the address for `scope` of `username` ("" = the caller's own; another user's needs
  // the admin role), audit "calendar.key_remove" with the owner as subject; not_found when none.
  Status remove_calendar_key(const Caller& caller, const std::string& scope, const std::string& username = "");
  // The iCalendar feed behind a secret key, in its owner's language: windows from 180 days ago
  // on and the freezes of that span, times in the office's zone (VTIMEZONE). A window's SEQUENCE
  // counts the request's earlier windows; a freeze's counts its changes (audit events). not_found "calendar.unknown_key" for a key that is not (or
  // no longer) anyone's, or whose owner is deactivated.
  Result<std::string> calendar_feed(const std::string& key);

  // --- Generated documents and the library baseline (office_documents.cc, office_baseline.cc). ---
  // A release's documents, oldest first; not_found when the release does not exist.
  Result<std::vector<IssuedDocument>> documents(const std::string& number);
  // A release's document by id (decimal) or file name; not_found otherwise.
  Result<IssuedDocument> document(const std::string& number, const std::string& id_or_name);
  // Whether `pdf` (the bytes of a file) is a document this office issued: its SHA-256 must
  // match a recorded document whose verification code recomputes from its stored payload under
  // the document key. Errors only for I/O; a foreign or altered file is ok=false with problems.
  Result<DocumentCheck> verify_document(std::string_view pdf);
  // Baselines of a system (not_found for an unknown system), newest version first.
  Result<std::vector<Baseline>> baselines(const std::string& system);
  // not_found when the system has no baseline of that version.
  Result<Baseline> baseline(const std::string& system, const std::string& version);
  // The baseline as a tar archive, produced on demand with constant memory.
  Result<BaselineArchive> baseline_archive(const std::string& system, const std::string& version);
  // Checks a baseline archive: every member against its MANIFEST, and the MANIFEST against the
  // database (release, approval manifest, every file's path and SHA-256). Errors only when the
  // file cannot be read at all; tampering is ok=false with one problem per mismatch.
  Result<ArchiveCheck> verify_baseline_archive(const std::filesystem::path& path);

  // Records in the audit trail (event "backup.create", subject "office") that a backup was
  // written: `archive` says which (file, bytes, sha256, ...). Local callers and administrators.
  Status record_backup(const Caller& caller, const nlohmann::json& archive);

  // --- State web forms keep between requests, shared by every node (office_forms.cc). ---
  // Puts `state`: already_exists when its key is taken. The same write first removes up to
  // 100 states expired at `now` and, while `max_states` or more are kept, the 100 that expire
  // soonest.
  Status put_form_state(const FormState& state, Timestamp now, std::int64_t max_states);
  // The state under `key` when it belongs to `owner` and `path` and has not expired at `now`:
  // removed and returned, so only once. nullopt otherwise (and then it stays).
  Result<std::optional<FormState>> take_form_state(const std::string& key, const std::string& owner,
                                                   const std::string& path, Timestamp now);
  Result<std::optional<FormState>> form_state(const std::string& key);
  Status set_form_state_body(const std::string& key, const std::string& body);  // not_found
  Status delete_form_state(const std::string& key);

  // --- Used by upload and tests. ---
  // Records files already in the library on the request, in one transaction.
  Result<std::vector<DeliverableFile>> commit_files(const Caller& caller, const std::string& number,
                                                    std::vector<DeliverableFile> files);

 private:
  struct Snapshot;
  Result<Snapshot> load(const std::string& actor, const std::string& number);
  // Reads what a decision relies on beside the request: the freezes, the active members of
  // the committee of snap.proc, the quorum setting and the office's time zone (into
  // snap.freezes/committee/quorum/zone).
  void read_office_inputs(ReadTx& tx, Snapshot& snap);
  // The active users holding `role` office-wide: the committee of an edition naming it.
  static std::vector<std::string> committee_of(ReadTx& tx, const std::string& role);
  // Conflict ("office.changed") when those differ between `loaded` and `now`.
  static Status same_office_inputs(const Snapshot& loaded, const Snapshot& now);
  // The view of `snap` at `now` (action options for snap.actor when `with_options`); moves
  // the release and documents out of `snap`.
  ReleaseView view_of(Snapshot& snap, Timestamp now, bool with_options);
  // ok for a local caller or an active user holding one of `roles` office-wide; `roles` empty:
  // the edition's administering role. permission_denied "role.required" naming them otherwise.
  Status require_admin(const Caller& caller, const std::vector<std::string>& roles = {});
  // The manifest of the bytes actually stored in the library for the release's files.
  Result<std::string> deployed_manifest(const Release& release);
  Result<std::vector<DeliverableFile>> verify_files(const Release& release);
  // A document whose PDF is in the library, pinned by pdf.writer, and whose row is not written.
  struct PendingDocument {
    IssuedDocument doc;
    BlobStore::PinnedBlob pdf;
  };
  // Renders the document `action` generates (none: nullopt) for the release as it is after
  // `transition`, and stores the PDF in the library. The row is not written: the caller
  // writes it, then calls settle_blobs. Any failure is an error: the action must then be
  // refused.
  Result<std::optional<PendingDocument>> issue_document(const Snapshot& snap, const ActionDef& action,
                                                        const Transition& transition, const std::string& actor);
  Result<Baseline> baseline_of(ReadTx& tx, const Release& release);
  Result<FreezeWindow> change_freeze(const Caller& caller, std::int64_t id, const std::string& action, const std::string& note,
                                     const std::function<Status(FreezeWindow&, Timestamp now)>& change);
  // Tells every active user holding one of `roles` (pseudo-roles "requester": who opened the
  // request; "everyone": whoever took part in it) of event `event`, except the actor: a
  // notification in the inbox when `notice` (C and I), and a mail in the outbox for those with
  // an e-mail address, saying why (`raci`: R, A, C or I) and through which role.
  Status notify(WriteTx& tx, const Snapshot& snap, const std::vector<std::string>& roles, char raci, bool notice,
                const std::string& step, const AuditEvent& event);
  // Asks the roles the RACI marks C for what opens in `state` (notifications "consult:<step>").
  Status ask_consulted(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event);
  // Recording a window (the span record `rec`): tells the roles its type informs, the R of
  // the forward actions open now, the R of the actions the window opens (guarded by
  // within_window) and the requester, each with the window as an iCalendar invitation.
  Status invite_to_window(WriteTx& tx, const Snapshot& snap, const Record& rec, const AuditEvent& event);
  // Mails the roles the RACI marks R and A for the forward actions open in `state` (those that
  // move the request along its kind's path): per person one mail "turn:A1,A2" naming the
  // actions they are R for, and one naming those they answer for (A) without being R. The
  // inbox lists these without a notice.
  Status tell_turn(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event);
  // Reads the actor, the request (into *out_release) and its system within `tx`, and checks
  // that the actor may add (or, `removing`, remove) file `name` of `slot` now (edition_of).
  Status check_upload(ReadTx& tx, const Caller& caller, const std::string& number, const std::string& slot,
                      const std::string& name, Timestamp now, Release* out_release, bool removing);
  // Opens the request in one write: the snapshot of the new request as written, with the
  // office's inputs read within that write when `with_inputs`; `now` is when it was opened.
  Result<Snapshot> open_snapshot(const Caller& caller, const std::string& system, const NewReleaseInput& input,
                                 bool with_inputs, Timestamp& now);
  // The edition `code`, learning the stored editions within `tx` when this office does not know
  // it yet; internal "procedure.unknown_edition" when none is stored under that code.
  Result<const Procedure*> edition_of(ReadTx& tx, const std::string& code);
  // refresh_editions within `tx`: reads the stored editions' codes, and the files of those
  // this office does not know yet.
  Status learn_editions(ReadTx& tx);
  // The lists of requests the inbox of `who` reads (Office::inbox).
  std::vector<ReleaseFilter> inbox_lists(const User& who) const;
  // An edition file read by the loader, with a code fit for URLs and file names.
  Result<Procedure> parse_edition(const std::string& yaml, const std::string& name) const;

  Store& store_;
  BlobStore& library_;
  const Clock& clock_;
  ProcedureSet& procedures_;
  std::string document_key_;  // set once before use (set_document_key)
  std::string public_url_;    // set once before use (set_public_url)
  int inbox_per_state_ = kInboxPerState;
  std::mutex zone_mu_;
  std::map<std::string, std::shared_ptr<const TimeZone>> zones_;  // GUARDED_BY(zone_mu_): by name
};

}  // namespace pasaprod
