// External witnesses of the anchored head: copies kept where someone holding the whole data
// folder (database, anchor and its key) cannot rewrite them.
//
//   audit::FileAnchor file(path, key_path);
//   audit::WitnessedAnchor anchor(file, audit::syslog_witness("/dev/log", "pasaprod.db"));
//   anchor.advance(head);  // advances `file`, then sends the head to the witness
//
// The syslog witness sends one datagram per advance to a local syslog socket (journald and
// rsyslog both listen on /dev/log), facility authpriv, severity notice:
//
//   <85>pasaprod[PID]: audit head db=<db name> seq=<seq> hash=<64 hex>
//
// A witness is best effort: when it cannot be reached the anchor still advances (the office
// keeps working) and the failure is written to stderr; see docs/audit.md.
#pragma once

#include <functional>
#include <string>

#include "audit/anchor.h"

namespace pasaprod::audit {

// Records one anchored head; throws std::runtime_error when it cannot.
using Witness = std::function<void(const AnchorHead& head)>;

// A witness sending to the syslog socket at `socket_path` (a Unix datagram socket); `db_name`
// names the database in each line.
Witness syslog_witness(std::string socket_path, std::string db_name);

// The syslog line for `head` (without the "<PRI>" prefix).
std::string witness_line(const std::string& db_name, const AnchorHead& head);

// An AuditAnchor that advances `inner` and then tells `witness` (not owned objects must
// outlive it). load() is inner's.
class WitnessedAnchor : public AuditAnchor {
 public:
  WitnessedAnchor(AuditAnchor& inner, Witness witness);
  std::optional<AnchorHead> load() const override { return inner_.load(); }
  void advance(const AnchorHead& head) override;

 private:
  AuditAnchor& inner_;
  Witness witness_;
};

}  // namespace pasaprod::audit
