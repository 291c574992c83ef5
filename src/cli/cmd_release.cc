// release, deliverable, review, record and act commands.
#include <filesystem>

#include "cli/context.h"
#include "cli/remote.h"
#include "core/derived.h"
#include "util/sha256.h"

#include <fstream>
#include "service/json_view.h"

namespace pasaprod {
namespace {

std::string release_text(const ReleaseView& v, const CliContext& ctx) {
  const Release& r = v.release;
  const Procedure& p = *v.proc;
  const Lang lang = ctx.language();
  std::string t = r.number + " — " + r.title + "\n";
  t += ctx.t("Sistema: ", "System: ") + r.system + "   " + ctx.t("Tipo: ", "Kind: ") + p.kind_name(r.kind, lang) + "   " +
       ctx.t("Versión: ", "Version: ") + r.version + "\n";
  t += ctx.t("Estado: ", "State: ") + p.state_name(r.state, lang) + " (" + r.state + ")   " + ctx.t("Solicitante: ", "Requester: ") + r.requester +
       "   " + ctx.t("Edición: ", "Edition: ") + r.edition + "\n";
  t += ctx.t("Manifiesto: ", "Manifest: ") + v.manifest_sha256 + "\n";
  t += ctx.t("Entregables:\n", "Deliverables:\n");
  for (const auto& slot : p.kind(r.kind)->slots) {
    const auto files = r.files_in(slot);
    std::string review;
    for (auto it = r.reviews.rbegin(); it != r.reviews.rend(); ++it) {
      if (it->slot == slot) {
        review = " [" + it->verdict + " " + it->by + "]";
        break;
      }
    }
    t += "  " + std::string(files.empty() ? "[ ] " : "[x] ") + p.slot_name(slot, lang) + " (" + slot + ")" + review + "\n";
    for (const auto* f : files) t += "      " + f->name + "  " + std::to_string(f->size) + " B  sha256:" + f->sha256 + "\n";
  }
  if (!r.records.empty()) t += ctx.t("Registros:\n", "Records:\n");
  for (const auto& rec : r.records) {
    std::string fields;
    for (const auto& [k, val] : rec.fields) fields += " " + k + "=" + val;
    t += "  " + format_iso(rec.at) + " " + rec.type + " (" + rec.by + ")" + fields + "\n";
  }
  if (!r.transitions.empty()) t += ctx.t("Acciones:\n", "Actions:\n");
  for (const auto& tr : r.transitions) {
    t += "  " + format_iso(tr.at) + " " + tr.action + " " + tr.from + " → " + tr.to + " (" + tr.by + ")" + (tr.note.empty() ? "" : ": " + tr.note) + "\n";
  }
  if (!r.observations.empty()) t += ctx.t("Observaciones:\n", "Observations:\n");
  for (const auto& o : r.observations) t += "  " + format_iso(o.at) + " " + o.by + " (" + o.from_state + "): " + o.text + "\n";
  if (!v.options.empty()) t += ctx.t("Acciones posibles:\n", "Possible actions:\n");
  for (const auto& o : v.options) {
    t += "  " + std::string(o.allowed ? "✔ " : "✘ ") + o.action + " → " + o.to;
    if (o.reason) t += ": " + o.reason->message(lang);
    t += "\n";
  }
  return t;
}

// Parses key=value arguments.
std::map<std::string, std::string> parse_fields(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CliFailure{make_error(Code::invalid_argument, "cli.bad_field", "Use clave=valor; «" + kv + "» no lo es.",
                                  "Use key=value; \"" + kv + "\" is not.")};
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CliFailure{make_error(Code::not_found, "file.unreadable", "No se puede leer el archivo «" + path + "».",
                                "Cannot read the file \"" + path + "\".")};
  }
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  return h.hex_digest();
}

std::string remote_release_text(const nlohmann::json& r) {
  std::string t = r.value("number", "") + " — " + r.value("title", "") + "\n";
  t += r.value("system", "") + " " + r.value("kind", "") + " " + r.value("version", "") + " — " + r.value("state_name", "") + " (" +
       r.value("state", "") + ")\n";
  for (const auto& d : r.value("deliverables", nlohmann::json::array())) {
    t += "  " + std::string(d["files"].empty() ? "[ ] " : "[x] ") + d.value("name", "") + " (" + d.value("slot", "") + ")\n";
  }
  for (const auto& a : r.value("available_actions", nlohmann::json::array())) {
    t += "  " + std::string(a.value("allowed", false) ? "✔ " : "✘ ") + a.value("action", "");
    if (a.contains("reason")) t += ": " + a["reason"].value("message", "");
    t += "\n";
  }
  return t;
}

}  // namespace

