// Records, deliverables, reviews and opening a request (engine.h).
#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/derived.h"
#include "core/engine.h"
#include "core/manifest.h"
#include "core/version.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Error bad_field(const std::string& key, const std::string& es, const std::string& en) {
  return make_error(Code::invalid_argument, "record.bad_field", "Campo «" + key + "»: " + es, "Field \"" + key + "\": " + en)
      .with("field", key);
}

Error forbidden(const Procedure& p, const Release& r, const std::vector<std::string>& roles, const std::string& what_es,
                const std::string& what_en) {
  Error e = make_error(Code::permission_denied, "role.required", what_es + " requiere el rol " + roles_phrase(p, roles, r.system, Lang::es) + ".",
                       what_en + " requires the role " + roles_phrase(p, roles, r.system, Lang::en) + ".");
  for (const auto& role : roles) e.with("required_role", role);
  return e;
}

std::string states_phrase(const Procedure& p, const std::vector<std::string>& states, Lang lang) {
  std::string out;
  for (std::size_t i = 0; i < states.size(); ++i) out += (i ? ", " : "") + p.state_name(states[i], lang);
  return out;
}

// `started` and `ended` of a deployment part: ISO 8601, now by default, in order.
Status times(const Situation& s, std::map<std::string, std::string>& f) {
  for (const char* k : {"started", "ended"}) {
    if (f[k].empty()) {
      f[k] = format_iso(s.now);
    } else {
      auto t = parse_iso(f[k]);
      if (!t) return bad_field(k, t.error().es, t.error().en);
      f[k] = format_iso(*t);
    }
  }
  if (parse_iso(f["ended"]).value() < parse_iso(f["started"]).value()) {
    return bad_field("ended", "el fin del despliegue no puede ser anterior a su inicio.", "the deployment cannot end before it started.");
  }
  return ok_status();
}

std::string phrase(const std::vector<std::string>& items, const std::string& open, const std::string& close, const std::string& last) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? (i + 1 == items.size() ? last : ", ") : "") + open + items[i] + close;
  return out;
}

// A key's declared format (procedure.h kKeyFormats); times are normalised to ISO 8601 UTC.
Status check_format(const Situation& s, const std::string& key, const std::string& format, std::string& v) {
  if (format == "time" || format == "date") {
    auto t = parse_iso(v);
    if (!t) return bad_field(key, t.error().es, t.error().en);
    if (format == "time") v = format_iso(*t);
  } else if (format == "sha256") {
    if (!is_sha256_hex(v)) {
      return bad_field(key, "debe ser un SHA-256 en hexadecimal (64 caracteres).", "must be a hex SHA-256 (64 characters).");
    }
  } else if (format == "steps") {
    const auto& expected = s.proc->kind(s.release->kind)->deployment_steps;
    const auto steps = split_list(v);
    for (const auto& st : steps) {
      if (!contains(expected, st)) {
        return bad_field(key, "paso desconocido «" + st + "»; los pasos de este tipo son: " + phrase(expected, "", "", ", ") + ".",
                         "unknown step \"" + st + "\" for this kind.");
      }
    }
    for (const auto& e : expected) {
      if (!contains(steps, e)) {
        return bad_field(key, "falta el punto de despliegue «" + e + "»; todos los puntos deben ejecutarse.",
                         "the deployment point \"" + e + "\" is missing; every point must be performed.");
      }
    }
  }
  return ok_status();
}

// The activity a consultation is on: given in `on`, or the first open one that consults the actor.
Status consultation_on(const Situation& s, const User& actor, std::map<std::string, std::string>& f) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  std::string on;
  for (const auto& code : p.action_codes(r.kind)) {
    const ActionDef* a = p.action(code, r.kind, r.state);
    if (!a || !holds_any(p, actor, r, a->C)) continue;
    if (f["on"].empty() ? on.empty() : f["on"] == code) on = code;
  }
  for (const auto& t : p.record_types) {
    if (!contains(t.states, r.state) || !holds_any(p, actor, r, t.consult)) continue;
    if (f["on"].empty() ? on.empty() : f["on"] == t.code) on = t.code;
  }
  if (on.empty() && !f["on"].empty()) {
    return bad_field("on", "no se le consulta sobre «" + f["on"] + "» en este estado.", "you are not consulted on \"" + f["on"] + "\" in this state.");
  }
  f["on"] = on;
  return ok_status();
}

