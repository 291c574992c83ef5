// The facts of one release's history that its adherence controls (reports/adherence.h) are
// evaluated from, and their compact text form, so a store can keep them beside the release and
// a later report need not read the history again (Office::adherence_report).
//
//   AdherenceFacts f = gather_adherence_facts(proc, release);        // from the whole history
//   std::string v = encode_adherence_facts(f, release.created_at);    // kept by the store
//   ... later, while the release is unchanged (same row_version):
//   std::optional<AdherenceFacts> g = decode_adherence_facts(v, release.created_at);
//   ReleaseAdherence a = evaluate_adherence_facts(proc, release, *g, system, options);
//   // a == evaluate_release(proc, release, system, options), field for field
//
// The facts depend only on the history (transitions, records, reviews, files) and on the
// procedure's deliverable slots — never on the time of the report: whether a closing control
// is overdue depends on options.as_of and is decided by evaluate_adherence_facts. The release's
// own fields (number, system, kind, state, created_at) are not part of them either.
//
// adherence_facts_key(proc) names what facts were derived with (this evaluator's version and
// the procedure's slots), so a store keeps them under that key and facts derived by another
// version of this code, or under another procedure, are never used. Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/procedure.h"
#include "reports/adherence.h"

namespace pasaprod::reports {

// What the controls need from a history. Times are milliseconds; 0 = did not happen (times on
// a release are after 1970). "First" and "last" follow the history's order (oldest first).
// Each fact is marked by the codes the procedure's `adherence:` section names for it (edition 02's
// names below), or by the record type with the meaning (`is:`) named.
struct AdherenceFacts {
  // Transitions.
  Timestamp request_qa = 0;          // first request_qa
  Timestamp qa_accept = 0;           // first qa_accept
  Timestamp request_production = 0;  // first request_production
  Timestamp last_validate = 0;       // last validate
  Timestamp last_prepare = 0;        // last prepare_report before the first approval
  Timestamp approval = 0;            // first approve / committee_approve
  Timestamp prepare_before_approval = 0;  // last_prepare when there is an approval, else 0
  Timestamp deploy = 0;              // first deploy
  Timestamp left_deployed = 0;       // first verify, or first rollback from deployed
  Timestamp verify = 0;              // first verify
  Timestamp closed = 0;              // first accept / close
  Timestamp accept = 0;              // first accept
  Timestamp rollback = 0;            // first rollback
  int returns = 0;                   // return_to_qa and qa_observe actions
  bool reject_action = false;        // some reject transition
  // Records (first of each type): security, inventory, ip by `adherence:`; the others by meaning.
  Timestamp security = 0, backup = 0, verification = 0, baseline = 0, inventory = 0, ip = 0;
  Timestamp rollback_record = 0;     // first rollback record with every key given
  Timestamp cosign_qa = 0;           // first cosign as its first `by` role (qa_lead)
  Timestamp cosign_prod = 0;         // first cosign as its second `by` role (production_lead)
  // The latest window record at or before the deploy (the latest of all when not deployed).
  enum class Window { none, unreadable, ok };  // unreadable: from or to is not ISO 8601
  Window window = Window::none;
  Timestamp window_from = 0, window_to = 0;  // when ok
  // Files.
  bool backout_plan = false;  // some file in the slot `adherence: backout_plan` names
  // Reviews: every required (non-generated) slot of the kind's latest review at or before the
  // last validation accepted (met), or only its latest review at all (met_late), or not
  // (missed); not_applicable when the release was never validated or its kind is unknown.
  Outcome deliverables = Outcome::not_applicable;
  Timestamp deliverables_latest = 0;  // latest review of a required slot (met, met_late)
  bool unknown_kind = false;          // validated, but the procedure has no such kind

  bool operator==(const AdherenceFacts&) const = default;
};

// The facts of `release`'s history under `proc`. Reads transitions, records, reviews, files and
// kind; nothing else.
AdherenceFacts gather_adherence_facts(const Procedure& proc, const Release& release);

// One release's controls from its facts. Reads only the release's number, system, kind, state
// and created_at (its collections may be empty), and from `proc` what its kind and state are
// (core/derived.h). `system` may be nullptr (unit then "").
ReleaseAdherence evaluate_adherence_facts(const Procedure& proc, const Release& release, const AdherenceFacts& facts,
                                          const System* system, const AdherenceOptions& options);

// Text form: comma-separated fields, times as offsets from `created_at` (empty for 0), so a
// typical release takes ~150 bytes. decode_adherence_facts(encode_adherence_facts(f, c), c) == f.
std::string encode_adherence_facts(const AdherenceFacts& facts, Timestamp created_at);
// nullopt when `text` is not of that form (the caller then gathers the facts again).
std::optional<AdherenceFacts> decode_adherence_facts(std::string_view text, Timestamp created_at);

// "adherence-facts/<evaluator version>/<edition>/<digest>". Changes when this code changes what
// the facts mean (kAdherenceFactsVersion) or when the procedure's kinds, slots, adherence codes
// or record meanings change, so stored facts derived otherwise are not used.
std::string adherence_facts_key(const Procedure& proc);

// Bump whenever gather_adherence_facts, the fields above or their encoding change meaning.
inline constexpr int kAdherenceFactsVersion = 1;

}  // namespace pasaprod::reports
