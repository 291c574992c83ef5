// State shared by the CLI's subcommands: global options, the (lazily opened) local office, and
// output in text or JSON.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/local_office.h"
#include "core/status.h"

namespace pasaprod {

// Thrown by a command to end with an Error; main prints it and exits with exit_code_for().
struct CliFailure {
  Error error;
  bool reported = false;  // the command already printed its JSON answer (e.g. a failed verify)
};

// Exit codes: 0 ok, 1 internal, 2 invalid argument, 3 not found, 4 not allowed (role or
// sign-in), 5 refused by a guard of the procedure, 6 conflict (state moved on, lost race,
// already exists), 7 data loss (verification failed), 8 too large.
int exit_code_for(Code code);

struct CliContext {
  std::string db;  // OfficeFiles::db
  std::string data_dir, library_dir, document_key;  // the rest of OfficeFiles
  bool json = false;
  std::string lang = "es";
  std::string server;  // --server URL: talk to a pasaprod server instead of the local file
  std::string token;   // --token or $PASAPROD_TOKEN
  // How the local store anchors the audit trail; set before the first local() (serve picks
  // background: it keeps the store open, and its destructor anchors the last events).
  AnchoredStore::AnchorMode anchor_mode = AnchoredStore::AnchorMode::synchronous;
  AnchorSettings anchor;  // --anchor-key, --anchor-witness
  // Passed to the local store (SqliteStore::Options::write_observer); set before the first local().
  std::function<void(std::chrono::nanoseconds, bool)> write_observer;

  Lang language() const { return parse_lang(lang); }
  // Opens the local database on first use; throws CliFailure when it cannot.
  Office& office();
  LocalOffice& local();

  // Prints `j` (with --json) or `text` (otherwise) on stdout.
  void print(const nlohmann::json& j, const std::string& text) const;
  // Unwraps a result or throws CliFailure.
  template <class T>
  T take(Result<T> r) const {
    if (!r) throw CliFailure{r.error()};
    return std::move(*r);
  }
  void check(const Status& s) const {
    if (!s) throw CliFailure{s.error()};
  }
  std::string t(const std::string& es, const std::string& en) const { return language() == Lang::en ? en : es; }

 private:
  std::unique_ptr<LocalOffice> local_;
};

// A local caller for administrative commands: whoever runs the CLI on the database file.
Caller local_caller();
// The acting user for a local command: --as is required without --server (CliFailure).
std::string acting_user(const CliContext& ctx, const std::string& as);
// The help of a --kind option: `es` / `en` followed by the kinds of the built-in edition. The
// kind itself is checked where the procedure is (locally, or by the server), and a wrong one
// is refused with the kinds of the edition in force.
std::string kind_option_help(const std::string& es, const std::string& en);
class RemoteClient;
// The client of --server, authenticated with --token (CliFailure without one).
RemoteClient remote(const CliContext& ctx);

// Registration of each command group (one file each).
void register_init(CLI::App& app, CliContext& ctx);
void register_mail(CLI::App& app, CliContext& ctx);
void register_calendar(CLI::App& app, CliContext& ctx);
void register_user(CLI::App& app, CliContext& ctx);
void register_system(CLI::App& app, CliContext& ctx);
void register_release(CLI::App& app, CliContext& ctx);
void register_deliverable(CLI::App& app, CliContext& ctx);
void register_review_record_act(CLI::App& app, CliContext& ctx);
void register_freeze(CLI::App& app, CliContext& ctx);
void register_verify(CLI::App& app, CliContext& ctx);
void register_demo(CLI::App& app, CliContext& ctx);
void register_serve(CLI::App& app, CliContext& ctx);  // after register_user
void register_document(CLI::App& app, CliContext& ctx);  // after register_verify ("library")
void register_report(CLI::App& app, CliContext& ctx);
void register_procedure(CLI::App& app, CliContext& ctx);
void register_backup(CLI::App& app, CliContext& ctx);

}  // namespace pasaprod