void register_release(CLI::App& app, CliContext& ctx) {
  auto* rel = app.add_subcommand("release", "Solicitudes de pase / release requests");
  rel->require_subcommand(1);

  struct NewArgs {
    std::string system, kind, version, title, summary, as;
    bool major = false;
    bool no_database = false;
  };
  auto n = std::make_shared<NewArgs>();
  auto* add = rel->add_subcommand("new", "Abre una solicitud e imprime su número / open a request, print its number");
  add->add_option("--system", n->system, "Código del sistema / system code")->required();
  add->add_option("--kind", n->kind, kind_option_help("Tipo de pase", "release kind"))->required();
  add->add_option("--version", n->version, "Versión destino / target version")->required();
  add->add_option("--title", n->title, "Título / title")->required();
  add->add_option("--summary", n->summary, "Resumen de cambios / change summary");
  add->add_flag("--major", n->major, "Mantenimiento declarado mayor / maintenance declared major");
  add->add_flag("--no-database", n->no_database,
                "No cambia la base de datos: sin scripts de BD ni partes del DBA / does not change the database");
  add->add_option("--as", n->as, "Usuario que actúa / acting user (local)");
  add->callback([&ctx, n] {
    if (!ctx.server.empty()) {
      auto j = ctx.take(remote(ctx).call("POST", "/api/v1/releases",
                                         {{"system", n->system}, {"kind", n->kind}, {"version", n->version}, {"title", n->title},
                                          {"summary", n->summary}, {"major", n->major},
                                          {"changes_database", !n->no_database}}));
      ctx.print({{"number", j.value("number", "")}, {"state", j.value("state", "")}, {"version", j.value("version", "")},
                 {"system", j.value("system", "")}, {"kind", j.value("kind", "")}},
                j.value("number", ""));
      return;
    }
    acting_user(ctx, n->as);
    Release r = ctx.take(ctx.office().open_release(Caller{n->as}, n->system, {n->kind, n->version, n->major, !n->no_database, n->title, n->summary}));
    ctx.print({{"number", r.number}, {"state", r.state}, {"version", r.version}, {"system", r.system}, {"kind", r.kind}}, r.number);
  });

  auto f = std::make_shared<ReleaseFilter>();
  auto* list = rel->add_subcommand("list", "Lista solicitudes, las más nuevas primero / list requests, newest first");
  list->add_option("--state", f->state, "Estado / state");
  list->add_option("--system", f->system, "Sistema / system");
  list->add_option("--kind", f->kind, "Tipo / kind");
  list->add_option("--text", f->text, "Texto en número, título o resumen / text search");
  list->add_option("--limit", f->limit, "Máximo de filas / max rows")->check(CLI::Range(1, 10000));
  list->add_option("--offset", f->offset, "Desde la fila / skip rows")->check(CLI::NonNegativeNumber);
  list->callback([&ctx, f] {
    if (!ctx.server.empty()) {
      std::string q = "?offset=" + std::to_string(f->offset) + "&limit=" + std::to_string(std::min(f->limit, 200));
      for (auto [k, v] : {std::pair{"state", f->state}, {"system", f->system}, {"kind", f->kind}, {"text", f->text}}) {
        if (!v.empty()) q += std::string("&") + k + "=" + url_segment(v);
      }
      auto j = ctx.take(remote(ctx).call("GET", "/api/v1/releases" + q));
      std::string text;
      for (const auto& r : j["items"]) {
        text += r.value("number", "") + "\t" + r.value("system", "") + "\t" + r.value("kind", "") + "\t" + r.value("version", "") + "\t" +
                r.value("state", "") + "\t" + r.value("title", "") + "\n";
      }
      ctx.print(j, text);
      return;
    }
    ReleasePage page = ctx.take(ctx.office().releases(*f));
    const Procedure& p = ctx.office().current_procedure();
    nlohmann::json items = nlohmann::json::array();
    std::string text;
    for (const auto& r : page.items) {
      items.push_back(summary_json(r, p, ctx.language()));
      text += r.number + "\t" + r.system + "\t" + r.kind + "\t" + r.version + "\t" + r.state + "\t" + r.title + "\n";
    }
    ctx.print({{"items", items}, {"total", page.total}, {"total_capped", page.total_capped}, {"offset", f->offset}, {"limit", f->limit}},
              text);
  });

  struct ShowArgs {
    std::string number, as;
  };
  auto s = std::make_shared<ShowArgs>();
  auto ev = std::make_shared<std::string>();
  auto* events = rel->add_subcommand("events", "Historia (pista de auditoría) de una solicitud / a request's audit events");
  events->add_option("NUMBER", *ev, "Número / number")->required();
  events->callback([&ctx, ev] {
    if (!ctx.server.empty()) {
      auto j = ctx.take(remote(ctx).call("GET", "/api/v1/releases/" + url_segment(*ev) + "/events"));
      ctx.print(j, j.dump(2));
      return;
    }
    ctx.take(ctx.office().view(*ev, ""));  // not_found for an unknown request
    nlohmann::json items = nlohmann::json::array();
    std::string text;
    for (std::int64_t after = 0;;) {
      auto batch = ctx.take(ctx.office().events(*ev, after, 500));
      for (const auto& e : batch) {
        items.push_back({{"seq", e.seq}, {"at", format_iso(e.at)}, {"actor", e.actor}, {"action", e.action},
                         {"before", e.before.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(e.before, nullptr, false)},
                         {"after", e.after.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(e.after, nullptr, false)}});
        text += std::to_string(e.seq) + "\t" + format_iso(e.at) + "\t" + e.actor + "\t" + e.action + "\t" + e.after + "\n";
      }
      if (batch.size() < 500) break;
      after = batch.back().seq;
    }
    ctx.print({{"items", items}}, text.empty() ? "" : text.substr(0, text.size() - 1));
  });

  auto* show = rel->add_subcommand("show", "Muestra una solicitud completa / show a request");
  show->add_option("NUMBER", s->number, "Número / number")->required();
  show->add_option("--as", s->as, "Mostrar las acciones posibles para este usuario / show this user's possible actions");
  show->callback([&ctx, s] {
    if (!ctx.server.empty()) {
      auto j = ctx.take(remote(ctx).call("GET", "/api/v1/releases/" + url_segment(s->number)));
      ctx.print(j, remote_release_text(j));
      return;
    }
    ReleaseView v = ctx.take(ctx.office().view(s->number, s->as));
    ctx.print(release_json(v, ctx.language()), release_text(v, ctx));
  });
}

