#include "core/guards.h"

#include <algorithm>

#include "core/manifest.h"

namespace pasaprod {
namespace {

Error refuse(std::string id, std::string es, std::string en) {
  return make_error(Code::failed_precondition, "guard." + std::move(id), std::move(es), std::move(en));
}

const TimeZone& zone_of(const Situation& s) {
  static const TimeZone utc = TimeZone::utc();
  return s.zone ? *s.zone : utc;
}

// "04/12/2026 08:53, hora de America/Lima" / "2026-12-04 08:53, America/Lima time".
std::string named(const Situation& s, const std::string& wall, Lang lang) {
  const std::string& zone = zone_of(s).name();
  return wall + (lang == Lang::es ? ", hora de " + zone : ", " + zone + " time");
}

std::string at(const Situation& s, Timestamp t, Lang lang) { return named(s, format_local(t, zone_of(s), lang), lang); }

// "04/12/2026 09:00 – 13:00, hora de America/Lima"; the second date is left out on the same day.
std::string span(const Situation& s, Timestamp from, Timestamp to, Lang lang) {
  const std::string a = format_local(from, zone_of(s), lang);
  std::string b = format_local(to, zone_of(s), lang);
  if (a.size() == b.size() && a.size() > 6 && a.compare(0, a.size() - 5, b, 0, b.size() - 5) == 0) b = b.substr(b.size() - 5);
  return named(s, a + " – " + b, lang);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string join(const std::vector<std::string>& items, const std::string& last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += (i + 1 == items.size()) ? last_sep : ", ";
    out += items[i];
  }
  return out;
}


// The required slots that people upload (generated ones are filled by pasaprod).
std::vector<std::string> uploadable_slots(const Situation& s) {
  std::vector<std::string> out;
  for (const auto& code : required_slots(*s.proc, *s.release)) {
    const SlotDef* def = s.proc->slot(code);
    if (def && !def->generated) out.push_back(code);
  }
  return out;
}

const Review* latest_review(const Release& r, const std::string& slot) {
  for (auto it = r.reviews.rbegin(); it != r.reviews.rend(); ++it) {
    if (it->slot == slot) return &*it;
  }
  return nullptr;
}

std::optional<Error> slots_filled(const Situation& s) {
  std::vector<std::string> es, en;
  for (const auto& slot : uploadable_slots(s)) {
    if (s.release->files_in(slot).empty()) {
      es.push_back(s.proc->slot_name(slot, Lang::es));
      en.push_back(s.proc->slot_name(slot, Lang::en));
    }
  }
  if (es.empty()) return std::nullopt;
  Error e = refuse("deliverables_missing", "Faltan entregables: " + join(es, " y ") + ". Súbalos mientras la solicitud es editable.",
                   "Deliverables missing: " + join(en, " and ") + ". Upload them while the request is editable.");
  for (const auto& slot : uploadable_slots(s)) {
    if (s.release->files_in(slot).empty()) e.with("missing", slot);
  }
  return e;
}

std::optional<Error> slots_accepted(const Situation& s) {
  std::vector<std::string> es, en, missing;
  for (const auto& slot : required_slots(*s.proc, *s.release)) {
    const std::string es_name = s.proc->slot_name(slot, Lang::es), en_name = s.proc->slot_name(slot, Lang::en);
    if (s.release->files_in(slot).empty()) {
      es.push_back(es_name + " (vacío)");
      en.push_back(en_name + " (empty)");
    } else {
      const Review* rv = latest_review(*s.release, slot);
      if (!rv || rv->slot_digest != slot_digest(*s.release, slot)) {
        es.push_back(es_name + " (sin revisar)");
        en.push_back(en_name + " (not reviewed)");
      } else if (rv->verdict != "accepted") {
        es.push_back(es_name + " (observado)");
        en.push_back(en_name + " (observed)");
      } else {
        continue;
      }
    }
    missing.push_back(slot);
  }
  if (es.empty()) return std::nullopt;
  Error e = refuse("deliverables_not_accepted",
                   "Todo entregable requerido debe estar revisado y aceptado; pendientes: " + join(es, " y ") +
                       ". Los revisa " + roles_phrase(*s.proc, s.proc->review_by, s.release->system, Lang::es) + ".",
                   "Every required deliverable must be reviewed and accepted; pending: " + join(en, " and ") +
                       ". They are reviewed by " + roles_phrase(*s.proc, s.proc->review_by, s.release->system, Lang::en) + ".");
  for (const auto& m : missing) e.with("missing", m);
  return e;
}

bool record_fresh(const Situation& s, const Record& r) {
  const RecordTypeDef* def = s.proc->record_type(r.type);
  return !def || !def->signoff || r.manifest_sha256 == s.manifest;
}

std::optional<Error> checklist(const Situation& s) {
  std::vector<std::string> es, en, missing;
  if (auto e = slots_accepted(s)) {
    for (const auto& d : e->details) missing.push_back(d.value);
    es.push_back("entregables aceptados");
    en.push_back("accepted deliverables");
  }
  for (const auto& item : s.proc->checklist) {
    if (!condition_holds(item.when, *s.release)) continue;
    const Record* r = s.release->latest_record(item.record);
    if (r && record_fresh(s, *r)) continue;
    es.push_back(s.proc->record_name(item.record, Lang::es) + (r ? " (desactualizado)" : ""));
    en.push_back(s.proc->record_name(item.record, Lang::en) + (r ? " (stale)" : ""));
    missing.push_back(item.record);
  }
  if (es.empty()) return std::nullopt;
  Error e = refuse("checklist_incomplete", "El check list de producción está incompleto; falta: " + join(es, " y ") + ".",
                   "The production checklist is incomplete; missing: " + join(en, " and ") + ".");
  for (const auto& m : missing) e.with("missing", m);
  return e;
}

// The approval a deployment rests on: the action that brought the request to its current state.
const Transition* latest_approval(const Release& r) {
  for (auto it = r.transitions.rbegin(); it != r.transitions.rend(); ++it) {
    if (it->to == r.state) return &*it;
  }
  return nullptr;
}

std::optional<Error> need_record(const Situation& s, const std::string& type) {
  if (s.release->latest_record(type)) return std::nullopt;
  return refuse("record_missing", "Falta el registro «" + s.proc->record_name(type, Lang::es) + "».",
                "The record \"" + s.proc->record_name(type, Lang::en) + "\" is missing.")
      .with("missing", type);
}

// The latest record of the type that `is` the meaning, or nullptr.
const Record* latest_meaning(const Situation& s, std::string_view is) {
  const RecordTypeDef* t = s.proc->record_meaning(is);
  return t ? s.release->latest_record(t->code) : nullptr;
}

std::string field_of(const Record& r, const std::string& key) {
  auto it = r.fields.find(key);
  return it == r.fields.end() ? std::string() : it->second;
}

std::optional<std::pair<Timestamp, Timestamp>> window_of(const Situation& s) {
  const RecordTypeDef* t = s.proc->record_meaning("window");
  const Record* w = t ? s.release->latest_record(t->code) : nullptr;
  if (!w) return std::nullopt;
  auto from = parse_iso(field_of(*w, t->keys[0]));
  auto to = parse_iso(field_of(*w, t->keys[1]));
  if (!from || !to) return std::nullopt;
  return std::make_pair(*from, *to);
}

// The passing value of the record type with that meaning ("" when none).
std::string pass_value(const Procedure& p, std::string_view is) {
  const RecordTypeDef* t = p.record_meaning(is);
  return t && !t->passes.empty() ? t->passes.begin()->second : std::string();
}

bool freezes_guard(const Situation& s) {
  for (const auto& a : s.proc->actions) {
    for (const auto& g : a.guards) {
      const bool kind_ok = g.kinds.empty() || std::find(g.kinds.begin(), g.kinds.end(), s.release->kind) != g.kinds.end();
      if (g.name == "outside_freeze" && kind_ok && condition_holds(g.when, *s.release)) return true;
    }
  }
  return false;
}

std::optional<Error> quorum(const Situation& s, bool approve) {
  const int needed = committee_quorum(s);
  const auto [yes, no] = committee_votes(s);
  const int have = approve ? yes : no;
  if (have >= needed) return std::nullopt;
  const std::string what_es = approve ? "a favor" : "en contra", what_en = approve ? "in favour" : "against";
  return refuse(approve ? "quorum_approve" : "quorum_reject",
                "El comité de emergencia necesita " + std::to_string(needed) + " votos " + what_es + " y tiene " +
                    std::to_string(have) + "; los miembros del comité registran su voto.",
                "The emergency committee needs " + std::to_string(needed) + " votes " + what_en + " and has " +
                    std::to_string(have) + "; committee members record their votes.")
      .with("quorum", std::to_string(needed))
      .with("votes", std::to_string(have));
}

std::optional<Error> evaluate(const GuardRef& g, const Situation& s, const ActionInput& input) {
  const Release& r = *s.release;
  const Procedure& p = *s.proc;
  if (g.name == "note") {
    if (!trim(input.note).empty()) return std::nullopt;
    return refuse("note_required", "Indique el motivo en una nota: quedará como observación de la solicitud.",
                  "Give the reason in a note: it becomes an observation on the request.");
  }
  if (g.name == "slot_filled") {
    if (!r.files_in(g.arg).empty()) return std::nullopt;
    return refuse("slot_empty", "Falta el entregable «" + p.slot_name(g.arg, Lang::es) + "»; súbalo antes de continuar.",
                  "The deliverable \"" + p.slot_name(g.arg, Lang::en) + "\" is missing; upload it first.")
        .with("missing", g.arg);
  }
  if (g.name == "required_slots_filled") return slots_filled(s);
  if (g.name == "required_slots_accepted") return slots_accepted(s);
  if (g.name == "checklist_complete") {
    auto e = checklist(s);
    if (p.record_meaning("window") && !window_of(s) && !e) {
      return refuse("window_missing", "Falta la ventana de despliegue planificada.", "The planned deployment window is missing.")
          .with("missing", p.meaning_code("window"));
    }
    return e;
  }
  if (g.name == "fresh") {
    if (signoff_fresh(s, g.arg)) return std::nullopt;
    const bool given = r.latest_transition(g.arg) || r.latest_record(g.arg);
    const std::string es_name = p.record_type(g.arg) ? p.record_name(g.arg, Lang::es) : p.action_name(g.arg, Lang::es);
    const std::string en_name = p.record_type(g.arg) ? p.record_name(g.arg, Lang::en) : p.action_name(g.arg, Lang::en);
    if (!given) {
      return refuse("signoff_missing", "Falta la conformidad previa «" + es_name + "».",
                    "The prior sign-off \"" + en_name + "\" is missing.")
          .with("missing", g.arg);
    }
    return refuse("signoff_stale",
                  "La conformidad «" + es_name + "» se dio sobre otros entregables: los archivos cambiaron después. Debe darse de nuevo sobre los actuales.",
                  "The sign-off \"" + en_name + "\" was given on other deliverables: the files changed since. It must be given again on the current ones.")
        .with("stale", g.arg);
  }
  if (g.name == "committee_quorum_approve") return quorum(s, true);
  if (g.name == "committee_quorum_reject") return quorum(s, false);
  if (g.name == "approval_fresh") {
    const Transition* a = latest_approval(r);
    if (a && a->manifest_sha256 == s.manifest) return std::nullopt;
    return refuse("approval_stale", "La aprobación no corresponde a los entregables actuales; la solicitud debe aprobarse de nuevo.",
                  "The approval does not match the current deliverables; the request must be approved again.");
  }
  if (g.name == "backup_recorded") {
    if (latest_meaning(s, "backup")) return std::nullopt;
    return refuse("backup_missing",
                  "Registre el backup de la línea base (qué, dónde y su SHA-256) antes de desplegar; lo hace el operador o el DBA.",
                  "Record the baseline backup (what, where and its SHA-256) before deploying; the release operator or the DBA does it.")
        .with("missing", p.meaning_code("backup"));
  }
  if (g.name == "outside_freeze") {
    const auto w = window_of(s);
    for (const auto& f : s.freezes) {
      const bool now_in = s.now >= f.from && s.now < f.to;
      const bool window_in = w && w->first < f.to && f.from < w->second;
      if (now_in || window_in) {
        return refuse("freeze", "El despliegue cae en un periodo de congelamiento (" + span(s, f.from, f.to, Lang::es) + ": " + f.reason +
                                    "). Solo un pase de emergencia puede desplegarse en él; replanifique la ventana.",
                      "The deployment falls in a freeze period (" + span(s, f.from, f.to, Lang::en) + ": " + f.reason +
                          "). Only an emergency release may deploy in it; plan another window.")
            .with("freeze_id", std::to_string(f.id));
      }
    }
    return std::nullopt;
  }
  if (g.name == "within_window") {
    const auto w = window_of(s);
    if (!w) {
      return refuse("window_missing", "Falta la ventana de despliegue planificada.", "The planned deployment window is missing.")
          .with("missing", p.meaning_code("window"));
    }
    if (s.now >= w->first && s.now <= w->second) return std::nullopt;
    return refuse("outside_window",
                  "Ahora (" + at(s, s.now, Lang::es) + ") está fuera de la ventana de despliegue planificada (" +
                      span(s, w->first, w->second, Lang::es) + "); registre una nueva ventana.",
                  "Now (" + at(s, s.now, Lang::en) + ") is outside the planned deployment window (" + span(s, w->first, w->second, Lang::en) +
                      "); record a new window.")
        .with("window_from", format_iso(w->first))
        .with("window_to", format_iso(w->second));
  }
  if (g.name == "deployment_recorded") {
    if (!latest_meaning(s, "deployment")) {
      return refuse("deployment_missing", "Registre los puntos de despliegue ejecutados antes de marcar el pase como desplegado.",
                    "Record the deployment points performed before marking the release deployed.")
          .with("missing", p.meaning_code("deployment"));
    }
    return std::nullopt;
  }
  if (g.name == "deployed_matches_approval") {
    const Transition* a = latest_approval(r);
    if (!s.deployed_manifest || !a || *s.deployed_manifest != a->manifest_sha256) {
      return refuse("manifest_mismatch",
                    "Los artefactos a desplegar no coinciden con el manifiesto aprobado (SHA-256 distinto): no se despliega lo que no se aprobó.",
                    "The artifacts to deploy do not match the approved manifest (different SHA-256): what was not approved is not deployed.")
          .with("approved_manifest", a ? a->manifest_sha256 : "")
          .with("deployed_manifest", s.deployed_manifest.value_or(""));
    }
    return std::nullopt;
  }
  if (g.name == "verification_ok") {
    const Record* v = latest_meaning(s, "verification");
    if (v && p.record_meaning("verification")->passed(v->fields)) return std::nullopt;
    Error e = refuse("verification_missing",
                     v ? "La última verificación de operatividad falló: ejecute el plan de marcha atrás o verifique de nuevo."
                       : "Registre la verificación de operatividad con resultado «" + pass_value(p, "verification") + "».",
                     v ? "The last operability verification failed: execute the back-out plan or verify again."
                       : "Record the operability verification with result \"" + pass_value(p, "verification") + "\".");
    if (!v) e.with("missing", p.meaning_code("verification"));
    return e;
  }
  if (g.name == "rollback_recorded") {
    // Its keys all given (a record with a blank one is inconsistent data and does not count).
    const RecordTypeDef* t = p.record_meaning("rollback");
    const Record* rb = latest_meaning(s, "rollback");
    if (rb && std::all_of(t->keys.begin(), t->keys.end(), [&](const std::string& k) { return !trim(field_of(*rb, k)).empty(); })) {
      return std::nullopt;
    }
    return refuse("rollback_record_missing", "Registre qué se hizo en la marcha atrás y su resultado antes de cerrarla.",
                  "Record what was done in the rollback and its result first.")
        .with("missing", p.meaning_code("rollback"));
  }
  if (g.name == "record") return need_record(s, g.arg);
  if (g.name == "cosigned") {
    // Each co-signing role by a different person, on the current manifest.
    const RecordTypeDef& cosign = *p.record_meaning("cosign");
    std::vector<std::string> missing;
    std::vector<std::string> signers;
    for (const std::string& role : cosign.by) {
      const Record* found = nullptr;
      for (const auto& rec : r.records) {
        if (rec.type == cosign.code && rec.fields.count("role") && rec.fields.at("role") == role && record_fresh(s, rec) &&
            std::find(signers.begin(), signers.end(), rec.by) == signers.end()) {
          found = &rec;
        }
      }
      if (found) {
        signers.push_back(found->by);
      } else {
        missing.push_back(role);
      }
    }
    if (missing.empty()) return std::nullopt;
    std::vector<std::string> es, en;
    for (const auto& m : missing) {
      es.push_back(p.role_name(m, Lang::es));
      en.push_back(p.role_name(m, Lang::en));
    }
    Error e = refuse("cosign_missing", "Falta la co-firma del acta de: " + join(es, " y ") + ".",
                     "The acceptance record lacks the co-signature of: " + join(en, " and ") + ".");
    for (const auto& m : missing) e.with("missing", m);
    return e;
  }
  return refuse("unknown", "Guarda desconocida «" + g.name + "».", "Unknown guard \"" + g.name + "\".");
}

}  // namespace

const std::vector<GuardSpec>& all_guards() {
  static const std::vector<GuardSpec> guards = {
      {"note", GuardArg::none, "a note saying why (becomes an observation)"},
      {"slot_filled", GuardArg::slot, "the slot has at least one file"},
      {"required_slots_filled", GuardArg::none, "every required uploadable slot has files"},
      {"required_slots_accepted", GuardArg::none, "every required slot has files, reviewed and accepted on its current content"},
      {"checklist_complete", GuardArg::none, "production checklist: slots accepted and checklist records fresh"},
      {"fresh", GuardArg::signoff, "the named sign-off was given on the current manifest"},
      {"committee_quorum_approve", GuardArg::none, "approve votes reach the committee quorum", "vote"},
      {"committee_quorum_reject", GuardArg::none, "reject votes reach the committee quorum", "vote"},
      {"approval_fresh", GuardArg::none, "the approval was given on the current manifest"},
      {"backup_recorded", GuardArg::none, "a baseline backup record exists", "backup"},
      {"outside_freeze", GuardArg::none, "now and the window are outside every freeze period"},
      {"within_window", GuardArg::none, "now is inside the planned window", "window"},
      {"deployment_recorded", GuardArg::none, "a deployment record exists", "deployment"},
      {"deployed_matches_approval", GuardArg::none, "the library's bytes hash to the approved manifest"},
      {"verification_ok", GuardArg::none, "the latest verification passed", "verification"},
      {"rollback_recorded", GuardArg::none, "a rollback record with every key given exists", "rollback"},
      {"record", GuardArg::record, "a record of the type exists"},
      {"cosigned", GuardArg::none, "each co-signing role signed, by different people, on the current manifest", "cosign"},
  };
  return guards;
}

const GuardSpec* find_guard(std::string_view name) {
  for (const auto& g : all_guards()) {
    if (name == g.name) return &g;
  }
  return nullptr;
}

std::optional<Error> check_guard(const GuardRef& guard, const Situation& s, const ActionInput& input) {
  if (!guard.kinds.empty() && std::find(guard.kinds.begin(), guard.kinds.end(), s.release->kind) == guard.kinds.end()) {
    return std::nullopt;
  }
  if (!condition_holds(guard.when, *s.release)) return std::nullopt;
  return evaluate(guard, s, input);
}

std::optional<WindowStatus> window_status(const Situation& s) {
  const auto w = window_of(s);
  if (!w) return std::nullopt;
  WindowStatus out{.from = w->first, .to = w->second, .open = s.now >= w->first && s.now <= w->second, .past = s.now > w->second, .freeze = std::nullopt};
  if (freezes_guard(s)) {
    for (const auto& f : s.freezes) {
      if (w->first < f.to && f.from < w->second) {
        out.freeze = f;
        break;
      }
    }
  }
  return out;
}

bool signoff_fresh(const Situation& s, const std::string& name) {
  if (s.proc->record_type(name)) {
    const Record* r = s.release->latest_record(name);
    return r && r->manifest_sha256 == s.manifest;
  }
  const Transition* t = s.release->latest_transition(name);
  return t && t->manifest_sha256 == s.manifest;
}

}  // namespace pasaprod
