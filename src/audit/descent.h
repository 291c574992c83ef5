// Whether the database's trail still contains the anchored head, and whether a new head
// descends from it: the check that keeps normal use from erasing tamper evidence.
//
// A trail put back from an older copy, or cut at its tail, is a valid chain that is *behind*
// the anchor (it ends before the anchored seq); one that was rewritten, or replaced by another
// office's, is *beside* it (its event at the anchored seq has another hash). If writes were
// accepted on such a trail, the anchor would soon be advanced onto the new chain and `audit
// verify` would report it intact again. So a store checks, at open and before every advance:
//
//   audit::DescentCheck check(anchored, target);       // target: the head about to be anchored
//   store.scan_events(check.first_seq() - 1, [&](const AuditEvent& e) { return check.add(e); });
//   if (std::optional<Error> refusal = check.finish()) refuse writes with *refusal;
//
// Checked by hashes, for every event from the anchored one to the target (or to the newest
// event when no target is given): seq contiguity, prev_hash equal to the previous event's
// stored hash, stored hash equal to event_hash(); the first one must be the anchored (seq,
// hash), the last one the target. With nothing anchored the chain is checked from event 1.
#pragma once

#include <cstdint>
#include <optional>

#include "audit/anchor.h"
#include "core/model.h"
#include "core/status.h"

namespace pasaprod::audit {

class DescentCheck {
 public:
  DescentCheck(std::optional<AnchorHead> anchored, std::optional<AnchorHead> target);
  // The first seq to feed (the anchored one, or 1).
  std::int64_t first_seq() const;
  // Feeds the next event in seq order; false when no more events are needed.
  bool add(const AuditEvent& event);
  // nullopt when the (target or newest) head descends from the anchored one; otherwise a
  // data_loss error, id "audit.db_behind_anchor", "audit.db_beside_anchor" or
  // "audit.chain_broken", in Spanish and English, saying what to do.
  std::optional<Error> finish() const;

 private:
  std::optional<AnchorHead> anchored_;
  std::optional<AnchorHead> target_;
  std::int64_t last_seq_ = 0;  // last event fed, 0 before the first
  std::string last_hash_;
  bool reached_target_ = false;
  std::optional<Error> failure_;
};

}  // namespace pasaprod::audit
