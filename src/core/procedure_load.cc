// Parsing and checking of procedure definitions (procedure.h).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "core/guards.h"
#include "core/procedure.h"

namespace pasaprod {
namespace {

// Thrown inside the loader only; turned into an Error at load_procedure's boundary.
struct LoadError {
  int line;
  std::string es;
  std::string en;
};

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

[[noreturn]] void fail(const YAML::Node& at, std::string es, std::string en) {
  throw LoadError{line_of(at), std::move(es), std::move(en)};
}

std::string str(const YAML::Node& parent, const char* key, bool required = true) {
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) {
    if (required) {
      fail(parent, std::string("falta el campo «") + key + "»", std::string("missing field \"") + key + "\"");
    }
    return {};
  }
  if (!n.IsScalar()) {
    fail(n, std::string("«") + key + "» debe ser un texto", std::string("\"") + key + "\" must be a scalar");
  }
  return n.as<std::string>();
}

bool flag(const YAML::Node& parent, const char* key) {
  const YAML::Node n = parent[key];
  if (!n) return false;
  if (!n.IsScalar()) fail(n, std::string("«") + key + "» debe ser true o false", std::string("\"") + key + "\" must be true or false");
  return n.as<bool>();
}

// The texts of the sequence `n` (named `key` in messages); none for a missing or null node.
std::vector<std::string> texts(const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) fail(n, "«" + key + "» debe ser una lista", "\"" + key + "\" must be a list");
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(item, "se esperaba un texto en la lista", "expected a scalar in the list");
    out.push_back(item.as<std::string>());
  }
  return out;
}

std::vector<std::string> list(const YAML::Node& parent, const char* key) { return texts(parent[key], key); }

Label label(const YAML::Node& n) { return Label{str(n, "es"), str(n, "en")}; }

// The sequence under `key` (by value: assigning yaml-cpp nodes would alias them).
YAML::Node seq(const YAML::Node& root, const char* key) {
  YAML::Node n = root[key];
  if (!n || !n.IsSequence()) {
    fail(root, std::string("falta la lista «") + key + "»", std::string("missing list \"") + key + "\"");
  }
  return n;
}

template <class T>
void check_unique(const std::vector<T>& items, const std::vector<int>& lines, const char* what) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i].code).second) {
      throw LoadError{lines[i], std::string("código duplicado en ") + what + ": «" + items[i].code + "»",
                      std::string("duplicate code in ") + what + ": \"" + items[i].code + "\""};
    }
  }
}

class Checker {
 public:
  explicit Checker(const Procedure& p) : p_(p) {}

  void role(const std::string& code, int line, bool allow_pseudo = false) const {
    if (allow_pseudo && (code == "requester" || code == "everyone" || code == "consulted")) return;
    if (!p_.role(code)) throw LoadError{line, "rol desconocido «" + code + "»", "unknown role \"" + code + "\""};
  }
  void roles(const std::vector<std::string>& codes, int line, bool allow_pseudo = false) const {
    for (const auto& c : codes) role(c, line, allow_pseudo);
  }
  void state(const std::string& code, int line) const {
    if (!p_.state(code)) throw LoadError{line, "estado desconocido «" + code + "»", "unknown state \"" + code + "\""};
  }
  void states(const std::vector<std::string>& codes, int line) const {
    for (const auto& c : codes) state(c, line);
  }
  void slot(const std::string& code, int line) const {
    if (!p_.slot(code)) throw LoadError{line, "entregable desconocido «" + code + "»", "unknown deliverable slot \"" + code + "\""};
  }
  void kinds(const std::vector<std::string>& codes, int line) const {
    for (const auto& c : codes) {
      if (!p_.kind(c)) throw LoadError{line, "tipo de pase desconocido «" + c + "»", "unknown release kind \"" + c + "\""};
    }
  }
  void record(const std::string& code, int line) const {
    if (!p_.record_type(code)) throw LoadError{line, "tipo de registro desconocido «" + code + "»", "unknown record type \"" + code + "\""};
  }
  void condition(const std::string& when, int line) const {
    if (when.empty()) return;
    for (auto c : kConditions) {
      if (when == c) return;
    }
    throw LoadError{line, "condición desconocida «" + when + "» (se admite: changes_database)",
                    "unknown condition \"" + when + "\" (known: changes_database)"};
  }
  // An action code or a record type code.
  void step(const std::string& code, int line) const {
    if (p_.record_type(code)) return;
    for (const auto& a : p_.actions) {
      if (a.code == code) return;
    }
    throw LoadError{line, "«" + code + "» no es una acción ni un tipo de registro", "\"" + code + "\" is neither an action nor a record type"};
  }
  bool meaning(const std::string& is) const { return p_.record_meaning(is) != nullptr; }
  void action(const std::string& code, int line) const {
    for (const auto& a : p_.actions) {
      if (a.code == code) return;
    }
    throw LoadError{line, "acción desconocida «" + code + "»", "unknown action \"" + code + "\""};
  }

