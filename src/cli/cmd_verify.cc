// audit verify, library verify and demo.
#include <iostream>
#include <set>

#include "audit/tsa_witness.h"
#include "cli/context.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "library/library.h"
#include "service/demo.h"
#include "service/json_view.h"

namespace pasaprod {
namespace {

Error verification_failed(const std::string& es, const std::string& en) {
  return make_error(Code::data_loss, "verify.failed", es, en);
}

}  // namespace

void register_verify(CLI::App& app, CliContext& ctx) {
  auto* audit = app.add_subcommand("audit", "Pista de auditoría / audit trail");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "Verifica la cadena de eventos y su ancla / verify the event chain and its anchor");
  auto tsa_ca = std::make_shared<std::string>();
  verify->add_option("--tsa-ca", *tsa_ca,
                     "Certificados (PEM) de la autoridad de sellado de tiempo: verifica el sello más reciente y que la pista "
                     "contenga su cabeza / the time-stamp authority's certificates (PEM): verify the newest stamp and that the "
                     "trail holds its head");
  verify->callback([&ctx, tsa_ca] {
    nlohmann::json stamp = nullptr;
    std::optional<audit::AuditProblem> stamp_problem;
    std::optional<AnchorHead> witnessed;
    std::string stamp_text;
    if (!tsa_ca->empty()) {
      LocalOffice& lo = ctx.local();
      if (auto newest = audit::newest_stamp(lo.tsa_dir()); !newest) {
        stamp_problem = audit::AuditProblem{0, "audit.no_timestamp", "no hay sellos de tiempo en " + lo.tsa_dir(),
                                            "there is no time-stamp in " + lo.tsa_dir()};
      } else try {
        const std::int64_t at = audit::verify_stamp(*newest, lo.tsa_db_name(), *tsa_ca);
        witnessed = newest->head;
        const auto zone = lo.office().time_zone();
        stamp_text = ctx.t(" Sello de tiempo verificado: evento ", " Time-stamp verified: event ") + std::to_string(newest->head.seq) +
                     ctx.t(", sellado el ", ", stamped on ") + format_local(at * 1000, *zone, ctx.language()) + " (" + zone->name() + ").";
        stamp = {{"seq", newest->head.seq}, {"hash", newest->head.hash}, {"time", format_iso(at * 1000)},
                 {"file", newest->reply_path}};
      } catch (const std::exception& e) {
        stamp_problem = audit::AuditProblem{newest->head.seq, "audit.timestamp_invalid",
                                            "el sello de tiempo " + newest->reply_path + " no es válido: " + e.what(),
                                            "the time-stamp " + newest->reply_path + " is not valid: " + e.what()};
      }
    }
    auto report = ctx.local().store().verify_audit(witnessed);
    if (stamp_problem) {
      report.ok = false;
      ++report.problems_total;
      report.problems.insert(report.problems.begin(), std::move(*stamp_problem));
    }
    for (audit::AuditProblem& p : ctx.local().store().replay_differences()) {  // every one, listed
      report.ok = false;
      ++report.problems_total;
      report.problems.push_back(std::move(p));
    }
    nlohmann::json problems = nlohmann::json::array();
    std::string text;
    for (const auto& p : report.problems) {
      problems.push_back({{"seq", p.seq}, {"id", p.id}, {"message", p.message(ctx.language())}});
      text += "  " + p.message(ctx.language()) + "\n";
    }
    nlohmann::json j = {{"ok", report.ok}, {"events_checked", report.events_checked}, {"last_seq", report.last_seq},
                        {"last_hash", report.last_hash},
                        {"problems", problems}, {"problems_total", report.problems_total}};
    if (!tsa_ca->empty()) j["timestamp"] = stamp;
    if (report.ok) {
      ctx.print(j, ctx.t("Pista de auditoría íntegra: ", "Audit trail intact: ") + std::to_string(report.events_checked) +
                       ctx.t(" eventos verificados.", " events verified.") + stamp_text);
      return;
    }
    ctx.print(j, ctx.t("LA PISTA DE AUDITORÍA FUE ALTERADA:\n", "THE AUDIT TRAIL WAS TAMPERED WITH:\n") + text);
    throw CliFailure{verification_failed(std::to_string(report.problems_total) + " problema(s) en la pista de auditoría.",
                                         std::to_string(report.problems_total) + " problem(s) in the audit trail."),
                     ctx.json};
  });

