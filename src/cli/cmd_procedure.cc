// procedure list | check FILE | load FILE --effective DATE: the editions of the procedure,
// locally or with --server.
#include <fstream>

#include "cli/context.h"
#include "cli/remote.h"
#include "service/json_view.h"

namespace pasaprod {
namespace {

// The file's first Office::kMaxEditionBytes + 1 bytes: the office (or the server) refuses a
// longer one with its own message.
std::string read_edition_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CliFailure{make_error(Code::not_found, "procedure.file_missing", "No se puede leer «" + path + "».",
                                "Cannot read \"" + path + "\".")};
  }
  std::string text(Office::kMaxEditionBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string edition_line(const CliContext& ctx, const nlohmann::json& e) {
  const std::string title = e["title"].value(ctx.language() == Lang::en ? "en" : "es", "");
  std::string line = (e.value("in_force", false) ? "* " : "  ") + e.value("edition", "") + "  " + title + "  ";
  if (e.value("builtin", false)) return line + ctx.t("(incorporada)", "(built-in)");
  return line + ctx.t("vigente desde ", "in force from ") + e.value("effective_date", "") + ctx.t(", cargada por ", ", loaded by ") +
         e.value("loaded_by", "");
}

}  // namespace

void register_procedure(CLI::App& app, CliContext& ctx) {
  auto* proc = app.add_subcommand("procedure", "Ediciones del procedimiento / procedure editions");
  proc->require_subcommand(1);

  auto* list = proc->add_subcommand("list", "Lista las ediciones y cuándo rige cada una / list the editions and when each is in force");
  list->callback([&ctx] {
    nlohmann::json items = nlohmann::json::array();
    if (!ctx.server.empty()) {
      items = ctx.take(remote(ctx).call("GET", "/api/v1/procedure/editions")).value("items", nlohmann::json::array());
    } else {
      for (const auto& e : ctx.take(ctx.office().editions())) items.push_back(edition_json(e));
    }
    std::string text = ctx.t("Ediciones (* = vigente para solicitudes nuevas):\n", "Editions (* = in force for new requests):\n");
    for (const auto& e : items) text += edition_line(ctx, e) + "\n";
    ctx.print({{"items", items}}, text);
  });

  auto file = std::make_shared<std::string>();
  auto* check = proc->add_subcommand(
      "check", "Valida un archivo de edición y muestra sus diferencias con la edición vigente / check an edition file");
  check->add_option("FILE", *file, "Archivo YAML de la edición / the edition's YAML file")->required();
  check->callback([&ctx, file] {
    const std::string yaml = read_edition_file(*file);
    nlohmann::json j;
    if (!ctx.server.empty()) {
      j = ctx.take(remote(ctx).call("POST", "/api/v1/procedure/editions/check", {{"yaml", yaml}, {"name", *file}}));
    } else {
      // The loader checks every code it names, every guard, reachability and an R role per action.
      j = edition_check_json(ctx.take(ctx.office().check_edition(yaml, *file)), ctx.language());
    }
    std::string lines;
    for (const auto& c : j["changes"]) lines += "  " + c.value("text", "") + "\n";
    ctx.print(j, ctx.t("Edición ", "Edition ") + j.value("edition", "") +
                     ctx.t(" válida. Diferencias con la edición vigente ", " is valid. Differences from the edition in force ") +
                     j.value("in_force", "") + ": " + std::to_string(j["changes"].size()) + "\n" + lines);
  });

  struct LoadArgs {
    std::string file, effective, as;
  };
  auto a = std::make_shared<LoadArgs>();
  auto* load = proc->add_subcommand(
      "load", "Carga una edición, vigente para las solicitudes abiertas desde una fecha / load an edition in force from a date");
  load->add_option("FILE", a->file, "Archivo YAML de la edición / the edition's YAML file")->required();
  load->add_option("--effective", a->effective,
                   "Fecha de vigencia AAAA-MM-DD en la zona de la oficina (hoy: desde ahora) / effective date YYYY-MM-DD, office time")
      ->required();
  load->add_option("--as", a->as, "Usuario que actúa (local: por defecto la línea de comandos) / acting user");
  load->callback([&ctx, a] {
    const std::string yaml = read_edition_file(a->file);
    nlohmann::json j;
    if (!ctx.server.empty()) {
      j = ctx.take(remote(ctx).call("POST", "/api/v1/procedure/editions",
                                    {{"yaml", yaml}, {"name", a->file}, {"effective", a->effective}}));
    } else {
      const Caller caller = a->as.empty() ? local_caller() : Caller{a->as};
      j = edition_json(ctx.take(ctx.office().load_edition(caller, yaml, a->file, a->effective)));
    }
    ctx.print(j, ctx.t("Edición ", "Edition ") + j.value("edition", "") + ctx.t(" cargada: rige para las solicitudes abiertas desde ",
                                                                               " loaded: in force for requests opened from ") +
                     j.value("effective_from", "") + " (" + j.value("effective_date", "") + ").");
  });
}

}  // namespace pasaprod