 private:
  const Procedure& p_;
};

GuardRef parse_guard(const YAML::Node& n) {
  GuardRef g;
  g.line = line_of(n);
  std::string text;
  if (n.IsScalar()) {
    text = n.as<std::string>();
  } else if (n.IsMap()) {
    text = str(n, "guard");
    g.kinds = list(n, "kinds");
    g.when = str(n, "when", false);
  } else {
    fail(n, "guarda mal formada", "malformed guard");
  }
  const auto colon = text.find(':');
  g.name = text.substr(0, colon);
  if (colon != std::string::npos) g.arg = text.substr(colon + 1);
  return g;
}

void check_guard(const GuardRef& g, const Checker& check) {
  const GuardSpec* spec = find_guard(g.name);
  if (!spec) throw LoadError{g.line, "guarda desconocida «" + g.name + "»", "unknown guard \"" + g.name + "\""};
  if (spec->arg == GuardArg::none && !g.arg.empty()) {
    throw LoadError{g.line, "la guarda «" + g.name + "» no lleva argumento", "guard \"" + g.name + "\" takes no argument"};
  }
  if (spec->arg != GuardArg::none && g.arg.empty()) {
    throw LoadError{g.line, "la guarda «" + g.name + "» necesita un argumento", "guard \"" + g.name + "\" needs an argument"};
  }
  if (*spec->needs && !check.meaning(spec->needs)) {
    throw LoadError{g.line, "la guarda «" + g.name + "» necesita un tipo de registro con «is: " + spec->needs + "»",
                    "guard \"" + g.name + "\" needs a record type with \"is: " + spec->needs + "\""};
  }
  if (spec->arg == GuardArg::slot) check.slot(g.arg, g.line);
  if (spec->arg == GuardArg::record) check.record(g.arg, g.line);
  if (spec->arg == GuardArg::signoff) {
    // An action code or a sign-off record type.
    try {
      check.action(g.arg, g.line);
    } catch (const LoadError&) {
      check.record(g.arg, g.line);
    }
  }
  check.kinds(g.kinds, g.line);
  check.condition(g.when, g.line);
}

// key → list of texts (`choices`), or key → text (`passes`, `formats`).
std::map<std::string, std::vector<std::string>> list_map(const YAML::Node& parent, const char* key) {
  std::map<std::string, std::vector<std::string>> out;
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) fail(n, std::string("«") + key + "» debe ser un mapa", std::string("\"") + key + "\" must be a map");
  for (const auto& kv : n) out[kv.first.as<std::string>()] = texts(kv.second, kv.first.as<std::string>());
  return out;
}

std::map<std::string, std::string> text_map(const YAML::Node& parent, const char* key) {
  std::map<std::string, std::string> out;
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) fail(n, std::string("«") + key + "» debe ser un mapa", std::string("\"") + key + "\" must be a map");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) fail(kv.second, "se esperaba un texto", "expected a scalar");
    out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return out;
}

