// Hot backup and restore of a local office (README.md, "Backup and restore").
//
// An archive is a tar file (library/archive.h) holding, in this order:
//   MANIFEST.json             {"format":"pasaprod-backup","version":1,"created_at",
//                              "schema_version","files":[{"path","size","sha256"}...]}
//   pasaprod.db               a consistent copy of the database (SqliteStore::copy_to)
//   pasaprod.db.anchor        the audit anchor, read before the copy (so the copy descends
//                             from it), and .anchor.key, its key (wherever --anchor-key keeps it)
//   pasaprod.db.dockey        the key of documents' verification codes (when it exists)
//   library/<sha256>          every library file the copy refers to
// The archive carries the office's keys: keep it as secret as they are (it is written 0600).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "cli/local_office.h"
#include "core/status.h"

namespace pasaprod {

// Told the bytes written (or read) so far and the total; for a progress line.
using BackupProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct BackupSummary {
  std::int64_t files = 0;         // members, manifest included
  std::int64_t library_files = 0;
  std::uint64_t bytes = 0;        // archive size
  std::string sha256;             // write_backup: the archive's SHA-256
};

// Writes the archive of the office `lo` (whose key lives at `anchor_key_path`) to `out`,
// through a temporary file renamed at the end: `out` never holds a partial archive, then
// records it in the office's audit trail as done by `by` (Office::record_backup: its name, size
// and SHA-256; the archive itself, copied before, does not hold that event). Runs beside a
// server writing to the same database. Errors: already_exists when `out` exists,
// internal for I/O, data_loss ("archive.blob_changed") when a library file does not match its
// digest.
Result<BackupSummary> write_backup(LocalOffice& lo, const Caller& by, const std::string& anchor_key_path,
                                   const std::filesystem::path& out, const BackupProgress& progress);

// Checks the archive at `archive` against its manifest and recreates the office in `into`
// (which must not exist, or be an empty folder): into/pasaprod.db (+ .anchor, .anchor.key,
// .dockey) and into/library. Everything is written in a temporary folder beside `into` and
// renamed at the end; on any error nothing is left behind. Errors: data_loss
// ("backup.damaged") for an archive that is cut short, edited, or not a pasaprod backup,
// already_exists ("backup.target_not_empty"), internal for I/O.
Result<BackupSummary> restore_backup(const std::filesystem::path& archive, const std::filesystem::path& into,
                                     const BackupProgress& progress);

}  // namespace pasaprod
