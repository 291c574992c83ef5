// document verify|list|settings, library baselines|baseline|verify-archive (SPEC §5, §6).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>
#include <iostream>
#include <sstream>

#include "cli/context.h"
#include "service/json_view.h"

namespace pasaprod {
namespace {

const char* kind_name(const std::string& kind, Lang l) {
  if (kind == "release_report") return l == Lang::en ? "Release report" : "Informe de pase a producción";
  if (kind == "acceptance_record") return l == Lang::en ? "Production acceptance record" : "Acta de conformidad de puesta en producción";
  if (kind == "committee_record") return l == Lang::en ? "Emergency committee record" : "Acta del comité de pase a producción de emergencia";
  return "?";
}

Error verification_failed(const std::string& es, const std::string& en) { return make_error(Code::data_loss, "verify.failed", es, en); }

nlohmann::json problems_json(const std::vector<Error>& problems, Lang l, std::string* text) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems) {
    out.push_back({{"id", p.id}, {"message", p.message(l)}});
    *text += "  " + p.message(l) + "\n";
  }
  return out;
}

std::string read_small_file(const CliContext& ctx, const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    throw CliFailure{make_error(Code::not_found, "file.not_found", "No se puede leer " + path + ": " + ec.message(),
                                "Cannot read " + path + ": " + ec.message())};
  }
  if (size > (std::uintmax_t{64} << 20)) {
    throw CliFailure{verification_failed(path + " es demasiado grande para ser un documento de pasaprod.",
                                         path + " is too large to be a pasaprod document.")};
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  (void)ctx;
  return ss.str();
}

