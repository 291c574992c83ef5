// report adherence: the PMO adherence report (SPEC §7) of a period, as CSV, JSON or PDF.
//
// CSV and JSON go to standard output unless --out is given. A PDF goes to --out, or to
// standard output when that is not a terminal (`... --format pdf > informe.pdf`); on a
// terminal without --out it is refused rather than printing binary.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/context.h"
#include "service/office_reports.h"

namespace pasaprod {
namespace {

struct ReportArgs {
  std::string from, to, format = "csv", out, system, unit, kind;
};

Error io_failed(const std::string& path) {
  return make_error(Code::internal, "report.write_failed", "No se pudo escribir «" + path + "».", "Could not write \"" + path + "\".")
      .with("path", path);
}

void run_adherence(CliContext& ctx, const ReportArgs& a) {
  if (!ctx.server.empty()) {
    throw CliFailure{make_error(Code::invalid_argument, "report.local_only",
                                "«report» trabaja sobre la base de datos local; con un servidor use GET /api/v1/reports/adherence.",
                                "\"report\" works on the local database; for a server use GET /api/v1/reports/adherence.")};
  }
  auto q = ctx.take(parse_adherence_query(ctx.office().current_procedure(), a.from, a.to, a.system, a.unit, a.kind));
  if (a.format == "pdf" && a.out.empty() && isatty(STDOUT_FILENO)) {
    throw CliFailure{make_error(Code::invalid_argument, "report.pdf_needs_out",
                                "El PDF es binario: indique --out ARCHIVO o redirija la salida (> informe.pdf).",
                                "The PDF is binary: give --out FILE or redirect the output (> report.pdf).")
                         .with("field", "out")};
  }
  ReportFile f = ctx.take(ctx.office().adherence_file(local_caller(), q, a.format, ctx.language()));
  if (a.out.empty()) {
    std::cout.write(f.body.data(), static_cast<std::streamsize>(f.body.size()));
    if (a.format == "json") std::cout << "\n";
    std::cout.flush();
    return;
  }
  {
    std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
    out.write(f.body.data(), static_cast<std::streamsize>(f.body.size()));
    out.close();
    if (!out) throw CliFailure{io_failed(a.out)};
  }
  ctx.print({{"file", a.out}, {"format", a.format}, {"bytes", f.body.size()}},
            ctx.t("Informe de adherencia escrito en ", "Adherence report written to ") + a.out + " (" + std::to_string(f.body.size()) +
                " bytes).");
}

}  // namespace

void register_report(CLI::App& app, CliContext& ctx) {
  auto* report = app.add_subcommand("report", "Informes de la PMO / PMO reports");
  report->require_subcommand(1);
  auto args = std::make_shared<ReportArgs>();
  auto* adh = report->add_subcommand(
      "adherence",
      "Adherencia al procedimiento y métricas de un periodo / adherence to the procedure and release metrics of a period.\n"
      "Las fechas son días AAAA-MM-DD (UTC), ambos incluidos / dates are YYYY-MM-DD days (UTC), both included.\n"
      "csv y json van a la salida estándar salvo --out; pdf va a --out o a la salida estándar si no es una terminal.\n"
      "csv and json go to standard output unless --out; pdf goes to --out, or to standard output when it is not a terminal.");
  adh->add_option("--from", args->from, "Primer día / first day (YYYY-MM-DD)")->required();
  adh->add_option("--to", args->to, "Último día / last day (YYYY-MM-DD)")->required();
  adh->add_option("--format", args->format, "csv (una fila por solicitud / one row per request, default) | stats.csv | json | pdf")
      ->check(CLI::IsMember({"csv", "stats.csv", "json", "pdf"}));
  adh->add_option("--out", args->out, "Archivo de salida / output file");
  adh->add_option("--system", args->system, "Solo este sistema / only this system (code)");
  adh->add_option("--unit", args->unit, "Solo sistemas de esta unidad / only systems of this unit");
  adh->add_option("--kind", args->kind, kind_option_help("Solo este tipo", "only this kind"));
  adh->callback([&ctx, args] { run_adherence(ctx, *args); });
}

}  // namespace pasaprod
