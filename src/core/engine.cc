#include "core/engine.h"
#include "core/text.h"

#include <algorithm>
#include <set>

#include "core/guards.h"
#include "core/manifest.h"

namespace pasaprod {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

Error unknown_action(const Procedure& p, const Release& r, const std::string& action) {
  std::string list;
  for (const auto& c : p.action_codes(r.kind)) list += (list.empty() ? "" : ", ") + c;
  return make_error(Code::invalid_argument, "action.unknown",
                    "La acción «" + action + "» no existe para un pase de tipo " + p.kind_name(r.kind, Lang::es) + ". Acciones: " + list + ".",
                    "There is no action \"" + action + "\" for a " + p.kind_name(r.kind, Lang::en) + " release. Actions: " + list + ".")
      .with("action", action);
}

Error wrong_state(const Procedure& p, const Release& r, const std::string& action) {
  return make_error(Code::conflict, "action.state_conflict",
                    "La acción «" + p.action_name(action, Lang::es) + "» no es posible: la solicitud " + r.number + " está en estado «" +
                        p.state_name(r.state, Lang::es) + "». Vuelva a cargarla para ver lo que corresponde ahora.",
                    "The action \"" + p.action_name(action, Lang::en) + "\" is not possible: request " + r.number + " is in state \"" +
                        p.state_name(r.state, Lang::en) + "\". Reload it to see what applies now.")
      .with("state", r.state)
      .with("action", action);
}

Error not_allowed(const Procedure& p, const Release& r, const std::vector<std::string>& roles, const std::string& what_es,
                  const std::string& what_en) {
  Error e = make_error(Code::permission_denied, "role.required",
                       what_es + " requiere el rol " + roles_phrase(p, roles, r.system, Lang::es) + ".",
                       what_en + " requires the role " + roles_phrase(p, roles, r.system, Lang::en) + ".");
  for (const auto& role : roles) e.with("required_role", role);
  return e;
}

// The name of a step (an action or a record type) for messages.
std::string step_name(const Procedure& p, const std::string& code, Lang lang) {
  return p.record_type(code) ? p.record_name(code, lang) : p.action_name(code, lang);
}

}  // namespace

std::optional<Error> segregation(const Situation& s, const User& actor, const std::string& step) {
  const Procedure& p = *s.proc;
  for (const auto& rule : p.segregation) {
    if (rule.then != step) continue;
    bool did_first = false;
    for (const auto& t : s.release->transitions) did_first = did_first || (t.action == rule.first && t.by == actor.username);
    for (const auto& r : s.release->records) did_first = did_first || (r.type == rule.first && r.by == actor.username);
    if (!did_first) continue;
    return make_error(Code::permission_denied, "segregation",
                      "Segregación de funciones: quien realizó «" + step_name(p, rule.first, Lang::es) + "» no puede realizar «" +
                          step_name(p, step, Lang::es) + "» en la misma solicitud; debe hacerlo otra persona con el rol.",
                      "Segregation of duties: whoever did \"" + step_name(p, rule.first, Lang::en) + "\" may not do \"" +
                          step_name(p, step, Lang::en) + "\" on the same request; another person with the role must.")
        .with("first", rule.first)
        .with("then", step);
  }
  return std::nullopt;
}

namespace {

// Every failing guard, merged into one Error (the first one's id; messages joined).
std::optional<Error> failing_guards(const Situation& s, const ActionDef& def, const ActionInput& input, bool skip_note) {
  std::optional<Error> merged;
  for (const auto& g : def.guards) {
    if (skip_note && g.name == "note") continue;
    auto e = check_guard(g, s, input);
    if (!e) continue;
    if (!merged) {
      merged = *e;
    } else {
      merged->es += " " + e->es;
      merged->en += " " + e->en;
      merged->details.insert(merged->details.end(), e->details.begin(), e->details.end());
    }
  }
  return merged;
}

std::optional<Error> decide(const Situation& s, const User& actor, const ActionInput& input, const ActionDef** out_def,
                            bool skip_note) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  if (!p.any_action(input.action, r.kind)) return unknown_action(p, r, input.action);
  const ActionDef* def = p.action(input.action, r.kind, r.state);
  if (!def) return wrong_state(p, r, input.action);
  *out_def = def;
  if (!actor.active || !holds_any(p, actor, r, def->R)) {
    return not_allowed(p, r, def->R, "La acción «" + def->label.es + "»", "The action \"" + def->label.en + "\"");
  }
  if (auto e = segregation(s, actor, def->code)) return e;
  return failing_guards(s, *def, input, skip_note);
}

