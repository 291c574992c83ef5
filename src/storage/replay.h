// The audit trail replayed and compared with the rows it accounts for (`pasaprod audit verify`).
#pragma once

#include <vector>

#include "audit/chain.h"
#include "storage/store.h"

namespace pasaprod {

// Replays the trail (requests opened and acted on, files added, replaced and removed, records,
// reviews, users' roles) and compares the result with the current rows, both read through
// `tx` (one snapshot): each request's state, row version, files and their digests, and the
// full content of its steps (who signed each transition, for which manifest), records (votes,
// sign-offs) and reviews; each user's roles; each edition of the procedure loaded at run time
// (its file's digest, recomputed, and when it is in force). A problem ("audit.replay_*") for every
// difference (the first one per request and history). Memory grows with the office's rows,
// not with the trail's length.
std::vector<audit::AuditProblem> replay_trail(ReadTx& tx);

}  // namespace pasaprod