void register_document_commands(CLI::App& app, CliContext& ctx) {
  auto* doc = app.add_subcommand("document", "Documentos generados (PDF) / generated documents");
  doc->require_subcommand(1);

  auto file = std::make_shared<std::string>();
  auto* verify = doc->add_subcommand("verify", "Comprueba si un PDF fue emitido por pasaprod, para qué pase y paso / "
                                               "check that a PDF was issued by pasaprod, for which release and step");
  verify->add_option("FILE", *file, "El PDF / the PDF")->required();
  verify->callback([&ctx, file] {
    const Lang l = ctx.language();
    DocumentCheck c = ctx.take(ctx.office().verify_document(read_small_file(ctx, *file)));
    std::string text;
    nlohmann::json j = {{"ok", c.ok}, {"file", *file}, {"sha256", c.sha256}, {"problems", problems_json(c.problems, l, &text)}};
    if (c.document) {
      const IssuedDocument& d = *c.document;
      j["document"] = document_json(d);
      j["release"] = d.release;
      j["step"] = d.step;
      j["kind"] = d.kind;
      j["issued_at"] = format_iso(d.issued_at);
    }
    if (c.ok) {
      const IssuedDocument& d = *c.document;
      ctx.print(j, ctx.t("Documento auténtico emitido por pasaprod.\n", "Authentic document issued by pasaprod.\n") +
                       ctx.t("  Documento: ", "  Document: ") + kind_name(d.kind, l) + "\n" +
                       ctx.t("  Solicitud: ", "  Release:  ") + d.release + "\n" +
                       ctx.t("  Paso:      ", "  Step:     ") + d.step + "\n" +
                       ctx.t("  Emitido:   ", "  Issued:   ") + format_iso(d.issued_at) +
                       (d.issued_by.empty() ? "" : ctx.t(" por ", " by ") + d.issued_by) + "\n" +
                       ctx.t("  Código de verificación: ", "  Verification code: ") + d.verification_code + "\n" +
                       "  SHA-256: " + c.sha256);
      return;
    }
    ctx.print(j, ctx.t("VERIFICACIÓN FALLIDA: ", "VERIFICATION FAILED: ") + *file + "\n" + text);
    throw CliFailure{verification_failed("El documento no es auténtico o fue alterado.", "The document is not authentic or was altered."),
                     ctx.json};
  });

  auto number = std::make_shared<std::string>();
  auto* list = doc->add_subcommand("list", "Documentos generados de un pase / a release's generated documents");
  list->add_option("NUMBER", *number, "Número del pase / release number")->required();
  list->callback([&ctx, number] {
    ReleaseView v = ctx.take(ctx.office().view(*number, ""));
    nlohmann::json items = nlohmann::json::array();
    std::string text;
    for (const auto& d : v.documents) {
      items.push_back(document_json(d));
      text += std::to_string(d.id) + "  " + d.name + "  " + d.step + "  " + format_iso(d.issued_at) + "  " + d.verification_code + "  " +
              d.sha256 + "\n";
    }
    if (v.documents.empty()) text = ctx.t("(sin documentos)\n", "(no documents)\n");
    ctx.print({{"items", items}}, text.substr(0, text.size() - 1));
  });

  struct GetArgs {
    std::string number, name, out;
  };
  auto g = std::make_shared<GetArgs>();
  auto* get = doc->add_subcommand("get", "Descarga un documento de un pase / write a release's document to a file");
  get->add_option("NUMBER", g->number, "Número del pase / release number")->required();
  get->add_option("NAME", g->name, "Nombre o id del documento (document list) / document name or id")->required();
  get->add_option("--out", g->out, "Archivo de salida / output file")->required();
  get->callback([&ctx, g] {
    IssuedDocument d = ctx.take(ctx.office().document(g->number, g->name));
    auto reader = ctx.take(ctx.office().library().open_read(d.sha256));
    std::ofstream out(g->out, std::ios::binary | std::ios::trunc);
    std::vector<char> buffer(1 << 16);
    Result<std::size_t> n = std::size_t{0};
    while ((n = reader->read(buffer.data(), buffer.size())) && *n > 0) {
      if (!out.write(buffer.data(), static_cast<std::streamsize>(*n))) break;
    }
    out.close();
    if (!n) {
      std::error_code ec;
      std::filesystem::remove(g->out, ec);
      throw CliFailure{n.error()};
    }
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(g->out, ec);
      throw CliFailure{make_error(Code::internal, "document.write_failed", "No se pudo escribir «" + g->out + "»; revise la ruta y el espacio libre.",
                                  "Could not write \"" + g->out + "\"; check the path and the free space.")};
    }
    ctx.print(document_json(d), g->out + " (" + d.name + ", " + d.verification_code + ")");
  });

  auto institution = std::make_shared<std::string>();
  auto lang = std::make_shared<std::string>();
  auto zone = std::make_shared<std::string>();
  auto* settings = doc->add_subcommand(
      "settings", "Institución, idioma y zona horaria de los documentos / institution, language and time zone of documents");
  settings->add_option("--institution", *institution, "Nombre impreso en cada documento / name printed on every document");
  settings->add_option("--doc-lang", *lang, "es|en")->check(CLI::IsMember({"es", "en"}));
  settings->add_option("--time-zone", *zone,
                       "Zona horaria de la oficina (IANA, por defecto America/Lima) / the office's time zone");
  settings->callback([&ctx, institution, lang, zone] {
    Office& office = ctx.office();
    if (!institution->empty()) ctx.check(office.set_setting(local_caller(), kInstitutionSetting, *institution));
    if (!lang->empty()) ctx.check(office.set_setting(local_caller(), kDocumentLangSetting, *lang));
    if (!zone->empty()) ctx.check(office.set_setting(local_caller(), kTimeZoneSetting, *zone));
    std::optional<std::string> inst, l;
    ctx.check(office.store().read([&](ReadTx& tx) -> Status {
      inst = tx.setting(kInstitutionSetting);
      l = tx.setting(kDocumentLangSetting);
      return ok_status();
    }));
    const std::string i = inst && !inst->empty() ? *inst : kDefaultInstitution;
    const std::string z = office.time_zone()->name();
    ctx.print({{"institution", i}, {"lang", l.value_or("es")}, {"time_zone", z}},
              i + " (" + l.value_or("es") + ", " + z + ")");
  });
}

