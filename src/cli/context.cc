#include "cli/context.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/remote.h"
#include "core/derived.h"
#include "core/procedure.h"

namespace pasaprod {

int exit_code_for(Code code) {
  switch (code) {
    case Code::ok: return 0;
    case Code::invalid_argument: return 2;
    case Code::not_found: return 3;
    case Code::unauthenticated:
    case Code::permission_denied: return 4;
    case Code::failed_precondition: return 5;
    case Code::conflict:
    case Code::already_exists: return 6;
    case Code::data_loss: return 7;
    case Code::too_large: return 8;
    case Code::unavailable:
    case Code::internal: return 1;
  }
  return 1;
}

LocalOffice& CliContext::local() {
  if (!local_) {
    SqliteStore::Options options;
    options.write_observer = write_observer;
    AnchoredStore::Options anchoring;
    anchoring.mode = anchor_mode;
    auto lo = LocalOffice::open(OfficeFiles{db, data_dir, library_dir, document_key}, options, anchor, anchoring);
    if (!lo) throw CliFailure{lo.error()};
    local_ = std::move(*lo);
  }
  return *local_;
}

Office& CliContext::office() { return local().office(); }

void CliContext::print(const nlohmann::json& j, const std::string& text) const {
  if (json) {
    std::cout << j.dump(2) << "\n";
  } else if (!text.empty()) {
    std::cout << text << (text.back() == '\n' ? "" : "\n");
  }
}

Caller local_caller() {
  const char* user = std::getenv("USER");
  return Caller{std::string("cli:") + (user && *user ? user : std::to_string(getuid())), true};
}

std::string kind_option_help(const std::string& es, const std::string& en) {
  Result<Procedure> builtin = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
  const std::string codes = builtin ? kind_codes(*builtin, "|") : std::string();
  return es + ": un tipo de la edición (" + codes + ") / " + en + ": a kind of the edition (" + codes + ")";
}

std::string acting_user(const CliContext& ctx, const std::string& as) {
  if (as.empty() && ctx.server.empty()) {
    throw CliFailure{make_error(Code::invalid_argument, "cli.as_required", "Indique el usuario que actúa con --as USUARIO.",
                                "Name the acting user with --as USER.")};
  }
  return as;
}

RemoteClient remote(const CliContext& ctx) {
  if (ctx.token.empty()) {
    throw CliFailure{make_error(Code::unauthenticated, "cli.token_required",
                                "Con --server indique un token de API con --token o PASAPROD_TOKEN.",
                                "With --server, give an API token with --token or PASAPROD_TOKEN.")};
  }
  return RemoteClient(ctx.server, ctx.token, ctx.language());
}

}  // namespace pasaprod
