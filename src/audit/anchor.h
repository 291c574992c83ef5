// The audit trail's head, kept outside the database.
//
// A hash chain reveals an edited, inserted, deleted or reordered event, but not a cut tail:
// deleting the newest events leaves a valid, shorter chain. The anchor records the newest
// (seq, hash) that was committed, somewhere an edit of the database file does not reach;
// verification fails when the stored chain does not contain the anchored event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pasaprod {

struct AnchorHead {
  std::int64_t seq = 0;
  std::string hash;
};

class AuditAnchor {
 public:
  virtual ~AuditAnchor() = default;
  // The anchored head, or nullopt when nothing was anchored yet.
  virtual std::optional<AnchorHead> load() const = 0;
  // Records `head` durably if its seq is greater than the anchored one; never moves back.
  // Throws std::runtime_error on I/O failure.
  virtual void advance(const AnchorHead& head) = 0;
};

}  // namespace pasaprod
