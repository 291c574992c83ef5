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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/model.h"
#include "core/procedure.h"
#include "library/library.h"
#include "service/procedures.h"
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
};

struct SystemView {
  System system;
  std::string production_version;  // "" when nothing is in production
  std::vector<ReleaseSummary> releases;  // newest first
};

// One thing for a user to do or follow on a request (the inbox).
struct InboxItem {
  ReleaseSummary release;
  std::string action;  // an action code, or "record:TYPE" for a record the user should add
  std::string role;    // the role that puts it in the user's inbox
  bool allowed = false;
  std::optional<Error> reason;  // why not yet (a guard), when not allowed
};

struct Inbox {
  std::vector<InboxItem> todo;         // R: the user may or must act now
  std::vector<InboxItem> accountable;  // A: the user answers for it
  std::vector<InboxItem> consulted;    // C: the user is asked about it
  std::vector<Notification> notifications;  // I: newest first
  std::int64_t unread = 0;
};

// A deliverable upload in progress: feed chunks, then finish (or drop it to abort).
class Upload {
 public:
  virtual ~Upload() = default;
  virtual Status write(const char* data, std::size_t size) = 0;
  // Stores the file in the library and records it on the request. Nothing is kept on error.
  virtual Result<DeliverableFile> finish() = 0;
};

class Office {
 public:
  Office(Store& store, Library& library, const Clock& clock, const ProcedureSet& procedures);

  const Procedure& current_procedure() const { return procedures_.current(); }
  const ProcedureSet& procedures() const { return procedures_; }
  Store& store() { return store_; }
  Library& library() { return library_; }
  Timestamp now() const { return clock_.now(); }

  // --- Users, systems, configuration (admin or local caller). ---
  Result<User> add_user(const Caller& caller, User user);
  Result<User> grant(const Caller& caller, const std::string& username, RoleGrant grant);
  Result<User> revoke(const Caller& caller, const std::string& username, const RoleGrant& grant);
  Result<User> set_active(const Caller& caller, const std::string& username, bool active);
  Result<User> update_profile(const Caller& caller, User user);
  Result<std::vector<User>> users();
  Result<User> user(const std::string& username);

  Result<System> add_system(const Caller& caller, System system);
  Result<System> update_system(const Caller& caller, System system);
  Result<std::vector<System>> systems();
  Result<SystemView> system_view(const std::string& code);

  // Freeze windows: admin, it_chief or production_lead.
  Result<FreezeWindow> add_freeze(const Caller& caller, Timestamp from, Timestamp to, const std::string& reason);
  Result<std::vector<FreezeWindow>> freezes();
  Status set_setting(const Caller& caller, const std::string& key, const std::string& value);

  // --- Release requests. ---
  Result<Release> open_release(const Caller& caller, const std::string& system, const NewReleaseInput& input);
  Result<ReleasePage> releases(const ReleaseFilter& filter);
  // `viewer` "" = no action options.
  Result<ReleaseView> view(const std::string& number, const std::string& viewer);

  // `expected_row_version`: when given, the release must still be at that version (the
  // client's If-Match); the check is always made against the snapshot the decision used.
  Result<Release> act(const Caller& caller, const std::string& number, const ActionInput& input,
                      std::optional<std::int64_t> expected_row_version = std::nullopt);
  Result<Record> record(const Caller& caller, const std::string& number, const std::string& type,
                        const std::map<std::string, std::string>& fields,
                        std::optional<std::int64_t> expected_row_version = std::nullopt);
  Result<Review> review(const Caller& caller, const std::string& number, const std::string& slot,
                        const std::string& verdict, const std::string& note,
                        std::optional<std::int64_t> expected_row_version = std::nullopt);

  // Checks the caller may add `name` to `slot` now, then streams. `expected_sha256` as for
  // Library::begin_add; `max_size` bounds the file.
  Result<std::unique_ptr<Upload>> begin_upload(const Caller& caller, const std::string& number, const std::string& slot,
                                               const std::string& name, std::optional<std::string> expected_sha256,
                                               std::int64_t max_size);
  Result<DeliverableFile> add_deliverable_file(const Caller& caller, const std::string& number, const std::string& slot,
                                               const std::string& path, const std::string& name);
  Status remove_deliverable(const Caller& caller, const std::string& number, const std::string& slot,
                            const std::string& name);

  // What `username` must do now, answers for, is asked about, and was informed of.
  Result<Inbox> inbox(const std::string& username);
  Status mark_read(const std::string& username, const std::vector<std::int64_t>& ids);

  // Audit events of one subject ("" = all), oldest first.
  Result<std::vector<AuditEvent>> events(const std::string& subject, std::int64_t after_seq, int limit);

  // --- Used by upload and tests. ---
  // Records a file already in the library on the request, in one transaction.
  Result<DeliverableFile> commit_file(const Caller& caller, const std::string& number, DeliverableFile file);

 private:
  struct Snapshot;
  Result<Snapshot> load(const std::string& actor, const std::string& number);
  Status require_admin(const Caller& caller, const std::vector<std::string>& roles = {});
  // The manifest of the bytes actually stored in the library for the release's files.
  Result<std::string> deployed_manifest(const Release& release);
  Result<std::vector<DeliverableFile>> verify_files(const Release& release);
  // Adds a notification of event `seq` for every user holding one of `roles` (pseudo-role
  // "everyone": whoever took part in the request), except the actor.
  Status notify(WriteTx& tx, const Snapshot& snap, const std::vector<std::string>& roles, const std::string& action,
                const AuditEvent& event);

  Store& store_;
  Library& library_;
  const Clock& clock_;
  const ProcedureSet& procedures_;
};

}  // namespace pasaprod
