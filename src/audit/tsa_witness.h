// The time-stamp witness: the anchored head stamped by an RFC 3161 time-stamp authority (TSA),
// off the request path (docs/audit.md, "Time-stamp witness").
//
//   audit::TsaWitness tsa({.url = "http://tsa.example/", .dir = "data/pasaprod.db.tsa",
//                          .db_name = "pasaprod.db"},
//                         [&anchor] { return anchor.load(); });
//   tsa.start();   // a thread: stamps the head at once if it moved since the newest kept reply
//   tsa.notify();  // the head moved (from the anchor's witness hook); never blocks
//   // ~TsaWitness: stops the thread, then stamps the head once more if it moved
//
// The thread stamps the newest anchored head at most once per `interval`: it wakes when the
// interval is over and stamps the head then if it moved (a head advanced by another process,
// e.g. a CLI command, is seen too). A failed stamp is written to stderr, counted in status()
// and tried again after `retry`; it never stops the office's writes.
//
// Kept, for each stamped head, in `dir` (created, mode 0755: a reply is signed, not secret):
//   <seq>-<hash>.tsr   the TSA's TimeStampResp (DER), as `openssl ts -verify -in` reads it
//   <seq>-<hash>.txt   the statement stamped: witness_line(db_name, head), no newline
// both written atomically (a temporary, fsync, rename).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audit/anchor.h"

namespace pasaprod::audit {

struct TsaOptions {
  std::string url;                            // http:// or https:// URL of the TSA
  std::string dir;                            // where the replies are kept
  std::string db_name;                        // names the database in each statement
  std::chrono::seconds interval{300};         // at most one stamp per interval
  std::chrono::seconds retry{30};             // after a failure (at most `interval`)
  std::chrono::seconds timeout{20};           // per request to the TSA
};

// What a kept reply stamps.
struct StampedHead {
  AnchorHead head;
  std::string reply_path;      // <dir>/<seq>-<hash>.tsr
  std::string statement_path;  // <dir>/<seq>-<hash>.txt
};

// The kept reply of the highest seq in `dir`; nullopt when there is none (or no such folder).
std::optional<StampedHead> newest_stamp(const std::string& dir);

// Stamps `head` once, now: asks the TSA at options.url, checks the reply grants the request,
// and keeps it in options.dir. Throws std::runtime_error with the reason on any failure.
StampedHead stamp_head(const TsaOptions& options, const AnchorHead& head);

// Verifies the kept reply of `stamped` for the statement of its head (verify_timestamp in
// timestamp.h, trusting the PEM certificates in `ca_file`); the stamp's time in seconds since
// 1970. Throws std::runtime_error with the reason.
std::int64_t verify_stamp(const StampedHead& stamped, const std::string& db_name, const std::string& ca_file);

class TsaWitness {
 public:
  // `head` gives the newest anchored head (nullopt: none yet); it may throw, which counts as a
  // failure.
  TsaWitness(TsaOptions options, std::function<std::optional<AnchorHead>()> head);
  ~TsaWitness();
  TsaWitness(const TsaWitness&) = delete;
  TsaWitness& operator=(const TsaWitness&) = delete;

  void start();
  void notify();

  struct Status {
    std::int64_t stamped_seq = 0;     // the newest head stamped (kept in dir), 0 when none
    std::int64_t last_success = 0;    // seconds since 1970 of the last stamp made here, 0 when none
    std::int64_t failures = 0;        // failed attempts since start
    bool failing = false;             // the last attempt failed
    std::string last_error;           // its reason
  };
  Status status() const;

 private:
  void run();
  // One attempt: stamps the head if it moved past the newest stamp. False when it failed.
  bool stamp_if_moved();

  const TsaOptions options_;
  const std::function<std::optional<AnchorHead>()> head_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool hinted_ = false;
  Status status_;
  std::thread thread_;
};

}  // namespace pasaprod::audit
