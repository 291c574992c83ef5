// The SQLite backend of Store (storage/store.h).
//
//   AuditAnchor* anchor = ...;  // e.g. audit::FileAnchor, owned by the caller
//   Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open("/var/lib/pasaprod.db", anchor);
//   if (!store) return store.error();
//   Status s = (*store)->write([&](WriteTx& tx) -> Status { ... });
//
// The database file is in WAL mode with synchronous=FULL (a write() that returns ok is on
// disk), foreign_keys=ON, and a busy timeout, so several processes can share it: writers
// queue for SQLite's write lock (BEGIN IMMEDIATE), readers never block nor are blocked.
//
// Threads: one SqliteStore may be used from any number of threads. write() calls are
// serialised by a mutex over one writer connection; read() calls each borrow a connection
// from a pool (read-only, query_only), so reads run concurrently with each other and with the
// writer. A read()/write() function must not call read()/write() on the same store (the
// nested write would deadlock; a nested read would see a different snapshot).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/anchor.h"
#include "audit/chain.h"
#include "storage/store.h"

namespace pasaprod::sqlite {
class Connection;
}

namespace pasaprod {

class SqliteStore final : public Store {
 public:
  // When the anchor is advanced after a write that appended events:
  //   synchronous  before write() returns: one more flush per write; a write() that returned
  //                ok is anchored.
  //   background   by a thread of the store, right after the commit, then at most once per
  //                anchor_interval, each advance covering every write committed meanwhile
  //                (so the anchor's flushes do not compete with every commit's). A write()
  //                that returned ok is on disk but its events are anchored up to
  //                anchor_interval (plus one flush) later; a crash in between leaves them
  //                unanchored until the next write (a tail cut within that window is not
  //                detectable). flush_anchor(), verify_audit() and the destructor anchor
  //                everything committed before they return.
  enum class AnchorMode { synchronous, background };

  struct Options {
    int busy_timeout_ms = 10000;     // how long to wait for another process's lock
    std::size_t max_idle_readers = 8;  // read connections kept open between reads
    AnchorMode anchor_mode = AnchorMode::synchronous;
    std::chrono::milliseconds anchor_interval{50};  // AnchorMode::background only
    // Called after every write() that got the write lock (committed or not), on the writing
    // thread, with how long it waited for the lock (this process's and SQLite's) and whether
    // it committed. Must be thread-safe and quick (metrics). Null = none.
    std::function<void(std::chrono::nanoseconds wait, bool committed)> write_observer;
    // Group commit: at most this many concurrent writers share one transaction (see write()).
    std::size_t max_group = 64;
  };

  // Opens (creating it if needed) the database at `path` and brings its schema up to date.
  // `anchor` (not owned, may be null) must outlive the store; it is advanced after every
  // write that appended events (see AnchorMode). Errors: internal when the file cannot be
  // opened or migrated, failed_precondition when its schema is newer than this program.
  //
  // Writes fail closed on the anchor: an anchor that fails its check when the store opens, or
  // whose advance failed, makes every later write() return internal ("audit.anchor_failed")
  // before it begins — nothing is changed — until an advance succeeds again (each refused
  // write retries it first). Reads and verify_audit() keep working.
  //
  // The same holds, with a data_loss error, while the trail is not a continuation of the
  // anchored head (audit/descent.h), checked when the store opens, before each advance and
  // on each refused write: "audit.db_behind_anchor" (an older copy put back, a cut tail),
  // "audit.db_beside_anchor" (another or a rewritten trail), "audit.chain_broken" (a link
  // between the anchored event and the head fails its hash), "audit.anchor_missing" (events
  // exist but the anchor file does not, or it vanished or moved back while the store was
  // open). The anchor is never advanced onto a head that does not descend from it.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   AuditAnchor* anchor = nullptr);
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, AuditAnchor* anchor,
                                                   Options options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // One snapshot (a deferred read transaction). Exceptions from fn propagate.
  Status read(const std::function<Status(ReadTx&)>& fn) override;
  // Group commit: writers that call write() while a commit is in flight wait for it and are
  // then committed together, in arrival order, in one BEGIN IMMEDIATE ... COMMIT (one fsync),
  // each fn inside its own SAVEPOINT: a fn that refuses or throws has its own changes rolled
  // back (the exception propagates to its caller) and the others' stay. Each fn sees the
  // changes of those before it, as if the writes ran one after another; write() returns only
  // after the COMMIT that holds its changes is durable (synchronous=FULL), so a crash at any
  // point loses only writes whose write() had not returned. A group whose COMMIT fails fails
  // every member ("store.commit_failed"); if SQLite itself abandons the transaction while a
  // member runs (an I/O error, a full disk), the members before it fail with
  // "store.rolled_back" and the rest go on in a new transaction.
  // After a commit that appended events, advances the anchor once for the group (see
  // AnchorMode); if a synchronous advance fails the changes stay committed and an internal
  // error ("audit.anchor_failed") says so to each member that appended events. internal
  // ("store.busy") when the write lock was not obtained within the busy timeout.
  Status write(const std::function<Status(WriteTx&)>& fn) override;