  auto* reanchor = audit->add_subcommand(
      "reanchor",
      "Ancla de nuevo la cabeza de una pista íntegra cuyo ancla se apartó (ver docs/audit.md) / "
      "anchor again the head of an intact trail whose anchor was set aside (see docs/audit.md)");
  reanchor->callback([&ctx] {
    const std::int64_t seq = ctx.take(ctx.local().store().reanchor());
    ctx.print({{"ok", true}, {"anchored_seq", seq}},
              ctx.t("Pista anclada de nuevo en el evento ", "Trail anchored again at event ") + std::to_string(seq) + ".");
  });

  auto* lib = app.add_subcommand("library", "Librería de programas fuentes y documentación / the library");
  lib->require_subcommand(1);
  auto* lverify = lib->add_subcommand("verify", "Recalcula cada SHA-256 y reporta diferencias / recompute every digest");
  lverify->callback([&ctx] {
    BlobStore& library = ctx.local().library();
    LibraryVerifyReport all = library.verify();
    std::vector<std::string> refs;
    ctx.check(ctx.local().store().read([&refs](ReadTx& tx) {
      refs = tx.referenced_blobs();
      return ok_status();
    }));
    LibraryVerifyReport referenced = library.verify_blobs(refs);
    const std::set<std::string> ref_set(refs.begin(), refs.end());
    for (const std::string& sha : all.blobs) {
      if (!ref_set.contains(sha)) referenced.problems.push_back(library.orphan_problem(sha));
    }
    nlohmann::json problems = nlohmann::json::array();
    std::string text;
    std::set<std::string> seen;
    for (const auto* report : {&all, &referenced}) {
      for (const auto& p : report->problems) {
        const std::string key = std::string(problem_kind_name(p.kind)) + p.sha256;
        if (!seen.insert(key).second) continue;
        problems.push_back({{"kind", problem_kind_name(p.kind)}, {"sha256", p.sha256}, {"path", p.path.string()},
                            {"message", ctx.language() == Lang::en ? p.en : p.es}});
        text += "  " + (ctx.language() == Lang::en ? p.en : p.es) + "\n";
      }
    }
    nlohmann::json j = {{"ok", problems.empty()}, {"checked", all.checked}, {"bytes", all.bytes}, {"referenced", refs.size()}, {"problems", problems}};
    if (problems.empty()) {
      ctx.print(j, ctx.t("Librería íntegra: ", "Library intact: ") + std::to_string(all.checked) + ctx.t(" archivos verificados.", " files verified."));
      return;
    }
    ctx.print(j, ctx.t("LA LIBRERÍA TIENE PROBLEMAS:\n", "THE LIBRARY HAS PROBLEMS:\n") + text);
    throw CliFailure{verification_failed(std::to_string(problems.size()) + " problema(s) en la librería.",
                                         std::to_string(problems.size()) + " problem(s) in the library."),
                     ctx.json};
  });
}

void register_demo(CLI::App& app, CliContext& ctx) {
  auto full = std::make_shared<bool>(false);
  auto* demo = app.add_subcommand("demo",
                                  "Crea una oficina de demostración y lleva un pase de mantenimiento hasta el cierre, paso a paso / "
                                  "create a demo office and walk one maintenance release to closed, step by step");
  demo->add_flag("--full", *full, "Además, pases de todo tipo en varios estados / also releases of every kind in many states");
  demo->callback([&ctx, full] {
    Office& office = ctx.office();
    nlohmann::json steps = nlohmann::json::array();
    DemoLog log = [&](const std::string& line) {
      if (ctx.json) {
        steps.push_back(line);
      } else {
        std::cout << line << "\n" << std::flush;
      }
    };
    if (*full) {
      ctx.check(seed_demo_office(office, log));
    } else {
      ctx.check(seed_demo_people_and_systems(office, log));
      std::string number = ctx.take(walk_demo_sample(office, log));
      ReleaseView v = ctx.take(office.view(number, ""));
      log(number + ": " + v.proc->state_name(v.release.state, ctx.language()) + " — " + ctx.t("versión en producción de SIAGIE: ", "SIAGIE version in production: ") +
          ctx.take(office.system_view("SIAGIE")).production_version);
    }
    auto report = ctx.local().store().verify_audit();
    log(ctx.t("Pista de auditoría: ", "Audit trail: ") + std::to_string(report.events_checked) + ctx.t(" eventos, ", " events, ") +
        (report.ok ? ctx.t("íntegra", "intact") : ctx.t("ALTERADA", "TAMPERED")));
    log(ctx.t("Usuarios de demostración (contraseña «", "Demo users (password \"") + kDemoPassword + ctx.t("»): ", "\"): ") + "ana.funcional, pedro.lider, carla.calidad, oscar.operador, julia.jefa, …");
    if (ctx.json) ctx.print({{"steps", steps}, {"db", ctx.local().db_path()}}, "");
  });
}

}  // namespace pasaprod
