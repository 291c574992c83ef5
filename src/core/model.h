// The domain's data: users and their roles, information systems, release requests and
// everything kept on them. Plain values; no behaviour beyond small queries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace pasaprod {

// A role held by a user. `system` empty means office-wide; per-system roles
// (functional_user, project_lead) name the system code they apply to.
struct RoleGrant {
  std::string role;
  std::string system;
  bool operator==(const RoleGrant&) const = default;
};

struct User {
  std::string username;
  std::string name;
  std::string email;
  bool active = true;
  std::string lang = "es";
  std::vector<RoleGrant> grants;  // given by hand in pasaprod
  // Roles from the office's directory groups (the group mapping file, auth/directory.h),
  // replaced whenever the directory is consulted; never edited by hand.
  std::vector<RoleGrant> directory_grants;
  // The person's entry in the office's directory when the account comes from it; "" = a local
  // account (password kept by pasaprod).
  std::string directory_dn;
  Timestamp directory_checked_at = 0;  // when the directory last confirmed the account
  // Mail the person is only informed by (RACI I) comes as one daily digest instead of at once;
  // what is asked of them (R, A, C) always comes at once.
  bool mail_digest = false;

  bool from_directory() const { return !directory_dn.empty(); }
  // True when the user holds `role` (by hand or from the directory) office-wide, or for
  // `system` when system is not empty.
  bool holds(const std::string& role, const std::string& system) const;
};

struct IndecopiRegistration {
  std::string requested_on;  // ISO date, empty when not requested
  std::string file_number;
  std::string status;
};

struct System {
  std::string code;
  std::string name;
  std::string description;
  std::string unit;                     // owning Dirección / Oficina
  std::string origin = "inhouse";       // inhouse | outsourcing
  std::string technology;
  std::string status = "in_development";  // in_development | in_production | retired
  std::string initial_version;          // version in production before pasaprod, may be ""
  IndecopiRegistration indecopi;
  Timestamp created_at = 0;
  std::string asset_id;                 // code in the office's asset inventory ("" = not registered)
};

// One file in a deliverable slot of a request. Content lives in the library by digest.
struct DeliverableFile {
  std::string slot;
  std::string name;
  std::int64_t size = 0;
  std::string sha256;
  std::string uploaded_by;
  Timestamp uploaded_at = 0;
};

// A reviewer's verdict on a slot at reception. It applies to the slot content it saw
// (`slot_digest`); once the slot's files change the review no longer counts.
struct Review {
  std::string slot;
  std::string verdict;  // accepted | observed
  std::string note;
  std::string by;
  Timestamp at = 0;
  std::string slot_digest;
};

// A typed record of SPEC §4.4 (window, backup, deployment, vote, ...).
struct Record {
  std::int64_t id = 0;
  std::string type;
  std::map<std::string, std::string> fields;
  std::string by;
  Timestamp at = 0;
  std::string manifest_sha256;  // the approval manifest when it was recorded
  // The span its fields plan when it is a window (core/calendar.h window_span), kept beside the
  // fields so that the windows of a period are found by it; derived, not audited.
  std::optional<TimeSpan> span;
};

// An action taken on a request (a transition, or a self-loop).
struct Transition {
  std::string action;
  std::string from;
  std::string to;
  std::string by;
  std::string note;
  Timestamp at = 0;
  std::string manifest_sha256;
};

struct Observation {
  std::string text;
  std::string by;
  Timestamp at = 0;
  std::string from_state;
  std::string action;
};

struct Release {
  std::string number;  // PP-2026-0042
  std::string system;
  std::string kind;    // project | maintenance | emergency
  std::string version;
  bool declared_major = false;
  bool changes_database = true;  // stated when opened: database scripts (and the DBA's parts) are required
  std::string title;
  std::string summary;
  std::string requester;
  std::string state;
  std::string edition;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::int64_t row_version = 0;  // bumped by every change; optimistic concurrency

  std::vector<DeliverableFile> files;
  std::vector<Review> reviews;           // all reviews, oldest first
  std::vector<Record> records;           // all records, oldest first
  std::vector<Transition> transitions;   // all actions, oldest first
  std::vector<Observation> observations;

  std::vector<const DeliverableFile*> files_in(const std::string& slot) const;
  // Latest record of a type, or nullptr.
  const Record* latest_record(const std::string& type) const;
  // Latest transition of an action, or nullptr.
  const Transition* latest_transition(const std::string& action) const;
};