void register_deliverable(CLI::App& app, CliContext& ctx) {
  auto* del = app.add_subcommand("deliverable", "Entregables / deliverables");
  del->require_subcommand(1);
  struct Args {
    std::string number, slot, as;
    std::vector<std::string> files;
  };
  auto a = std::make_shared<Args>();
  auto* add = del->add_subcommand("add", "Sube archivos a un entregable / upload files to a slot");
  add->add_option("NUMBER", a->number, "Número / number")->required();
  add->add_option("SLOT", a->slot, "Entregable / slot")->required();
  add->add_option("FILE", a->files, "Archivos / files")->required();
  add->add_option("--as", a->as, "Usuario que actúa / acting user (local)");
  add->callback([&ctx, a] {
    nlohmann::json out = nlohmann::json::array();
    std::string text;
    if (ctx.server.empty()) acting_user(ctx, a->as);
    for (const auto& path : a->files) {
      const std::string name = std::filesystem::path(path).filename().string();
      if (!ctx.server.empty()) {
        const std::string sha = file_sha256(path);
        auto j = ctx.take(remote(ctx).put_file("/api/v1/releases/" + url_segment(a->number) + "/deliverables/" + url_segment(a->slot) + "/" +
                                                   url_segment(name),
                                               path, sha));
        out.push_back(j);
        text += a->slot + "/" + name + "  sha256:" + j.value("sha256", "") + "\n";
        continue;
      }
      DeliverableFile f = ctx.take(ctx.office().add_deliverable_file(Caller{a->as}, a->number, a->slot, path, name));
      out.push_back(file_json(f));
      text += f.slot + "/" + f.name + "  " + std::to_string(f.size) + " B  sha256:" + f.sha256 + "\n";
    }
    ctx.print(out, text);
  });
  auto r = std::make_shared<Args>();
  auto* rm = del->add_subcommand("remove", "Quita un archivo de un entregable / remove a file");
  rm->add_option("NUMBER", r->number, "Número / number")->required();
  rm->add_option("SLOT", r->slot, "Entregable / slot")->required();
  rm->add_option("FILE", r->files, "Nombre del archivo / file name")->required()->expected(1);
  rm->add_option("--as", r->as, "Usuario que actúa / acting user")->required();
  rm->callback([&ctx, r] {
    ctx.check(ctx.office().remove_deliverable(Caller{r->as}, r->number, r->slot, r->files.at(0)));
    ctx.print({{"removed", {{"slot", r->slot}, {"name", r->files.at(0)}}}}, ctx.t("Archivo quitado.", "File removed."));
  });
}

