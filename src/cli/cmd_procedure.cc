// procedure check: validates an edition file and lists its differences from the edition in force.
#include <fstream>
#include <sstream>

#include "cli/context.h"
#include "core/procedure_diff.h"
#include "service/procedures.h"

namespace pasaprod {

void register_procedure(CLI::App& app, CliContext& ctx) {
  auto* proc = app.add_subcommand("procedure", "Ediciones del procedimiento / procedure editions");
  proc->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* check = proc->add_subcommand(
      "check", "Valida un archivo de edición y muestra sus diferencias con la edición vigente / check an edition file");
  check->add_option("FILE", *file, "Archivo YAML de la edición / the edition's YAML file")->required();
  check->callback([&ctx, file] {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      throw CliFailure{make_error(Code::not_found, "procedure.file_missing", "No se puede leer «" + *file + "».",
                                  "Cannot read \"" + *file + "\".")};
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > 4 * 1024 * 1024) {
      throw CliFailure{make_error(Code::invalid_argument, "procedure.too_large", "El archivo de edición supera 4 MB.",
                                  "The edition file is over 4 MB.")};
    }
    // The loader checks every code it names, every guard, reachability and an R role per action.
    Procedure candidate = ctx.take(load_procedure(text.str(), *file));
    const ProcedureSet builtin = ProcedureSet::builtin();
    const Procedure& in_force = builtin.current();
    nlohmann::json changes = nlohmann::json::array();
    std::string lines;
    for (const auto& c : procedure_diff(in_force, candidate)) {
      changes.push_back({{"what", c.what}, {"code", c.code}, {"change", std::string(1, c.sign)},
                         {"detail", ctx.language() == Lang::en ? c.detail_en : c.detail_es}});
      lines += "  " + c.text(ctx.language()) + "\n";
    }
    ctx.print({{"ok", true}, {"edition", candidate.edition}, {"in_force", in_force.edition}, {"changes", changes}},
              ctx.t("Edición ", "Edition ") + candidate.edition + ctx.t(" válida. Diferencias con la edición vigente ",
                                                                           " is valid. Differences from the edition in force ") +
                  in_force.edition + ": " + std::to_string(changes.size()) + "\n" + lines);
  });
}

}  // namespace pasaprod
