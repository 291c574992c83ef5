// next_step (engine.h): the one step that moves a request forward for a person.
#include <algorithm>

#include "core/engine.h"
#include "core/guards.h"

namespace pasaprod {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Position of `state` on the kind's path; -1 when it is off the path (returned, observed …).
long path_index(const KindDef& kind, const std::string& state) {
  const auto it = std::find(kind.path.begin(), kind.path.end(), state);
  return it == kind.path.end() ? -1 : static_cast<long>(it - kind.path.begin());
}

// True when `actor` may give a record of `type` on the request now, segregation included.
bool can_record(const Situation& s, const User& actor, const std::string& type) {
  const RecordTypeDef* def = s.proc->record_type(type);
  if (!def || !contains(def->states, s.release->state)) return false;
  if (!def->kinds.empty() && !contains(def->kinds, s.release->kind)) return false;
  const auto roles = record_roles(*s.proc, *def, *s.release);
  return !roles.empty() && holds_any(*s.proc, actor, *s.release, roles) && !segregation(s, actor, type);
}

// What `actor` can do about one thing a guard found missing: a record type to give, a
// deliverable slot to fill (uploaders who also take the action, while editable) or to review
// (reviewers, at reception).
std::optional<std::string> remedy(const Situation& s, const User& actor, const std::string& missing, bool takes_action) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  if (p.record_type(missing)) {
    if (can_record(s, actor, missing)) return "record:" + missing;
    return std::nullopt;
  }
  const KindDef* kind = p.kind(r.kind);
  if (!kind || !contains(kind->slots, missing)) return std::nullopt;
  if (r.files_in(missing).empty()) {
    if (takes_action && contains(p.editable_in, r.state) && holds_any(p, actor, r, kind->uploaders)) return "upload:" + missing;
    return std::nullopt;
  }
  if (contains(p.review_states, r.state) && holds_any(p, actor, r, p.review_by)) return "review:" + missing;
  return std::nullopt;
}

}  // namespace

bool moves_forward(const Procedure& proc, const Release& release, const std::string& state) {
  const KindDef* kind = proc.kind(release.kind);
  return kind && path_index(*kind, state) > path_index(*kind, release.state);
}

std::optional<NextStep> next_step(const Situation& s, const User& actor) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  const KindDef* kind = p.kind(r.kind);
  if (!kind || !actor.active) return std::nullopt;
  const long here = path_index(*kind, r.state);
  std::optional<NextStep> waiting;  // a forward action of the actor's that waits on others
  std::optional<NextStep> fix;      // something missing that the actor can give
  for (const auto& option : action_options(s, actor)) {
    if (path_index(*kind, option.to) <= here) continue;  // back, aside or out: never a "to do"
    const ActionDef* def = p.action(option.action, r.kind, r.state);
    if (!def) continue;
    if (option.allowed) return NextStep{option.action, option.action, true, std::nullopt, def->A};
    // What the action waits for, whoever takes it: the actor may hold some of it.
    const bool takes = !option.reason || option.reason->code != Code::permission_denied;
    for (const auto& g : def->guards) {
      if (fix) break;
      if (!g.kinds.empty() && !contains(g.kinds, r.kind)) continue;
      if (!condition_holds(g.when, r)) continue;
      const auto e = check_guard(g, s, ActionInput{option.action, "", {}});
      for (const auto& d : e ? e->details : std::vector<Detail>{}) {
        if (d.key != "missing" || fix) continue;
        if (auto step = remedy(s, actor, d.value, takes)) fix = NextStep{*step, option.action, true, std::nullopt, def->A};
      }
    }
    if (!waiting && option.reason && option.reason->code != Code::permission_denied) {
      waiting = NextStep{option.action, option.action, false, option.reason, def->A};
    }
  }
  if (fix) return fix;
  // Sign-offs the actor gives in this state and has not given for the current deliverables.
  for (const auto& type : p.record_types) {
    if (!type.signoff || !can_record(s, actor, type.code) || !condition_holds(type.when, r)) continue;
    bool given = false;
    for (const auto& rec : r.records) given = given || (rec.type == type.code && rec.by == actor.username && rec.manifest_sha256 == s.manifest);
    if (!given) return NextStep{"record:" + type.code, "", true, std::nullopt, {}};
  }
  return waiting;
}

std::string step_label(const Procedure& proc, const std::string& step, Lang lang) {
  const auto colon = step.find(':');
  if (colon == std::string::npos) return proc.action_name(step, lang);
  const std::string verb = step.substr(0, colon), what = step.substr(colon + 1);
  const bool en = lang == Lang::en;
  if (verb == "record") return (en ? "Record: " : "Registrar: ") + proc.record_name(what, lang);
  if (verb == "upload") return (en ? "Upload: " : "Subir: ") + proc.slot_name(what, lang);
  if (verb == "review") return (en ? "Review: " : "Revisar: ") + proc.slot_name(what, lang);
  if (verb == "consult") {
    const std::string name = proc.record_type(what) ? proc.record_name(what, lang) : proc.action_name(what, lang);
    return en ? "Your opinion is asked on: " + name + " (give it on the request before it is taken)"
              : "Se le consulta sobre: " + name + " (responda en la solicitud antes de que se realice)";
  }
  return step;
}

}  // namespace pasaprod