void register_review_record_act(CLI::App& app, CliContext& ctx) {
  struct Args {
    std::string number, slot, verdict, note, as, type, action;
    std::vector<std::string> fields;
    std::int64_t expect = -1;
  };
  auto rv = std::make_shared<Args>();
  auto* review = app.add_subcommand("review", "Revisa un entregable en la recepción / review a deliverable at reception");
  review->add_option("NUMBER", rv->number, "Número / number")->required();
  review->add_option("SLOT", rv->slot, "Entregable / slot")->required();
  review->add_option("VERDICT", rv->verdict, "accepted|observed")->required()->check(CLI::IsMember({"accepted", "observed"}));
  review->add_option("--note", rv->note, "Nota / note");
  review->add_option("--as", rv->as, "Usuario que actúa / acting user")->required();
  review->callback([&ctx, rv] {
    Review r = ctx.take(ctx.office().review(Caller{rv->as}, rv->number, rv->slot, rv->verdict, rv->note));
    ctx.print(review_json(r), rv->number + ": " + r.slot + " " + r.verdict);
  });

  auto rc = std::make_shared<Args>();
  auto* record = app.add_subcommand("record", "Registra un dato del pase (SPEC §4.4) / add a record");
  record->add_option("NUMBER", rc->number, "Número / number")->required();
  record->add_option("TYPE", rc->type, "Tipo de registro de la edición / a record type of the edition")->required();
  record->add_option("FIELDS", rc->fields, "clave=valor / key=value");
  record->add_option("--as", rc->as, "Usuario que actúa / acting user")->required();
  record->callback([&ctx, rc] {
    Record r = ctx.take(ctx.office().record(Caller{rc->as}, rc->number, rc->type, parse_fields(rc->fields)));
    ctx.print(record_json(r), rc->number + ": " + r.type + ctx.t(" registrado", " recorded"));
  });

  // consult: a consulted person's opinion (the RACI's C cells), a `consultation` record.
  struct ConsultArgs {
    std::string number, opinion, note, on, as;
  };
  auto co = std::make_shared<ConsultArgs>();
  auto* consult = app.add_subcommand("consult", "Da su opinión cuando se le consulta (C) / answer a consultation");
  consult->add_option("NUMBER", co->number, "Número / number")->required();
  consult->add_option("--opinion", co->opinion,
                      "agree (de acuerdo) | concerns (con reparos), o un valor de la opinión de la edición / "
                      "or a value of the edition's opinion")
      ->required();
  consult->add_option("--note", co->note, "Su opinión / your opinion")->required();
  consult->add_option("--on", co->on, "Sobre qué acción o registro (por defecto el abierto) / on which step");
  consult->add_option("--as", co->as, "Usuario que opina / acting user (local)");
  consult->callback([&ctx, co] {
    if (!ctx.server.empty()) {
      // The server's procedure says which record type is a consultation and what it admits.
      const nlohmann::json proc = ctx.take(remote(ctx).call("GET", "/api/v1/procedure"));
      ConsultationForm form;
      for (const auto& t : proc.value("record_types", nlohmann::json::array())) {
        if (t.value("is", "") != "consultation") continue;
        form.type = t.value("code", "");
        for (const auto& [key, values] : t.value("choices", nlohmann::json::object()).items()) {
          form.choices[key] = values.get<std::vector<std::string>>();
        }
        form.passes = t.value("passes", std::map<std::string, std::string>{});
      }
      auto fields = ctx.take(consultation_fields(form, co->opinion, co->note, co->on));
      auto j = ctx.take(remote(ctx).call("POST", "/api/v1/releases/" + url_segment(co->number) + "/records",
                                         {{"type", form.type}, {"fields", fields}}));
      ctx.print(j, co->number + ctx.t(": opinión registrada", ": opinion recorded"));
      return;
    }
    const ConsultationForm form = consultation_form(ctx.office().current_procedure());
    auto fields = ctx.take(consultation_fields(form, co->opinion, co->note, co->on));
    Record r = ctx.take(ctx.office().record(Caller{co->as}, co->number, form.type, fields));
    ctx.print(record_json(r), co->number + ctx.t(": opinión registrada sobre ", ": opinion recorded on ") + r.fields.at("on"));
  });

  // inbox: what the user must do (R), answers for (A), is asked about (C), was told (I).
  auto who = std::make_shared<std::string>();
  auto* inbox = app.add_subcommand("inbox", "Mis pendientes / what I must do, answer for, am asked and was told");
  inbox->add_option("--as", *who, "Usuario / user (local)");
  inbox->callback([&ctx, who] {
    if (!ctx.server.empty()) {
      auto j = ctx.take(remote(ctx).call("GET", "/api/v1/inbox"));
      std::string text;
      for (const char* part : {"todo", "waiting", "accountable", "consulted"}) {
        for (const auto& i : j.value(part, nlohmann::json::array())) {
          text += std::string(part) + "\t" + i.value("number", "") + "\t" + i.value("action", "") + "\n";
        }
      }
      ctx.print(j, text);
      return;
    }
    if (who->empty()) throw CliFailure{make_error(Code::invalid_argument, "cli.as_required", "Indique --as USUARIO.", "Give --as USER.")};
    Inbox in = ctx.take(ctx.office().inbox(*who));
    const Procedure& p = ctx.office().current_procedure();
    nlohmann::json j = nlohmann::json::object();
    std::string text;
    const auto part = [&](const char* name, const char* es, const char* en, const std::vector<InboxItem>& items) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& i : items) {
        arr.push_back({{"number", i.release.number}, {"action", i.action}, {"label", step_label(p, i.action, ctx.language())},
                       {"role", i.role}, {"allowed", i.allowed}, {"serves", i.serves}, {"since", format_iso(i.since)},
                       {"reason", i.reason ? nlohmann::json(i.reason->message(ctx.language())) : nlohmann::json(nullptr)}});
        text += ctx.t(es, en) + std::string("\t") + i.release.number + "\t" + i.action + "\t" + step_label(p, i.action, ctx.language()) + "\t" + i.release.title +
                (i.reason ? "\t(" + i.reason->message(ctx.language()) + ")" : "") + "\n";
      }
      j[name] = arr;
    };
    part("todo", "hacer", "todo", in.todo);
    part("waiting", "espera", "waiting", in.waiting);
    part("accountable", "responde", "accountable", in.accountable);
    part("consulted", "consulta", "consulted", in.consulted);
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : in.notifications) {
      notes.push_back({{"id", n.id}, {"release", n.release}, {"action", n.action}, {"actor", n.actor}, {"at", format_iso(n.at)},
                       {"read", n.read}});
      text += ctx.t("aviso", "notice") + std::string("\t") + n.release + "\t" + n.action + "\t" + n.actor + "\t" + format_iso(n.at) + "\n";
    }
    j["notifications"] = notes;
    j["unread"] = in.unread;
    (void)p;
    ctx.print(j, text.empty() ? ctx.t("Nada pendiente.", "Nothing pending.") : text.substr(0, text.size() - 1));
  });

  auto ac = std::make_shared<Args>();
  auto* act = app.add_subcommand("act", "Realiza una acción del procedimiento / take an action");
  act->add_option("NUMBER", ac->number, "Número / number")->required();
  act->add_option("ACTION", ac->action, "Acción / action (request_qa, qa_accept, ...)")->required();
  act->add_option("--note", ac->note, "Nota (motivo) / note (reason)");
  act->add_option("FIELDS", ac->fields, "clave=valor / key=value");
  act->add_option("--expect-version", ac->expect, "Falla si la solicitud cambió / fail if the request changed (row_version)");
  act->add_option("--as", ac->as, "Usuario que actúa / acting user (local)");
  act->callback([&ctx, ac] {
    if (!ctx.server.empty()) {
      nlohmann::json fields = nlohmann::json::object();
      for (const auto& [k, v] : parse_fields(ac->fields)) fields[k] = v;
      auto j = ctx.take(remote(ctx).call("POST", "/api/v1/releases/" + url_segment(ac->number) + "/actions/" + url_segment(ac->action),
                                         {{"note", ac->note}, {"fields", fields}}));
      ctx.print(j, j.value("number", "") + ": " + ac->action + " → " + j.value("state_name", "") + " (" + j.value("state", "") + ")");
      return;
    }
    acting_user(ctx, ac->as);
    std::optional<std::int64_t> expect;
    if (ac->expect >= 0) expect = ac->expect;
    ReleaseView v = ctx.take(ctx.office().act_view(Caller{ac->as}, ac->number, ActionInput{ac->action, ac->note, parse_fields(ac->fields)}, expect));
    v.options.clear();  // the request as `release show` prints it without --as
    const Release& r = v.release;
    ctx.print(release_json(v, ctx.language()), r.number + ": " + ac->action + " → " + v.proc->state_name(r.state, ctx.language()) + " (" + r.state + ")");
  });
}

}  // namespace pasaprod
