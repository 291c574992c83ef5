// pasaprod: release-to-production approvals (see README.md).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/context.h"
#include "service/json_view.h"

int main(int argc, char** argv) {
  using namespace pasaprod;
  CliContext ctx;
  ctx.db = default_db_path();
  if (const char* t = std::getenv("PASAPROD_TOKEN")) ctx.token = t;
  if (const char* k = std::getenv("PASAPROD_ANCHOR_KEY")) ctx.anchor.key_path = k;
  if (const char* w = std::getenv("PASAPROD_ANCHOR_WITNESS")) ctx.anchor.witness = w;
  if (const char* u = std::getenv("PASAPROD_ANCHOR_TSA")) ctx.anchor.tsa_url = u;
  if (const char* d = std::getenv("PASAPROD_ANCHOR_TSA_DIR")) ctx.anchor.tsa_dir = d;
  if (const char* d = std::getenv("PASAPROD_DATA_DIR")) ctx.data_dir = d;
  if (const char* l = std::getenv("PASAPROD_LIBRARY")) ctx.library_dir = l;
  if (const char* k = std::getenv("PASAPROD_DOCUMENT_KEY")) ctx.document_key = k;

  CLI::App app{"pasaprod — pases a producción según el procedimiento OFIN-ASI (edición 02).\n"
               "Release-to-production approvals following the OFIN-ASI procedure (edition 02)."};
  app.set_help_all_flag("--help-all", "Ayuda de todos los comandos / help for every command");
  app.add_option("--db", ctx.db,
                 "Base de datos: archivo SQLite o postgresql://usuario@servidor/base (la contraseña en PGPASSFILE, nunca aquí) / "
                 "database: a SQLite file or postgresql://user@host/db (the password in PGPASSFILE, never here) "
                 "($PASAPROD_DB, default data/pasaprod.db)");
  app.add_option("--data-dir", ctx.data_dir,
                 "Carpeta del ancla y las claves cuando la base de datos no es un archivo / folder of the anchor and keys when "
                 "the database is not a file ($PASAPROD_DATA_DIR, default data)");
  app.add_option("--library", ctx.library_dir,
                 "Carpeta de la librería (p. ej. una que montan todos los servidores) o URL postgresql:// para guardar "
                 "los archivos en esa base de datos / the library's folder (e.g. one every server mounts), or a "
                 "postgresql:// URL to keep the files in that database ($PASAPROD_LIBRARY, default beside the "
                 "database or in --data-dir)");
  app.add_option("--document-key", ctx.document_key,
                 "Clave de los códigos de verificación de documentos; la misma en todos los servidores / the documents' "
                 "verification key, the same on every server ($PASAPROD_DOCUMENT_KEY, default <db>.dockey)");
  app.add_flag("--json", ctx.json, "Salida JSON / machine-readable JSON output");
  app.add_option("--lang", ctx.lang, "Idioma de los mensajes / message language: es|en")->check(CLI::IsMember({"es", "en"}));
  app.add_option("--server", ctx.server, "URL de un servidor pasaprod / talk to a pasaprod server instead of the file");
  app.add_option("--token", ctx.token, "Token de API para --server / API token for --server ($PASAPROD_TOKEN)");
  app.add_option("--anchor-key", ctx.anchor.key_path,
                 "Clave del ancla de auditoría, lejos de la base de datos / the audit anchor's key, kept away from the database "
                 "($PASAPROD_ANCHOR_KEY, default <db>.anchor.key; see docs/audit.md)");
  app.add_option("--anchor-witness", ctx.anchor.witness,
                 "Testigo externo de cada cabeza anclada / external witness of each anchored head: syslog | syslog:SOCKET "
                 "($PASAPROD_ANCHOR_WITNESS; see docs/audit.md)");
  app.add_option("--anchor-tsa", ctx.anchor.tsa_url,
                 "Autoridad de sellado de tiempo RFC 3161 (URL http/https) que sella la cabeza anclada, a lo más una vez "
                 "por intervalo, fuera de las solicitudes (solo serve) / RFC 3161 time-stamp authority (http/https URL) "
                 "that stamps the anchored head, at most once per interval, off the request path (serve only) "
                 "($PASAPROD_ANCHOR_TSA; see docs/audit.md)");
  app.add_option("--anchor-tsa-dir", ctx.anchor.tsa_dir,
                 "Carpeta de los sellos de tiempo / folder of the time-stamps ($PASAPROD_ANCHOR_TSA_DIR, default <db>.tsa)");
  app.add_option("--anchor-tsa-interval", ctx.anchor.tsa_interval_s,
                 "Segundos mínimos entre dos sellos / least seconds between two stamps (300)")
      ->check(CLI::Range(1, 86400));
  app.require_subcommand(1);
  app.footer(
      "Códigos de salida / exit codes: 0 ok, 1 interno/internal, 2 argumento inválido/invalid argument, 3 no existe/not found,\n"
      "4 no permitido/not allowed, 5 rechazado por el procedimiento/refused by a guard, 6 conflicto/conflict,\n"
      "7 verificación fallida/verification failed, 8 demasiado grande/too large.");

  register_init(app, ctx);
  register_user(app, ctx);
  register_system(app, ctx);
  register_release(app, ctx);
  register_deliverable(app, ctx);
  register_review_record_act(app, ctx);
  register_freeze(app, ctx);
  register_verify(app, ctx);
  register_demo(app, ctx);
  register_serve(app, ctx);
  register_document(app, ctx);
  register_report(app, ctx);
  register_procedure(app, ctx);
  register_backup(app, ctx);
  register_mail(app, ctx);
  register_calendar(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help is not an error; every usage error exits 2 (invalid argument), as documented.
    return app.exit(e) == 0 ? 0 : exit_code_for(Code::invalid_argument);
  } catch (const CliFailure& f) {
    if (ctx.json && !f.reported) std::cout << nlohmann::json{{"error", error_json(f.error, ctx.language())}}.dump(2) << "\n";
    std::cerr << "pasaprod: " << f.error.message(ctx.language()) << "\n";
    return exit_code_for(f.error.code);
  } catch (const std::exception& e) {
    std::cerr << "pasaprod: " << (ctx.language() == Lang::en ? "internal error: " : "error interno: ") << e.what() << "\n";
    return 1;
  }
  return 0;
}
