// backup, restore (cli/backup.h).
#include <unistd.h>

#include <cstdio>

#include "cli/backup.h"
#include "cli/context.h"

namespace pasaprod {
namespace {

// A progress line on standard error, only when it is a terminal (and not with --json); at
// most a few times a second.
BackupProgress terminal_progress(const CliContext& ctx, const std::string& what) {
  if (ctx.json || !::isatty(STDERR_FILENO)) return nullptr;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [what, last](std::uint64_t done, std::uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - *last < std::chrono::milliseconds(200)) return;
    *last = now;
    std::fprintf(stderr, "\r%s %llu / %llu MiB (%d%%)", what.c_str(), static_cast<unsigned long long>(done >> 20),
                 static_cast<unsigned long long>(total >> 20), total ? static_cast<int>(done * 100 / total) : 100);
    if (done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace

void register_backup(CLI::App& app, CliContext& ctx) {
  auto out = std::make_shared<std::string>();
  auto* backup = app.add_subcommand(
      "backup",
      "Copia de seguridad en caliente (base, librería, ancla y claves) en un archivo tar con manifiesto SHA-256 / hot backup "
      "(database, library, anchor and keys) into one tar archive with a SHA-256 manifest");
  backup->add_option("--out", *out, "Archivo a crear (no debe existir) / archive to create (must not exist)")->required();
  backup->callback([&ctx, out] {
    LocalOffice& lo = ctx.local();
    const std::string key = ctx.anchor.key_path.empty() ? lo.files().base() + ".anchor.key" : ctx.anchor.key_path;
    BackupSummary s = ctx.take(write_backup(lo, local_caller(), key, *out, terminal_progress(ctx, "backup")));
    ctx.print({{"out", *out}, {"files", s.files}, {"library_files", s.library_files}, {"bytes", s.bytes}, {"sha256", s.sha256}},
              ctx.t("Copia de seguridad en ", "Backup written to ") + *out + " (" + std::to_string(s.library_files) +
                  ctx.t(" archivos de la librería, ", " library files, ") + std::to_string(s.bytes) + " bytes)");
  });

  struct RestoreArgs {
    std::string archive, into;
  };
  auto r = std::make_shared<RestoreArgs>();
  auto* restore = app.add_subcommand(
      "restore",
      "Restaura una copia de seguridad en una carpeta nueva, tras verificar su manifiesto / restore a backup into a new folder, "
      "after checking its manifest");
  restore->add_option("FILE", r->archive, "Archivo de copia / backup archive")->required();
  restore->add_option("--into", r->into, "Carpeta nueva (o vacía) / new (or empty) folder")->required();
  restore->callback([&ctx, r] {
    BackupSummary s = ctx.take(restore_backup(r->archive, r->into, terminal_progress(ctx, "restore")));
    const std::string db = (std::filesystem::path(r->into) / "pasaprod.db").string();
    ctx.print({{"into", r->into}, {"db", db}, {"files", s.files}, {"library_files", s.library_files}},
              ctx.t("Restaurada en ", "Restored into ") + r->into + ctx.t(". Verifique: pasaprod --db ", ". Verify: pasaprod --db ") +
                  db + " audit verify && pasaprod --db " + db + " library verify");
  });
}

}  // namespace pasaprod
