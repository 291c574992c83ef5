// An AuditAnchor kept in a small file beside (or away from) the database.
//
//   FileAnchor anchor("/var/lib/pasaprod/audit.anchor");
//   anchor.advance({42, hash});            // durable when it returns
//   std::optional<AnchorHead> h = anchor.load();
//
// Files, for path P:
//   P       exactly 1024 bytes: two 512-byte slots, each empty (all NUL) or
//           "<seq> <hash>\nhmac <hex>\n" NUL-padded — a head and its HMAC-SHA256 under the key.
//           The anchored head is the highest of the valid slots. advance() overwrites the
//           other slot in place (pwrite + fdatasync: one flush per advance); a slot is one
//           disk sector, so the slot holding the current head is never torn. The file is
//           created once atomically (P.tmp, fsync, rename, fsync of the directory). A slot
//           that is neither empty nor valid makes the whole anchor invalid.
//   P.key   32 random bytes (mode 0600), created on the first advance() (or at the key path
//           given to the constructor). A hand-edited anchor
//           file fails its HMAC and is detected; keep the key where the database's editors
//           cannot read it for this to mean anything.
//   P.lock  flock()ed exclusively during advance() and shared during load(), so several
//           processes (and several FileAnchor objects in one process) can share the anchor.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "audit/anchor.h"

namespace pasaprod::audit {

// The anchor file exists but cannot be trusted: malformed, wrong HMAC, or its key is missing.
class AnchorInvalid : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FileAnchor : public AuditAnchor {
 public:
  explicit FileAnchor(std::string path);
  // With the key at `key_path` instead of path + ".key" (e.g. on another disk, owned by
  // another user, so that whoever can edit the database and the anchor cannot re-sign it).
  FileAnchor(std::string path, std::string key_path);

  // nullopt when the anchor file does not exist. Throws AnchorInvalid when it exists but is
  // malformed or fails its HMAC, std::system_error (a std::runtime_error) on I/O failure.
  std::optional<AnchorHead> load() const override;

  // Records `head` if head.seq is greater than the anchored seq (reads the current anchor
  // under the lock first; never moves back). head.hash must be 64 lowercase hex characters.
  // Throws std::runtime_error on I/O failure, on an invalid head, and (AnchorInvalid) when
  // the current anchor fails verification — a forged anchor is never silently overwritten.
  void advance(const AnchorHead& head) override;

  const std::string& path() const { return path_; }
  const std::string& key_path() const { return key_path_; }

 private:
  struct Slots;
  // REQUIRES: the lock file is held (or the key is known to exist).
  std::string read_key(bool create) const;
  // nullopt when the file does not exist. REQUIRES: the lock file is held.
  std::optional<Slots> read_slots() const;

  const std::string path_;
  const std::string key_path_;
};

}  // namespace pasaprod::audit