// The role a co-signature is given as: `role`, or the one co-signing role the actor holds.
Status cosign_role(const Situation& s, const User& actor, const RecordTypeDef& def, std::map<std::string, std::string>& f) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  std::string role = f["role"];
  if (role.empty()) {
    for (const auto& candidate : def.by) {
      if (!holds_any(p, actor, r, {candidate})) continue;
      if (!role.empty()) {
        return bad_field("role", "usted tiene varios roles que co-firman: indique " + phrase(def.by, "role=", "", " o ") + ".",
                         "you hold several co-signing roles: give " + phrase(def.by, "role=", "", " or ") + ".");
      }
      role = candidate;
    }
  }
  if (!contains(def.by, role) || !holds_any(p, actor, r, {role})) {
    return forbidden(p, r, def.by, "Co-firmar el acta", "Co-signing the record");
  }
  f["role"] = role;
  return ok_status();
}

// Checks and normalisation of a record's fields: its keys' formats and choices, then what its
// meaning (`is`) asks.
Status check_fields(const Situation& s, const User& actor, const RecordTypeDef& def, std::map<std::string, std::string>& f) {
  for (const auto& [key, format] : def.formats) {
    if (auto st = check_format(s, key, format, f[key]); !st) return st;
  }
  for (const auto& [key, values] : def.choices) {
    if (!contains(values, f[key])) {
      return bad_field(key, "use " + phrase(values, "«", "»", " o ") + ".", "use " + phrase(values, "\"", "\"", " or ") + ".");
    }
  }
  if (def.is == "window" && parse_iso(f[def.keys[1]]).value() <= parse_iso(f[def.keys[0]]).value()) {
    return bad_field(def.keys[1], "el fin de la ventana debe ser posterior a su inicio.", "the window must end after it starts.");
  }
  if (def.is == "deployment" || def.is == "database_deployment") {
    if (auto st = times(s, f); !st) return st;
  }
  if (def.is == "deployment" && s.deployed_manifest) f["deployed_manifest_sha256"] = *s.deployed_manifest;
  if (def.is == "consultation") return consultation_on(s, actor, f);
  if (def.is == "cosign") return cosign_role(s, actor, def, f);
  return ok_status();
}

}  // namespace

Result<Record> plan_record(const Situation& s, const User& actor, const std::string& type,
                           const std::map<std::string, std::string>& fields) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  const RecordTypeDef* def = p.record_type(type);
  if (!def) {
    std::string list;
    for (const auto& t : p.record_types) list += (list.empty() ? "" : ", ") + t.code;
    return make_error(Code::invalid_argument, "record.unknown_type", "Tipo de registro desconocido «" + type + "». Tipos: " + list + ".",
                      "Unknown record type \"" + type + "\". Types: " + list + ".");
  }
  if (!def->kinds.empty() && !contains(def->kinds, r.kind)) {
    return make_error(Code::failed_precondition, "record.not_for_kind",
                      "El registro «" + def->label.es + "» no corresponde a un pase de tipo " + p.kind_name(r.kind, Lang::es) + ".",
                      "The record \"" + def->label.en + "\" does not apply to a " + p.kind_name(r.kind, Lang::en) + " release.");
  }
  if (!condition_holds(def->when, r)) {
    return make_error(Code::failed_precondition, "record.not_applicable",
                      "El registro «" + def->label.es + "» no corresponde: la solicitud " + r.number + " declara que no cambia la base de datos.",
                      "The record \"" + def->label.en + "\" does not apply: request " + r.number + " states it does not change the database.");
  }
  const std::vector<std::string> by = record_roles(p, *def, r);
  if (by.empty()) {
    return make_error(Code::failed_precondition, "record.nobody_consulted",
                      "En el estado «" + p.state_name(r.state, Lang::es) + "» el procedimiento no consulta a nadie.",
                      "In state \"" + p.state_name(r.state, Lang::en) + "\" the procedure consults nobody.");
  }
  if (!actor.active || !holds_any(p, actor, r, by)) {
    return forbidden(p, r, by, "Registrar «" + def->label.es + "»", "Recording \"" + def->label.en + "\"");
  }
  if (auto e = segregation(s, actor, type)) return *e;
  if (!contains(def->states, r.state)) {
    return make_error(Code::failed_precondition, "record.wrong_state",
                      "«" + def->label.es + "» se registra en estado " + states_phrase(p, def->states, Lang::es) + "; la solicitud está en «" +
                          p.state_name(r.state, Lang::es) + "».",
                      "\"" + def->label.en + "\" is recorded in state " + states_phrase(p, def->states, Lang::en) + "; the request is in \"" +
                          p.state_name(r.state, Lang::en) + "\".")
        .with("state", r.state);
  }
  std::map<std::string, std::string> f;
  for (const auto& [k, v] : fields) {
    const bool key_ok = !k.empty() && k.size() <= 40 &&
                        std::all_of(k.begin(), k.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_' || std::isdigit(static_cast<unsigned char>(c)); });
    if (!key_ok) return bad_field(k, "use letras minúsculas, dígitos y «_».", "use lowercase letters, digits and \"_\".");
    if (v.size() > 8000) return bad_field(k, "el texto es demasiado largo (máximo 8000 caracteres).", "the text is too long (at most 8000 characters).");
    f[k] = trim(v);
  }
  for (const auto& key : def->keys) {
    if (f[key].empty()) {
      return bad_field(key, "es obligatorio para «" + def->label.es + "».", "is required for \"" + def->label.en + "\".");
    }
  }
  if (auto st = check_fields(s, actor, *def, f); !st) return st.error();
  Record rec;
  rec.type = type;
  rec.fields = std::move(f);
  rec.by = actor.username;
  rec.at = s.now;
  rec.manifest_sha256 = s.manifest;
  return rec;
}

