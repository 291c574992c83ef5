// The audit trail's hash chain (SPEC §8): how an event's hash is computed and how a trail is
// verified.
//
// Each event's hash covers the previous event's hash and the event's own fields, so editing,
// inserting, deleting or reordering any past event breaks the chain. A cut tail (the newest
// events deleted) leaves a valid shorter chain; it is caught by comparing with the anchor kept
// outside the database (audit/anchor.h).
//
//   audit::ChainVerifier v({.anchor = anchor.load(), .anchor_expected = true});
//   for (each event in seq order) v.add(event);
//   audit::AuditVerifyReport report = v.finish();
//   if (!report.ok) for (auto& p : report.problems) print(p.seq, p.message(lang));
//
// Or, pulling from a source: audit::verify_chain(next_event, options).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/anchor.h"
#include "core/model.h"
#include "core/status.h"

namespace pasaprod::audit {

// SHA-256 (lowercase hex) of the event's canonical serialization:
//
//   "pasaprod-audit-v1\n" then, for each of prev_hash, seq, at, actor, action, subject,
//   before, after (seq and at as decimal text): <byte length in decimal> ":" <bytes> ","
//
// Length prefixes make the serialization injective: no two distinct events serialize alike.
// Ignores event.hash. This format is persistent: changing it invalidates every stored trail.
std::string event_hash(const AuditEvent& event);

// One thing wrong with a trail.
struct AuditProblem {
  std::int64_t seq = 0;  // the event concerned (0 when it concerns the trail as a whole)
  std::string id;        // stable: "audit.altered", "audit.gap", "audit.cut_tail", ...
  std::string es;
  std::string en;
  const std::string& message(Lang lang) const { return lang == Lang::en ? en : es; }
};

struct AuditVerifyReport {
  bool ok = true;                      // no problem found
  std::int64_t events_checked = 0;
  std::int64_t last_seq = 0;           // seq of the newest event seen, 0 when empty
  std::string last_hash;               // its stored hash
  std::vector<AuditProblem> problems;  // in trail order, at most VerifyOptions::max_problems
  std::int64_t problems_total = 0;     // including those left out of `problems`
};

struct VerifyOptions {
  // The anchored head; the trail must contain that seq with that exact hash.
  std::optional<AnchorHead> anchor = std::nullopt;
  // When true and `anchor` is nullopt, a non-empty trail is a problem (the anchor was lost or
  // removed, which would hide a cut tail).
  bool anchor_expected = false;
  // A head an outside witness vouches for (e.g. a verified time-stamp); the trail must contain
  // that seq with that exact hash ("audit.witness_mismatch", "audit.witness_missing_event").
  std::optional<AnchorHead> witnessed = std::nullopt;
  std::size_t max_problems = 100;
};

// Incremental verifier: feed events in the order the trail stores them (by seq), then
// finish(). Memory use does not grow with the trail. Checks, for every event: seq contiguity
// from 1, prev_hash equal to the previous event's stored hash ("" for the first), and the
// stored hash equal to event_hash(); then the anchor.
class ChainVerifier {
 public:
  explicit ChainVerifier(VerifyOptions options = {});
  void add(const AuditEvent& event);
  // Adds a problem found outside the chain (e.g. an unreadable anchor).
  void add_problem(AuditProblem problem);
  // Ends verification; the verifier must not be used afterwards.
  AuditVerifyReport finish();

 private:
  VerifyOptions options_;
  AuditVerifyReport report_;
  bool anchor_seen_ = false;
  bool witnessed_seen_ = false;
};

// Next event of a trail in seq order, or nullopt at the end.
using EventSource = std::function<std::optional<AuditEvent>()>;

// Verifies the trail produced by `next` (see ChainVerifier).
AuditVerifyReport verify_chain(const EventSource& next, const VerifyOptions& options = {});

}  // namespace pasaprod::audit