// A record type's `is`, `choices`, `passes` and `formats` (procedure.h kRecordMeanings).
void parse_meaning(const YAML::Node& n, RecordTypeDef& r, const Procedure& p) {
  const int line = line_of(n);
  const std::string who = "el registro «" + r.code + "»", who_en = "record \"" + r.code + "\"";
  auto has_key = [&](const std::string& k) { return std::find(r.keys.begin(), r.keys.end(), k) != r.keys.end(); };
  r.choices = list_map(n, "choices");
  for (const auto& [key, values] : r.choices) {
    if (!has_key(key)) throw LoadError{line, who + ": «choices» nombra la clave «" + key + "», que no está en keys", who_en + ": \"choices\" names key \"" + key + "\", which is not in keys"};
    if (values.size() < 2 || std::set<std::string>(values.begin(), values.end()).size() != values.size()) {
      throw LoadError{line, who + ": la clave «" + key + "» debe admitir al menos dos valores distintos", who_en + ": key \"" + key + "\" must admit at least two distinct values"};
    }
  }
  r.passes = text_map(n, "passes");
  if (r.passes.size() > 1) throw LoadError{line, who + ": «passes» nombra una sola clave", who_en + ": \"passes\" names one key"};
  for (const auto& [key, value] : r.passes) {
    auto c = r.choices.find(key);
    if (c == r.choices.end() || std::find(c->second.begin(), c->second.end(), value) == c->second.end()) {
      throw LoadError{line, who + ": «passes» debe dar uno de los valores de «choices» de la clave «" + key + "»",
                      who_en + ": \"passes\" must give one of the \"choices\" of key \"" + key + "\""};
    }
  }
  r.formats = text_map(n, "formats");
  for (const auto& [key, format] : r.formats) {
    if (!has_key(key)) throw LoadError{line, who + ": «formats» nombra la clave «" + key + "», que no está en keys", who_en + ": \"formats\" names key \"" + key + "\", which is not in keys"};
    if (std::find(std::begin(kKeyFormats), std::end(kKeyFormats), format) == std::end(kKeyFormats)) {
      throw LoadError{line, who + ": formato desconocido «" + format + "» (se admite: time, date, sha256, text, steps)",
                      who_en + ": unknown format \"" + format + "\" (known: time, date, sha256, text, steps)"};
    }
  }
  r.is = str(n, "is", false);
  if (r.is.empty()) return;
  if (std::find(std::begin(kRecordMeanings), std::end(kRecordMeanings), r.is) == std::end(kRecordMeanings)) {
    throw LoadError{line, who + ": significado desconocido «is: " + r.is + "» (ver docs/procedure.md)",
                    who_en + ": unknown meaning \"is: " + r.is + "\" (see docs/procedure.md)"};
  }
  if (const RecordTypeDef* other = p.record_meaning(r.is)) {
    throw LoadError{line, "dos tipos de registro son «is: " + r.is + "»: «" + other->code + "» y «" + r.code + "»",
                    "two record types are \"is: " + r.is + "\": \"" + other->code + "\" and \"" + r.code + "\""};
  }
  if (r.is == "window" && (r.keys.size() < 2 || r.format_of(r.keys[0]) != "time" || r.format_of(r.keys[1]) != "time")) {
    throw LoadError{line, who + ": una ventana («is: window») empieza con dos claves de formato time (inicio y fin)",
                    who_en + ": a window (\"is: window\") starts with two keys of format time (start and end)"};
  }
  if ((r.is == "vote" || r.is == "verification" || r.is == "consultation") && r.passes.empty()) {
    throw LoadError{line, who + ": «is: " + r.is + "» necesita «passes» (la clave y el valor que aprueba)",
                    who_en + ": \"is: " + r.is + "\" needs \"passes\" (the key and the value that approves)"};
  }
  if (r.is == "cosign") {
    for (const auto& b : r.by) {
      if (!p.role(b)) throw LoadError{line, who + ": una co-firma la dan roles, no «" + b + "»", who_en + ": a co-signature is given by roles, not \"" + b + "\""};
    }
  }
}

// `adherence:` fact → the actions, record types or slot that mark it.
void parse_adherence(const YAML::Node& n, Procedure& p) {
  if (!n.IsMap()) fail(n, "«adherence» debe ser un mapa", "\"adherence\" must be a map");
  const Checker check(p);
  for (const auto& kv : n) {
    const std::string fact = kv.first.as<std::string>();
    const int line = line_of(kv.second);
    const AdherenceFactDef* def = nullptr;
    for (const auto& f : kAdherenceFacts) {
      if (f.name == fact) def = &f;
    }
    if (!def) throw LoadError{line, "hecho de adherencia desconocido «" + fact + "» (ver docs/procedure.md)", "unknown adherence fact \"" + fact + "\" (see docs/procedure.md)"};
    std::vector<std::string> codes = texts(kv.second, fact);
    for (const auto& c : codes) {
      if (def->of == 'a') check.action(c, line);
      if (def->of == 'r') check.record(c, line);
      if (def->of == 's') check.slot(c, line);
    }
    p.adherence[fact] = std::move(codes);
  }
}