void register_baseline_commands(CLI::App& app, CliContext& ctx) {
  CLI::App* lib = nullptr;
  try {
    lib = app.get_subcommand("library");
  } catch (const CLI::OptionNotFound&) {
    lib = app.add_subcommand("library", "Librería de programas fuentes y documentación / the library");
    lib->require_subcommand(1);
  }
  auto system = std::make_shared<std::string>();
  auto version = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();

  auto* list = lib->add_subcommand("baselines", "Líneas base de un sistema / baselines of a system");
  list->add_option("SYSTEM", *system, "Código del sistema / system code")->required();
  list->callback([&ctx, system] {
    auto all = ctx.take(ctx.office().baselines(*system));
    nlohmann::json items = nlohmann::json::array();
    std::string text;
    for (const auto& b : all) {
      items.push_back(baseline_json(b, false));
      text += b.version + "  " + b.release + "  " + b.state + "  " + std::to_string(b.files.size()) + ctx.t(" archivos  ", " files  ") +
              format_iso(b.frozen_at) + "\n";
    }
    if (all.empty()) text = ctx.t("(sin líneas base)\n", "(no baselines)\n");
    ctx.print({{"items", items}}, text.substr(0, text.size() - 1));
  });

  auto* one = lib->add_subcommand("baseline", "Descarga una línea base como un archivo tar / write a baseline as one tar archive");
  one->add_option("SYSTEM", *system, "Código del sistema / system code")->required();
  one->add_option("VERSION", *version, "Versión / version")->required();
  one->add_option("--out", *out, "Archivo de salida / output file (.tar)")->required();
  one->callback([&ctx, system, version, out] {
    BaselineArchive a = ctx.take(ctx.office().baseline_archive(*system, *version));
    const std::string part = *out + ".part";
    std::ofstream f(part, std::ios::binary | std::ios::trunc);
    if (!f) {
      throw CliFailure{make_error(Code::internal, "file.write", "No se puede escribir " + part, "Cannot write " + part)};
    }
    std::vector<char> buf(std::size_t{1} << 20);
    std::uint64_t total = 0;
    for (;;) {
      auto n = a.stream->read(buf.data(), buf.size());
      if (!n) {
        f.close();
        std::remove(part.c_str());
        throw CliFailure{n.error()};
      }
      if (*n == 0) break;
      f.write(buf.data(), static_cast<std::streamsize>(*n));
      total += *n;
    }
    f.close();
    if (!f || std::rename(part.c_str(), out->c_str()) != 0) {
      std::remove(part.c_str());
      throw CliFailure{make_error(Code::internal, "file.write", "No se pudo escribir " + *out, "Could not write " + *out)};
    }
    ctx.print({{"file", *out}, {"size", total}, {"manifest_sha256", a.etag}},
              ctx.t("Línea base escrita en ", "Baseline written to ") + *out + " (" + std::to_string(total) + " bytes)");
  });

  auto* verify = lib->add_subcommand("verify-archive", "Verifica un archivo de línea base contra su MANIFEST y la base de datos / "
                                                       "check a baseline archive against its MANIFEST and the database");
  verify->add_option("FILE", *file, "El archivo .tar / the .tar file")->required();
  verify->callback([&ctx, file] {
    ArchiveCheck c = ctx.take(ctx.office().verify_baseline_archive(*file));
    std::string text;
    nlohmann::json j = {{"ok", c.ok}, {"file", *file}, {"system", c.system}, {"version", c.version}, {"release", c.release},
                        {"files_checked", c.files_checked}, {"problems", problems_json(c.problems, ctx.language(), &text)}};
    if (c.ok) {
      ctx.print(j, ctx.t("Línea base íntegra: ", "Baseline intact: ") + c.system + " " + c.version + " (" + c.release + "), " +
                       std::to_string(c.files_checked) + ctx.t(" archivos verificados.", " files verified."));
      return;
    }
    ctx.print(j, ctx.t("LA LÍNEA BASE NO COINCIDE:\n", "THE BASELINE DOES NOT MATCH:\n") + text);
    throw CliFailure{verification_failed(std::to_string(c.problems.size()) + " diferencia(s) en el archivo de línea base.",
                                         std::to_string(c.problems.size()) + " mismatch(es) in the baseline archive."),
                     ctx.json};
  });
}

}  // namespace

void register_document(CLI::App& app, CliContext& ctx) {
  register_document_commands(app, ctx);
  register_baseline_commands(app, ctx);
}

}  // namespace pasaprod