// A listing row: enough to show a release in a list without loading its aggregate.
struct ReleaseSummary {
  std::string number;
  std::string system;
  std::string kind;
  std::string version;
  std::string title;
  std::string state;
  std::string requester;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};

// A version a system has used: in production, reserved by an open request, or burnt.
struct VersionUse {
  std::string version;
  std::string state;   // the request's state
  std::string number;  // the request's number
};

struct FreezeWindow {
  std::int64_t id = 0;
  Timestamp from = 0;
  Timestamp to = 0;
  std::string reason;
  std::string created_by;
  Timestamp created_at = 0;
};

// One event of the append-only audit trail (SPEC §8).
struct AuditEvent {
  std::int64_t seq = 0;
  Timestamp at = 0;
  std::string actor;
  std::string action;   // "release.act", "deliverable.add", "user.add", "session.login", ...
  std::string subject;  // release number, username, system code, ...
  std::string before;   // JSON text, may be ""
  std::string after;    // JSON text, may be ""
  std::string prev_hash;
  std::string hash;
};

// A browser session. The id given to the browser is secret; only its digest is stored.
struct SessionRecord {
  std::string id_digest;
  std::string username;
  std::string csrf_token;  // sent back in a header or form field on every state change
  std::string address;     // client address at sign-in
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
};

// A personal API token. The token itself is shown once; only its digest is stored.
struct ApiToken {
  std::int64_t id = 0;
  std::string username;
  std::string name;
  std::string digest;
  std::string prefix;  // first characters, to recognise it in a list
  Timestamp created_at = 0;
  Timestamp last_used_at = 0;  // 0 = never
  bool revoked = false;
  Timestamp expires_at = 0;  // refused from then on; 0 = never (tokens created before schema v7)
};

// Something a user was informed of (the I of RACI), linked to the audit event.
struct Notification {
  std::int64_t id = 0;
  std::string username;
  std::string release;
  std::int64_t event_seq = 0;
  std::string action;  // the action or record type that caused it
  std::string actor;
  Timestamp at = 0;
  bool read = false;
  std::string release_title;  // read with it from the request ("" when unknown); not stored
};

// A mail waiting to be sent, or sent: one person told of one step of one request (issue 15).
// Queued in the transaction of the change that caused it; its text is rendered when it is sent.
struct OutboxMail {
  std::int64_t id = 0;
  std::string username;
  std::string name;     // the user's name when queued
  std::string address;  // the user's e-mail when queued
  std::string lang = "es";
  std::string release;
  std::string system;
  std::string title;    // the request's title when queued
  std::int64_t event_seq = 0;
  std::string step;     // an action or record type; "consult:<step>" / "turn:<action>" as notifications
  char raci = 'I';      // why this person: R or A (their turn), C (opinion asked), I (informed)
  std::string role;     // the role that makes it theirs ("" = requester or participant)
  std::string actor;
  Timestamp at = 0;     // when the step happened
  std::string state = "queued";  // queued | sent | failed | dropped
  int attempts = 0;
  Timestamp next_attempt_at = 0;
  Timestamp claimed_until = 0;   // a sender holds it until then
  std::string last_error;
  Timestamp sent_at = 0;
  // An iCalendar invitation (METHOD:REQUEST, without ORGANIZER: the sender adds its From) sent
  // with the mail as text/calendar; "" = none. Written when queued (schema v13).
  std::string calendar;
  // By when the step asked of the person is due: the span in which it can be taken (the
  // deployment window of an action guarded by it); 0/0 = no deadline (schema v15).
  Timestamp due_from = 0, due_to = 0;
  // A daily digest (step kDigestStep): the informed mails it gathers, oldest first. Not a
  // column: read with the mail where it is sent or shown (ReadTx::digest_items).
  std::vector<OutboxMail> items;
};

// The step of a daily digest mail.
inline constexpr const char* kDigestStep = "digest";

// How many mails are in each state.
struct OutboxCounts {
  std::int64_t queued = 0, sent = 0, failed = 0, dropped = 0;
  std::int64_t held = 0;  // informed mail waiting for its daily digest
  Timestamp oldest_queued_at = 0;  // 0 when none is queued
};

// A secret calendar address of one user for one feed scope (issue 15): "office", "mine" (the
// requests the user opened or took part in) or "system:CODE". The key itself is shown once;
// only its SHA-256 (hex) is stored. Rotating replaces the digest: the old address stops working.
struct CalendarKey {
  std::int64_t id = 0;
  std::string username;
  std::string scope;
  std::string digest;
  Timestamp created_at = 0;
  Timestamp rotated_at = 0;  // 0 = never rotated
};

}  // namespace pasaprod