bool needs_note(const ActionDef& def) {
  return std::any_of(def.guards.begin(), def.guards.end(), [](const GuardRef& g) { return g.name == "note"; });
}

}  // namespace

bool condition_holds(const std::string& when, const Release& release) {
  if (when == "changes_database") return release.changes_database;
  return when.empty();
}

std::vector<std::string> required_slots(const Procedure& proc, const Release& release) {
  std::vector<std::string> out;
  const KindDef* kind = proc.kind(release.kind);
  if (!kind) return out;
  for (const auto& slot : kind->slots) {
    const auto w = kind->slot_when.find(slot);
    if (w == kind->slot_when.end() || condition_holds(w->second, release)) out.push_back(slot);
  }
  return out;
}

std::vector<std::string> consulted_roles(const Procedure& proc, const Release& release) {
  std::vector<std::string> out;
  auto add = [&](const std::vector<std::string>& roles) {
    for (const auto& r : roles) {
      if (!contains(out, r)) out.push_back(r);
    }
  };
  for (const auto& code : proc.action_codes(release.kind)) {
    if (const ActionDef* def = proc.action(code, release.kind, release.state)) add(def->C);
  }
  for (const auto& t : proc.record_types) {
    if (!contains(t.states, release.state) || (!t.kinds.empty() && !contains(t.kinds, release.kind))) continue;
    if (condition_holds(t.when, release)) add(t.consult);
  }
  return out;
}

std::vector<std::string> record_roles(const Procedure& proc, const RecordTypeDef& def, const Release& release) {
  std::vector<std::string> out;
  if (!condition_holds(def.when, release)) return out;
  for (const auto& role : def.by) {
    if (role != "consulted") {
      if (!contains(out, role)) out.push_back(role);
      continue;
    }
    for (const auto& c : consulted_roles(proc, release)) {
      if (!contains(out, c)) out.push_back(c);
    }
  }
  return out;
}

System system_after(const Procedure& proc, const Release& release, const std::string& state, System system) {
  if (!proc.is_final(state) || !proc.is_production(state)) return system;
  if (system.status == "in_development") system.status = "in_production";
  for (const auto& type : proc.record_types) {
    if (type.system_fields.empty()) continue;
    const Record* rec = release.latest_record(type.code);
    if (!rec) continue;
    for (const auto& [field, source] : type.system_fields) {
      std::string value = source.rfind('=', 0) == 0 ? source.substr(1) : (rec->fields.count(source) ? rec->fields.at(source) : "");
      if (field == "asset_id") system.asset_id = value;
      if (field == "indecopi_requested_on") system.indecopi.requested_on = value;
      if (field == "indecopi_file_number") system.indecopi.file_number = value;
      if (field == "indecopi_status") system.indecopi.status = value;
    }
  }
  return system;
}

Situation make_situation(const Procedure& proc, const Release& release, const System& system, Timestamp now) {
  Situation s;
  s.proc = &proc;
  s.release = &release;
  s.system = &system;
  s.now = now;
  s.manifest = manifest_sha256(release);
  return s;
}

bool holds_any(const Procedure& proc, const User& actor, const Release& release, const std::vector<std::string>& roles) {
  for (const auto& role : roles) {
    if (role == "requester") {
      if (actor.username == release.requester) return true;
      continue;
    }
    const RoleDef* def = proc.role(role);
    if (!def) continue;
    if (actor.holds(role, def->per_system ? release.system : "")) return true;
  }
  return false;
}

