// Shared by the office_*.cc files; not part of the service's interface.
#pragma once

#include <nlohmann/json.hpp>

#include "core/ics.h"
#include "service/office.h"

namespace pasaprod {

// What a decision on one release needs, read from one snapshot.
struct Office::Snapshot {
  User actor;
  Release release;
  System system;
  const Procedure* proc = nullptr;
  std::vector<FreezeWindow> freezes;
  std::vector<std::string> committee;
  std::string quorum;
  std::vector<IssuedDocument> documents;  // the release's generated documents
  std::shared_ptr<const TimeZone> zone;    // the office's time zone (Office::time_zone)

  Situation situation(Timestamp now) const {
    Situation s = make_situation(*proc, release, system, now);
    s.freezes = freezes;
    s.committee_members = committee;
    s.quorum_setting = quorum;
    s.zone = zone.get();
    return s;
  }
};

// Marks each document that a later one of the same name replaces (documents oldest first).
void mark_superseded(std::vector<IssuedDocument>& docs);

}  // namespace pasaprod

namespace pasaprod::office_internal {

// An audit event for `subject`, before/after as JSON (null → "").
AuditEvent event(const Caller& caller, Timestamp at, std::string action, std::string subject,
                 const nlohmann::json& before, const nlohmann::json& after);

Error not_found(const std::string& what_es, const std::string& what_en, const std::string& key);
// unauthenticated "user.unknown": no user `username`.
Error unknown_user(const std::string& username);

// A code fit for URLs and file names: 1 to `max` ASCII letters, digits, "_", "-" or ".".
bool valid_code(const std::string& s, std::size_t max);

// The iCalendar event of a request's window (uid "<number>-<type>@pasaprod"), its texts in
// `lang` with times in `zone`, linking to the request when `public_url` is known.
ics::Event window_event(const Procedure& proc, const ReleaseSummary& release, const Record& rec, int sequence, Lang lang,
                        const TimeZone& zone, const std::string& public_url);

// What queue_digests did: digests queued, held mails read.
struct DigestBatch {
  int digests = 0;
  int read = 0;
};
// Queues one digest mail per person of the informed mail held for `username` ("" = everyone)
// made before `before`, reading at most `limit` held mails; when the limit cuts a person's
// mails, that person is left for the next call (unless they are the only one read).
Result<DigestBatch> queue_digests(WriteTx& tx, const std::string& username, Timestamp before, int limit, Timestamp now);

// The audit subject of a freeze ("freeze-7"): its events are its revisions (the calendar's
// SEQUENCE of the freeze is the number of events after "freeze.add").
inline std::string freeze_subject(std::int64_t id) { return "freeze-" + std::to_string(id); }

// The quorum setting key.
inline constexpr const char* kQuorumSetting = "committee.quorum";

}  // namespace pasaprod::office_internal