// Exactly one role `administers`: none leaves users and settings unmanaged, several make it
// ambiguous whom a refusal asks for.
void check_administering_role(const std::vector<RoleDef>& roles, const std::vector<int>& lines, int list_line) {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i].administers) found.push_back(i);
  }
  if (found.empty()) {
    throw LoadError{list_line, "ningún rol lleva «administers: true»: marque el rol que administra usuarios, sistemas y ajustes",
                    "no role carries \"administers: true\": mark the role that manages users, systems and settings"};
  }
  if (found.size() > 1) {
    throw LoadError{lines[found[1]],
                    "«" + roles[found[0]].code + "» y «" + roles[found[1]].code +
                        "» llevan «administers: true»: solo un rol puede administrar",
                    "\"" + roles[found[0]].code + "\" and \"" + roles[found[1]].code +
                        "\" both carry \"administers: true\": only one role may administer"};
  }
}

Procedure parse(const YAML::Node& root) {
  Procedure p;
  p.edition = str(root, "edition");
  p.title = label(root["title"] ? root["title"] : root);
  p.approved_on = str(root, "approved_on", false);

  std::vector<int> lines;
  for (const auto& n : seq(root, "roles")) {
    p.roles.push_back({str(n, "code"), label(n), flag(n, "per_system"), flag(n, "administers"), flag(n, "edits_systems"),
                       flag(n, "sets_freezes"), flag(n, "edits_settings"), flag(n, "reads_reports")});
    lines.push_back(line_of(n));
  }
  check_unique(p.roles, lines, "roles");
  check_administering_role(p.roles, lines, line_of(root["roles"]));
  lines.clear();
  for (const auto& n : seq(root, "states")) {
    p.states.push_back({str(n, "code"), label(n), flag(n, "final"), flag(n, "frees_version")});
    lines.push_back(line_of(n));
  }
  check_unique(p.states, lines, "states");
  lines.clear();
  for (const auto& n : seq(root, "slots")) {
    p.slots.push_back({str(n, "code"), label(n), flag(n, "generated"), str(n, "document", false)});
    lines.push_back(line_of(n));
  }
  check_unique(p.slots, lines, "slots");

  Checker check(p);
  p.initial_state = str(root, "initial_state");
  check.state(p.initial_state, line_of(root["initial_state"]));
  p.production_states = list(root, "production_states");
  check.states(p.production_states, line_of(root["production_states"]));

  lines.clear();
  for (const auto& n : seq(root, "kinds")) {
    KindDef k{str(n, "code"), label(n), str(n, "version_rule"), list(n, "opened_by"), list(n, "uploaders"),
              {}, {}, {}, list(n, "path"), {}, {}};
    const int line = line_of(n);
    // Deployment steps: a code, or {code, es, en} for one with its label.
    const YAML::Node steps = n["deployment_steps"];
    if (steps && !steps.IsNull() && !steps.IsSequence()) {
      fail(steps, "«deployment_steps» debe ser una lista", "\"deployment_steps\" must be a list");
    }
    for (const auto& item : steps ? steps : YAML::Node(YAML::NodeType::Sequence)) {
      if (item.IsScalar()) {
        k.deployment_steps.push_back(item.as<std::string>());
      } else if (item.IsMap()) {
        k.deployment_steps.push_back(str(item, "code"));
        k.step_labels[k.deployment_steps.back()] = label(item);
      } else {
        fail(item, "paso de despliegue mal formado: un código o {code, es, en}", "malformed deployment step: a code or {code, es, en}");
      }
      const std::string& code = k.deployment_steps.back();
      if (code.empty() || code.find(',') != std::string::npos) {
        fail(item, "paso de despliegue «" + code + "»: el código no puede ser vacío ni llevar comas (se listan separados por comas)",
             "deployment step \"" + code + "\": the code cannot be empty nor hold a comma (steps are listed comma-separated)");
      }
      if (std::count(k.deployment_steps.begin(), k.deployment_steps.end(), code) > 1) {
        fail(item, "paso de despliegue repetido «" + code + "»", "repeated deployment step \"" + code + "\"");
      }
    }
    // Slots: a code, or {slot: code, when: condition} for one required only under a condition.
    const YAML::Node slots = n["slots"];
    if (slots && !slots.IsNull() && !slots.IsSequence()) fail(slots, "«slots» debe ser una lista", "\"slots\" must be a list");
    for (const auto& item : slots ? slots : YAML::Node(YAML::NodeType::Sequence)) {
      if (item.IsScalar()) {
        k.slots.push_back(item.as<std::string>());
      } else if (item.IsMap()) {
        k.slots.push_back(str(item, "slot"));
        k.slot_when[k.slots.back()] = str(item, "when");
        check.condition(k.slot_when[k.slots.back()], line_of(item));
      } else {
        fail(item, "entregable mal formado", "malformed slot");
      }
    }
    if (const YAML::Node ct = n["checklist_title"]) k.checklist_title = label(ct);
    if (k.version_rule != "major" && k.version_rule != "minor" && k.version_rule != "patch") {
      throw LoadError{line, "version_rule debe ser major, minor o patch", "version_rule must be major, minor or patch"};
    }
    check.roles(k.opened_by, line);
    check.roles(k.uploaders, line);
    for (const auto& s : k.slots) check.slot(s, line);
    check.states(k.path, line);
    p.kinds.push_back(std::move(k));
    lines.push_back(line);
  }
  check_unique(p.kinds, lines, "kinds");

  p.editable_in = list(root, "deliverables_editable_in");
  check.states(p.editable_in, line_of(root["deliverables_editable_in"]));
  if (const YAML::Node r = root["reviews"]) {
    p.review_states = list(r, "states");
    p.review_by = list(r, "by");
    check.states(p.review_states, line_of(r));
    check.roles(p.review_by, line_of(r));
  }
  if (const YAML::Node c = root["committee"]) {
    p.committee_role = str(c, "role");
    p.committee_quorum = str(c, "quorum");
    p.committee_slots = list(c, "acta_slots");
    check.role(p.committee_role, line_of(c));
    for (const auto& slot : p.committee_slots) check.slot(slot, line_of(c));
    const bool numeric = !p.committee_quorum.empty() &&
                         std::all_of(p.committee_quorum.begin(), p.committee_quorum.end(), ::isdigit) &&
                         p.committee_quorum != "0";
    if (p.committee_quorum != "majority" && !numeric) {
      fail(c, "quorum debe ser «majority» o un número positivo", "quorum must be \"majority\" or a positive number");
    }
  }

  lines.clear();
  for (const auto& n : seq(root, "record_types")) {
    RecordTypeDef r{str(n, "code"), label(n), list(n, "by"), list(n, "keys"), list(n, "states"),
                    list(n, "kinds"), list(n, "consult"), list(n, "inform"), flag(n, "signoff"), str(n, "when", false), {}, {}, {}, {}, {}};
    const int line = line_of(n);
    if (r.by.empty()) throw LoadError{line, "el registro «" + r.code + "» no indica quién lo registra (by)", "record \"" + r.code + "\" has no \"by\" role"};
    for (const auto& b : r.by) {
      if (b != "consulted") check.role(b, line);
    }
    check.condition(r.when, line);
    if (const YAML::Node sf = n["system_fields"]) {
      if (!sf.IsMap()) fail(sf, "«system_fields» debe ser un mapa", "\"system_fields\" must be a map");
      for (const auto& kv : sf) {
        const std::string field = kv.first.as<std::string>(), value = kv.second.as<std::string>();
        bool known = false;
        for (auto f : kSystemFields) known = known || field == f;
        if (!known) {
          throw LoadError{line, "campo de sistema desconocido «" + field + "»", "unknown system field \"" + field + "\""};
        }
        if (value.empty() || (value[0] != '=' && std::find(r.keys.begin(), r.keys.end(), value) == r.keys.end())) {
          throw LoadError{line, "«" + field + "» debe tomar una clave del registro o «=texto»",
                          "\"" + field + "\" must take one of the record's keys or \"=text\""};
        }
        r.system_fields[field] = value;
      }
    }
    check.roles(r.consult, line);
    check.roles(r.inform, line, true);
    check.states(r.states, line);
    check.kinds(r.kinds, line);
    parse_meaning(n, r, p);
    p.record_types.push_back(std::move(r));
    lines.push_back(line);
  }
  check_unique(p.record_types, lines, "record_types");

  if (const YAML::Node cl = root["checklist"]) {
    for (const auto& n : cl) {
      ChecklistItem item{str(n, "record"), str(n, "when", false)};
      check.record(item.record, line_of(n));
      check.condition(item.when, line_of(n));
      p.checklist.push_back(item);
    }
  }

  for (const auto& n : seq(root, "actions")) {
    ActionDef a;
    a.line = line_of(n);
    a.code = str(n, "code");
    a.label = label(n);
    a.kinds = list(n, "kinds");
    a.from = list(n, "from");
    a.to = str(n, "to");
    a.R = list(n, "R");
    a.A = list(n, "A");
    a.C = list(n, "C");
    a.I = list(n, "I");
    a.signoff = flag(n, "signoff");
    a.irreversible = flag(n, "irreversible");
    a.document = str(n, "document", false);
    a.authorizes = flag(n, "authorizes");
    if (const YAML::Node g = n["guards"]) {
      if (!g.IsSequence()) fail(g, "«guards» debe ser una lista", "\"guards\" must be a list");
      for (const auto& gn : g) a.guards.push_back(parse_guard(gn));
    }
    if (a.R.empty()) {
      throw LoadError{a.line, "la acción «" + a.code + "» no tiene rol responsable (R)", "action \"" + a.code + "\" has no R role"};
    }
    if (a.kinds.empty()) throw LoadError{a.line, "la acción «" + a.code + "» no indica tipos (kinds)", "action \"" + a.code + "\" lists no kinds"};
    if (a.from.empty()) throw LoadError{a.line, "la acción «" + a.code + "» no indica estados de origen (from)", "action \"" + a.code + "\" lists no from states"};
    check.roles(a.R, a.line, true);
    check.roles(a.A, a.line, true);
    check.roles(a.C, a.line, true);
    check.roles(a.I, a.line, true);
    check.kinds(a.kinds, a.line);
    check.states(a.from, a.line);
    check.state(a.to, a.line);
    for (const auto& f : a.from) {
      if (p.is_final(f)) throw LoadError{a.line, "la acción «" + a.code + "» sale del estado final «" + f + "»", "action \"" + a.code + "\" leaves final state \"" + f + "\""};
    }
    // No two rows of one code may apply to the same kind and state.
    for (const auto& other : p.actions) {
      if (other.code != a.code) continue;
      for (const auto& k : a.kinds) {
        for (const auto& f : a.from) {
          if (std::count(other.kinds.begin(), other.kinds.end(), k) && std::count(other.from.begin(), other.from.end(), f)) {
            throw LoadError{a.line, "acción duplicada «" + a.code + "» para " + k + " desde " + f + " (ver línea " + std::to_string(other.line) + ")",
                            "duplicate action \"" + a.code + "\" for " + k + " from " + f + " (see line " + std::to_string(other.line) + ")"};
          }
        }
      }
    }
    p.actions.push_back(std::move(a));
  }
  for (const auto& a : p.actions) {
    for (const auto& g : a.guards) check_guard(g, check);
  }
  if (const YAML::Node sod = root["segregation"]) {
    for (const auto& n : sod) {
      SegregationRule r{str(n, "first"), str(n, "then")};
      check.step(r.first, line_of(n));
      check.step(r.then, line_of(n));
      p.segregation.push_back(r);
    }
  }

  if (const YAML::Node ad = root["adherence"]) parse_adherence(ad, p);

  // Every state must be reachable from the initial state.
  std::set<std::string> reached{p.initial_state};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& a : p.actions) {
      if (reached.count(a.to)) continue;
      for (const auto& f : a.from) {
        if (reached.count(f)) {
          reached.insert(a.to);
          grew = true;
          break;
        }
      }
    }
  }
  const YAML::Node states_node = seq(root, "states");
  for (std::size_t i = 0; i < p.states.size(); ++i) {
    if (!reached.count(p.states[i].code)) {
      throw LoadError{line_of(states_node[i]), "el estado «" + p.states[i].code + "» es inalcanzable",
                      "state \"" + p.states[i].code + "\" is unreachable"};
    }
  }
  return p;
}

}  // namespace

Result<Procedure> load_procedure(std::string_view yaml_text, std::string_view file_name) {
  const std::string file(file_name);
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) {
      return make_error(Code::invalid_argument, "procedure.invalid",
                        file + ": la definición del procedimiento debe ser un mapa YAML",
                        file + ": the procedure definition must be a YAML map");
    }
    return parse(root);
  } catch (const LoadError& e) {
    const std::string where = file + ":" + std::to_string(e.line) + ": ";
    return make_error(Code::invalid_argument, "procedure.invalid", where + e.es, where + e.en)
        .with("file", file)
        .with("line", std::to_string(e.line));
  } catch (const YAML::Exception& e) {
    const std::string where = file + ":" + std::to_string(e.mark.line + 1) + ": ";
    return make_error(Code::invalid_argument, "procedure.invalid", where + "YAML mal formado: " + e.msg,
                      where + "malformed YAML: " + e.msg)
        .with("file", file)
        .with("line", std::to_string(e.mark.line + 1));
  }
}

}  // namespace pasaprod