Status plan_upload(const Situation& s, const User& actor, const std::string& slot, const std::string& name) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  const KindDef& kind = *p.kind(r.kind);
  const SlotDef* def = p.slot(slot);
  if (!def || !contains(kind.slots, slot)) {
    std::string list;
    for (const auto& c : kind.slots) {
      if (!p.slot(c)->generated) list += (list.empty() ? "" : ", ") + c;
    }
    return make_error(Code::invalid_argument, "slot.unknown",
                      "El entregable «" + slot + "» no corresponde a un pase de tipo " + kind.label.es + ". Entregables: " + list + ".",
                      "The deliverable \"" + slot + "\" does not belong to a " + kind.label.en + " release. Deliverables: " + list + ".");
  }
  if (def->generated) {
    return make_error(Code::invalid_argument, "slot.generated", "«" + def->label.es + "» lo genera pasaprod; no se sube.",
                      "\"" + def->label.en + "\" is generated by pasaprod; it is not uploaded.");
  }
  if (!contains(p.editable_in, r.state)) {
    return make_error(Code::failed_precondition, "deliverables.frozen",
                      "Los entregables no pueden cambiar en estado «" + p.state_name(r.state, Lang::es) +
                          "»: devuelva primero la solicitud (solo se editan en " + states_phrase(p, p.editable_in, Lang::es) + ").",
                      "Deliverables cannot change in state \"" + p.state_name(r.state, Lang::en) +
                          "\": return the request first (they are editable only in " + states_phrase(p, p.editable_in, Lang::en) + ").")
        .with("state", r.state);
  }
  if (!actor.active || !holds_any(p, actor, r, kind.uploaders)) {
    return forbidden(p, r, kind.uploaders, "Cambiar entregables", "Changing deliverables");
  }
  return check_file_name(name);
}

Status plan_remove(const Situation& s, const User& actor, const std::string& slot, const std::string& name) {
  if (auto st = plan_upload(s, actor, slot, name); !st) return st;
  for (const auto& f : s.release->files) {
    if (f.slot == slot && f.name == name) return ok_status();
  }
  return make_error(Code::not_found, "file.not_found", "No hay un archivo «" + name + "» en el entregable «" + slot + "».",
                    "There is no file \"" + name + "\" in deliverable \"" + slot + "\".");
}

