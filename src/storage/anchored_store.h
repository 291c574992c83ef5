// The audit anchor above any backend (audit/anchor.h): one piece of code gives every backend
// the same tamper evidence.
//
//   auto backend = SqliteStore::open(path);          // or any Store
//   AnchoredStore store(std::move(*backend), &anchor, {});
//   Status s = store.write([&](WriteTx& tx) { ... tx.append_event(e) ... });
//
// After each commit that appended events, the anchor is advanced to the newest of them, so a
// cut tail or an older copy of the database put back is detectable.
//
// Writes fail closed on the anchor: an anchor that fails its check when the store is made, or
// whose advance failed, makes every later write() return internal ("audit.anchor_failed")
// before it begins (nothing is changed) until an advance succeeds again (each refused write
// retries it first). Reads and verify_audit() keep working. The same holds, with a data_loss
// error, while the trail is not a continuation of the anchored head (audit/descent.h),
// checked when the store is made, before each advance and on each refused write:
// "audit.db_behind_anchor" (an older copy put back, a cut tail), "audit.db_beside_anchor"
// (another or a rewritten trail), "audit.chain_broken" (a link between the anchored event and
// the head fails its hash), "audit.anchor_missing" (events exist but the anchor does not, or it
// vanished or moved back while the store was open). The anchor is never advanced onto a head
// that does not descend from it.
//
// Without an anchor (nullptr) it only forwards, and verify_audit() checks the chain alone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "audit/anchor.h"
#include "audit/chain.h"
#include "storage/store.h"

namespace pasaprod {

class AnchoredStore final : public Store {
 public:
  // When the anchor is advanced after a write that appended events:
  //   synchronous  before write() returns: a write() that returned ok is anchored; writers
  //                committed together (group commit) share one advance.
  //   background   by a thread of the store, right after the commit, then at most once per
  //                interval, each advance covering every write committed meanwhile. A write()
  //                that returned ok is durable but anchored up to interval (plus one flush)
  //                later; a crash in between leaves it unanchored until the next write (a tail
  //                cut within that window is not detectable). flush_anchor(), verify_audit()
  //                and the destructor anchor everything committed before they return.
  enum class AnchorMode { synchronous, background };
  struct Options {
    AnchorMode mode = AnchorMode::synchronous;
    std::chrono::milliseconds interval{50};  // AnchorMode::background only
  };

  // `anchor` (not owned, may be null) must outlive the store. Checks the trail against the
  // anchor (a failure refuses writes, as above) and installs the backend's commit listener.
  AnchoredStore(std::unique_ptr<Store> backend, AuditAnchor* anchor, Options options);
  AnchoredStore(std::unique_ptr<Store> backend, AuditAnchor* anchor)
      : AnchoredStore(std::move(backend), anchor, Options{}) {}
  ~AnchoredStore() override;
  AnchoredStore(const AnchoredStore&) = delete;
  AnchoredStore& operator=(const AnchoredStore&) = delete;

  Status read(const std::function<Status(ReadTx&)>& fn) override;
  // The backend's write, refused first while the anchor is in error (see above). If a
  // synchronous advance fails after the commit, the changes stay committed and an internal
  // error ("audit.anchor_failed", "saved but not anchored") says so to each writer that
  // appended events.
  Status write(const std::function<Status(WriteTx&)>& fn) override;
  std::string describe() const override { return backend_->describe(); }
  void set_commit_listener(CommitListener) override;  // the store's own; not for callers
  std::size_t writers_waiting() const override { return backend_->writers_waiting(); }

  Store& backend() { return *backend_; }

  // Advances the anchor to the newest event committed through this store, now. ok when there
  // is no anchor or nothing to anchor; internal ("audit.anchor_failed") when the advance fails.
  Status flush_anchor();
  // Events committed through this store and not yet anchored (0 without an anchor). Thread-safe.
  std::int64_t anchor_lag() const;

  // Verifies the whole trail (audit::verify_chain) against the anchor, after flush_anchor() (a
  // failed flush shows as the anchor's problem), with the backend's protections of the trail:
  // the anchor is read before the snapshot is taken, so concurrent writers cause no false
  // alarm. An anchor that cannot be read or fails its check is reported as a problem
  // ("audit.anchor_invalid"); with an anchor that records nothing, a non-empty trail is a
  // problem ("audit.no_anchor"). Throws only on database I/O failure.
  // `witnessed`: a head an outside witness vouches for (audit::VerifyOptions::witnessed).
  audit::AuditVerifyReport verify_audit(std::optional<AnchorHead> witnessed = std::nullopt);

  // The trail replayed and compared with the current rows, from one snapshot
  // (storage/replay.h): a problem ("audit.replay_*") for every difference.
  std::vector<audit::AuditProblem> replay_differences();

  // Anchors the head of a trail that has no anchor, as the deliberate act of an administrator
  // who set aside a lost, forged or keyless anchor (docs/audit.md): the trail must verify as
  // a hash chain. Lifts a refusal of writes caused by the anchor. failed_precondition
  // ("audit.anchor_present") while an anchor exists (valid or not), data_loss
  // ("audit.reanchor_refused") when the chain does not verify. Returns the anchored seq
  // (0 for an empty trail, or without an anchor).
  Result<std::int64_t> reanchor();

 private:
  // Makes the anchor cover the newest committed head. REQUIRES: anchor_ != nullptr.
  Status advance_anchor();
  void record_head(const AnchorHead& committed);
  void anchor_loop();
  // Before a write: ok unless the anchor is in error and a retry (advance, or a check of the
  // anchor when nothing is pending) fails too.
  Status anchor_ready();
  // REQUIRES: anchor_io_mu_ held. `recheck`: with nothing to advance, load the anchor to
  // confirm it is valid (clearing a past error) instead of returning the past error.
  Status advance_locked(bool recheck);
  // REQUIRES: anchor_io_mu_ held. Loads the anchor and checks that the trail descends from it
  // up to `target` (or to the newest event); sets *anchored to what was loaded. nullopt when
  // it does; otherwise the error that refuses writes.
  std::optional<Error> check_against_anchor(const std::optional<AnchorHead>& target,
                                            std::optional<AnchorHead>* anchored);
  // Calls fn with each event after after_seq in one snapshot, as ReadTx::scan_events.
  void scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn);

  const std::unique_ptr<Store> backend_;
  AuditAnchor* const anchor_;  // not owned; may be null
  const Options options_;

  // Anchoring is coalesced: whoever holds anchor_io_mu_ advances the anchor to the newest
  // head committed so far; a caller whose head is already covered returns at once, so
  // concurrent writers (or the background thread) share one anchor update.
  std::mutex anchor_io_mu_;  // serialises calls to anchor_ (anchors need not be thread-safe)
  mutable std::mutex anchor_mu_;  // guards the members below; never held across anchor_ I/O
  // The background thread waits on anchor_cv_ for a head to anchor, notified by every commit,
  // and between advances on stop_cv_, notified only by the destructor.
  std::condition_variable anchor_cv_;
  std::condition_variable stop_cv_;
  AnchorHead latest_head_;          // newest event committed through this store
  std::int64_t anchored_seq_ = 0;   // newest seq this store anchored
  std::optional<Error> anchor_error_;  // set by a failed advance, cleared by a successful one
  // The newest head this store read from or wrote to the anchor. GUARDED_BY(anchor_io_mu_)
  std::optional<AnchorHead> known_anchor_;
  bool stopping_ = false;
  std::thread anchor_thread_;  // AnchorMode::background with an anchor only
};

}  // namespace pasaprod