std::string roles_phrase(const Procedure& proc, const std::vector<std::string>& roles, const std::string& system, Lang lang) {
  std::string out;
  bool per_system = false;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i) out += (i + 1 == roles.size()) ? (lang == Lang::en ? " or " : " o ") : ", ";
    out += proc.role_name(roles[i], lang);
    const RoleDef* def = proc.role(roles[i]);
    per_system = per_system || (def && def->per_system);
  }
  if (per_system && !system.empty()) out += (lang == Lang::en ? " (for system " : " (para el sistema ") + system + ")";
  return out;
}

int committee_quorum(const Situation& s) {
  const std::string& setting = !s.quorum_setting.empty() ? s.quorum_setting : s.proc->committee_quorum;
  if (!setting.empty() && setting != "majority") {
    try {
      const int n = std::stoi(setting);
      if (n > 0) return n;
    } catch (...) {
    }
  }
  return static_cast<int>(s.committee_members.size()) / 2 + 1;
}

std::pair<int, int> committee_votes(const Situation& s) {
  std::set<std::string> seen;
  int yes = 0, no = 0;
  const RecordTypeDef* vote = s.proc->record_meaning("vote");
  if (!vote) return {0, 0};
  const auto& records = s.release->records;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->type != vote->code || it->manifest_sha256 != s.manifest) continue;
    if (!contains(s.committee_members, it->by) || !seen.insert(it->by).second) continue;
    const auto d = it->fields.find(vote->pass_key());
    if (d == it->fields.end() || d->second.empty()) continue;
    ++(vote->passed(it->fields) ? yes : no);
  }
  return {yes, no};
}

Result<ActionPlan> plan_action(const Situation& s, const User& actor, const ActionInput& input) {
  const ActionDef* def = nullptr;
  if (auto e = decide(s, actor, input, &def, false)) return *e;
  ActionPlan plan;
  plan.def = def;
  plan.transition = Transition{def->code, s.release->state, def->to, actor.username, trim(input.note), s.now, s.manifest};
  if (needs_note(*def)) {
    plan.observation = Observation{trim(input.note), actor.username, s.now, s.release->state, def->code};
  }
  return plan;
}

std::vector<ActionOption> action_options(const Situation& s, const User& actor) {
  std::vector<ActionOption> out;
  for (const auto& code : s.proc->action_codes(s.release->kind)) {
    const ActionDef* def = s.proc->action(code, s.release->kind, s.release->state);
    if (!def) continue;
    ActionOption o;
    o.action = code;
    o.to = def->to;
    o.needs_note = needs_note(*def);
    o.irreversible = def->irreversible;
    const ActionDef* ignored = nullptr;
    o.reason = decide(s, actor, ActionInput{code, "", {}}, &ignored, true);
    o.allowed = !o.reason.has_value();
    out.push_back(std::move(o));
  }
  return out;
}

Status check_file_name(const std::string& name) {
  if (!is_valid_utf8(name)) {  // not echoed: it could not be shown nor stored
    return make_error(Code::invalid_argument, "file.bad_name_encoding",
                      "El nombre de archivo no es texto UTF-8 válido: renómbrelo (por ejemplo, sin caracteres especiales) "
                      "y vuelva a subirlo. No se guardó nada.",
                      "The file name is not valid UTF-8 text: rename it (for example, without special characters) and "
                      "upload it again. Nothing was kept.")
        .with("field", "file");
  }
  bool ok = !name.empty() && name.size() <= 200 && name != "." && name != "..";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') ok = false;
  }
  if (ok) return ok_status();
  return make_error(Code::invalid_argument, "file.bad_name",
                    "El nombre de archivo «" + name + "» no es válido: use de 1 a 200 caracteres sin barras ni caracteres de control.",
                    "The file name \"" + name + "\" is not valid: use 1 to 200 characters without slashes or control characters.");
}

}  // namespace pasaprod