Result<Review> plan_review(const Situation& s, const User& actor, const std::string& slot, const std::string& verdict,
                           const std::string& note) {
  const Procedure& p = *s.proc;
  const Release& r = *s.release;
  const KindDef& kind = *p.kind(r.kind);
  if (!contains(kind.slots, slot)) {
    return make_error(Code::invalid_argument, "slot.unknown", "El entregable «" + slot + "» no se revisa en un pase de tipo " + kind.label.es + ".",
                      "The deliverable \"" + slot + "\" is not reviewed in a " + kind.label.en + " release.");
  }
  if (verdict != "accepted" && verdict != "observed") {
    return make_error(Code::invalid_argument, "review.bad_verdict", "El veredicto debe ser «accepted» (aceptado) u «observed» (observado).",
                      "The verdict must be \"accepted\" or \"observed\".");
  }
  if (!actor.active || !holds_any(p, actor, r, p.review_by)) {
    return forbidden(p, r, p.review_by, "Revisar entregables", "Reviewing deliverables");
  }
  if (!contains(p.review_states, r.state)) {
    return make_error(Code::failed_precondition, "review.wrong_state",
                      "Los entregables se revisan en la recepción (estado " + states_phrase(p, p.review_states, Lang::es) + "); la solicitud está en «" +
                          p.state_name(r.state, Lang::es) + "».",
                      "Deliverables are reviewed at reception (state " + states_phrase(p, p.review_states, Lang::en) + "); the request is in \"" +
                          p.state_name(r.state, Lang::en) + "\".");
  }
  if (r.files_in(slot).empty()) {
    return make_error(Code::failed_precondition, "review.empty_slot", "El entregable «" + p.slot_name(slot, Lang::es) + "» está vacío: no hay nada que revisar.",
                      "The deliverable \"" + p.slot_name(slot, Lang::en) + "\" is empty: there is nothing to review.");
  }
  if (verdict == "observed" && trim(note).empty()) {
    return make_error(Code::invalid_argument, "review.note_required", "Al observar un entregable indique en una nota qué debe corregirse.",
                      "When observing a deliverable, say in a note what must be fixed.");
  }
  return Review{slot, verdict, trim(note), actor.username, s.now, slot_digest(r, slot)};
}

Result<Release> plan_new_release(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses,
                                 const User& actor, const NewReleaseInput& in, Timestamp now) {
  const KindDef* kind = proc.kind(in.kind);
  if (!kind) {
    return unknown_kind(proc, in.kind);
  }
  Release r;
  r.system = system.code;
  r.kind = in.kind;
  r.requester = actor.username;
  if (!actor.active || !holds_any(proc, actor, r, kind->opened_by)) {
    return forbidden(proc, r, kind->opened_by, "Abrir un pase de tipo " + kind->label.es, "Opening a " + kind->label.en + " release");
  }
  if (system.status == "retired") {
    return make_error(Code::failed_precondition, "system.retired", "El sistema " + system.code + " está dado de baja: no admite pases.",
                      "System " + system.code + " is retired: it takes no releases.");
  }
  const std::string title = trim(in.title);
  if (title.empty() || title.size() > 200) {
    return make_error(Code::invalid_argument, "release.bad_title", "Indique un título de 1 a 200 caracteres.",
                      "Give a title of 1 to 200 characters.")
        .with("field", "title");
  }
  if (in.summary.size() > 20000) {
    return make_error(Code::invalid_argument, "release.bad_summary", "El resumen de cambios es demasiado largo (máximo 20000 caracteres).",
                      "The change summary is too long (at most 20000 characters).")
        .with("field", "summary");
  }
  if (in.declared_major && kind->version_rule != "minor") {
    return make_error(Code::invalid_argument, "version.major_flag", "Solo un mantenimiento puede declararse mayor.",
                      "Only a maintenance can be declared major.");
  }
  if (auto st = check_version(proc, system, uses, in.kind, in.declared_major, trim(in.version)); !st) return st.error();
  r.version = trim(in.version);
  r.declared_major = in.declared_major;
  r.changes_database = in.changes_database;
  r.title = title;
  r.summary = trim(in.summary);
  r.state = proc.initial_state;
  r.edition = proc.edition;
  r.created_at = now;
  r.updated_at = now;
  r.row_version = 1;
  return r;
}

}  // namespace pasaprod