  // Advances the anchor to the newest event committed through this store, now. ok when there
  // is no anchor or nothing to anchor; internal ("audit.anchor_failed") when the advance fails.
  Status flush_anchor();
  // Events committed through this store and not yet anchored (0 without an anchor). Thread-safe.
  std::int64_t anchor_lag() const;
  // Writers queued for the next group commit (not counting a group in flight). Thread-safe.
  std::size_t writers_waiting() const;
  std::string describe() const override { return "sqlite:" + path_; }

  // Calls fn with every event with seq > after_seq, in seq order, from one snapshot, reading
  // `chunk` events at a time (memory does not grow with the trail). Stops early when fn
  // returns false.
  void scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn,
                   int chunk = 1000);

  // Verifies the whole trail (audit::verify_chain) against the anchor given at open(), after
  // flush_anchor() (a failed flush shows as the anchor's problem): the
  // anchor is read before the snapshot is taken, so concurrent writers cause no false alarm.
  // An anchor that cannot be read or fails its check is reported as a problem
  // ("audit.anchor_invalid"); with an anchor that records nothing, a non-empty trail is a
  // problem ("audit.no_anchor"). Throws only on database I/O failure.
  audit::AuditVerifyReport verify_audit();

  // Anchors the head of a trail that has no anchor, as the deliberate act of an administrator
  // who set aside a lost, forged or keyless anchor (docs/audit.md): the trail must verify as
  // a hash chain. Lifts a refusal of writes caused by the anchor. failed_precondition
  // ("audit.anchor_present") while an anchor file exists (valid or not), data_loss
  // ("audit.reanchor_refused") when the chain does not verify. Returns the anchored seq
  // (0 for an empty trail).
  Result<std::int64_t> reanchor();

  // Every library digest a row refers to (release files and generated documents), sorted.
  std::vector<std::string> referenced_blobs();

  // The distinct library blobs rows refer to, and their bytes (one snapshot).
  struct LibraryUsage {
    std::int64_t blobs = 0;
    std::int64_t bytes = 0;
  };
  LibraryUsage library_usage();

  // Writes a consistent copy of the whole database (one snapshot, VACUUM INTO) to `dest`,
  // which must not exist, while other threads and processes keep reading and writing. Errors:
  // internal ("store.copy_failed") with SQLite's reason.
  Status copy_to(const std::string& dest);

  // A problem for each append-only trigger of audit_events that is missing or was changed
  // ("audit.trigger_missing", "audit.trigger_altered"); verify_audit() reports them.
  std::vector<audit::AuditProblem> check_append_only_triggers();

  // The trail replayed (requests opened and acted on, files added/replaced/removed, records,
  // reviews, users' roles) and compared with the current rows from one snapshot: each
  // request's state, row version, files and their digests, and the full content of its steps
  // (who signed each transition, for which manifest), records (votes, sign-offs) and reviews;
  // each user's roles. A problem ("audit.replay_*") for every difference (the first one per
  // request and history). `pasaprod audit verify` reports them beside
  // verify_audit()'s.
  std::vector<audit::AuditProblem> replay_differences();

  // The schema version of the open database.
  int schema_version();

 private:
  class ReaderLease;
  SqliteStore(std::string path, AuditAnchor* anchor, Options options);
  std::unique_ptr<sqlite::Connection> open_reader();

  const std::string path_;
  AuditAnchor* const anchor_;  // not owned; may be null
  const Options options_;

  // Writers queue in group_queue_; the one that finds no group in flight leads: it takes the
  // queue (up to max_group), commits it with writer_ and wakes the members.
  struct PendingWrite;
  void commit_group(const std::vector<PendingWrite*>& group);
  mutable std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::deque<PendingWrite*> group_queue_;  // GUARDED_BY(group_mu_)
  bool group_in_flight_ = false;           // GUARDED_BY(group_mu_)
  std::unique_ptr<sqlite::Connection> writer_;  // used only by the writer leading a group

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_readers_;  // GUARDED_BY(pool_mu_)

  // Anchoring is coalesced: whoever holds anchor_io_mu_ advances the anchor to the newest
  // head committed through this store so far; a caller whose head is already covered returns
  // at once, so concurrent writers (or the background thread) share one anchor update.
  std::mutex anchor_io_mu_;  // serialises calls to anchor_ (anchors need not be thread-safe)
  mutable std::mutex anchor_mu_;  // guards the members below; never held across anchor_ I/O
  // The background thread waits on anchor_cv_ for a head to anchor, notified by every write,
  // and between advances on stop_cv_, notified only by the destructor: a write made during
  // that pause does not wake the thread just to send it back to sleep.
  std::condition_variable anchor_cv_;
  std::condition_variable stop_cv_;
  AnchorHead latest_head_;          // newest event committed through this store
  std::int64_t anchored_seq_ = 0;   // newest seq this store anchored
  std::optional<Error> anchor_error_;  // set by a failed advance, cleared by a successful one
  // The newest head this store read from or wrote to the anchor. GUARDED_BY(anchor_io_mu_)
  std::optional<AnchorHead> known_anchor_;
  bool stopping_ = false;
  std::thread anchor_thread_;  // AnchorMode::background only; started by open()

  // Makes the anchor cover the newest committed head (see above). REQUIRES: anchor_ != nullptr.
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
  // it does; otherwise the error that refuses writes (see open()).
  std::optional<Error> check_against_anchor(const std::optional<AnchorHead>& target,
                                            std::optional<AnchorHead>* anchored);
};

}  // namespace pasaprod
