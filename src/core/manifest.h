// The approval manifest (SPEC §4.5): a canonical serialization of what is being approved —
// request number, system, kind, target version, procedure edition and every deliverable file
// (slot, name, size, SHA-256), files sorted by slot then name. Its SHA-256 is what sign-offs
// record; a sign-off counts only while the manifest is unchanged.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"

namespace pasaprod {

// The canonical text. Stable across versions of pasaprod: changing it invalidates every
// recorded sign-off.
std::string manifest_text(const Release& release, const std::vector<DeliverableFile>& files);
std::string manifest_sha256(const Release& release);
// The manifest of `release` as if its files were `files` (e.g. digests recomputed at deploy).
std::string manifest_sha256(const Release& release, const std::vector<DeliverableFile>& files);

// Digest of one slot's content (names, sizes, digests); a review counts only for it.
std::string slot_digest(const Release& release, const std::string& slot);

}  // namespace pasaprod
