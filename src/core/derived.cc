#include "core/derived.h"

#include <algorithm>

namespace pasaprod {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string window_key(const Procedure& proc, std::size_t nth) {
  const RecordTypeDef* t = proc.record_meaning("window");
  return t && t->keys.size() > nth ? t->keys[nth] : std::string();
}

}  // namespace

bool kind_takes(const Procedure& proc, std::string_view kind, std::string_view fact) {
  return std::any_of(proc.actions.begin(), proc.actions.end(),
                     [&](const ActionDef& a) { return contains(a.kinds, kind) && proc.marks(fact, a.code); });
}

bool kind_guarded(const Procedure& proc, std::string_view kind, std::string_view fact, std::string_view guard) {
  for (const ActionDef& a : proc.actions) {
    if (!contains(a.kinds, kind) || !proc.marks(fact, a.code)) continue;
    for (const GuardRef& g : a.guards) {
      if (g.name == guard && (g.kinds.empty() || contains(g.kinds, kind))) return true;
    }
  }
  return false;
}

bool kind_has_slot(const Procedure& proc, std::string_view kind, std::string_view fact) {
  const KindDef* k = proc.kind(kind);
  return k && std::any_of(k->slots.begin(), k->slots.end(), [&](const std::string& s) { return proc.marks(fact, s); });
}

bool kind_records(const Procedure& proc, std::string_view kind, std::string_view fact) {
  return std::any_of(proc.record_types.begin(), proc.record_types.end(), [&](const RecordTypeDef& t) {
    return proc.marks(fact, t.code) && (t.kinds.empty() || contains(t.kinds, kind));
  });
}

bool is_emergency(const Procedure& proc, std::string_view kind) {
  if (proc.committee_role.empty()) return false;
  return std::any_of(proc.actions.begin(), proc.actions.end(), [&](const ActionDef& a) {
    return contains(a.kinds, kind) && proc.marks("approval", a.code) && contains(a.R, proc.committee_role);
  });
}

bool reached_by(const Procedure& proc, std::string_view fact, std::string_view state) {
  return std::any_of(proc.actions.begin(), proc.actions.end(),
                     [&](const ActionDef& a) { return a.to == state && proc.marks(fact, a.code); });
}

std::string window_from_key(const Procedure& proc) { return window_key(proc, 0); }
std::string window_to_key(const Procedure& proc) { return window_key(proc, 1); }

std::string kind_codes(const Procedure& proc, std::string_view sep) {
  std::string out;
  for (const KindDef& k : proc.kinds) {
    if (!out.empty()) out += sep;
    out += k.code;
  }
  return out;
}

Error unknown_kind(const Procedure& proc, std::string_view kind) {
  const std::string k(kind), codes = kind_codes(proc);
  return make_error(Code::invalid_argument, "kind.unknown",
                    "Tipo de pase desconocido «" + k + "»: use uno de la edición " + proc.edition + ": " + codes + ".",
                    "Unknown release kind \"" + k + "\": use one of edition " + proc.edition + ": " + codes + ".")
      .with("field", "kind");
}

ConsultationForm consultation_form(const Procedure& proc) {
  ConsultationForm f;
  if (const RecordTypeDef* t = proc.record_meaning("consultation")) f = {t->code, t->keys, t->choices, t->passes, t->formats};
  return f;
}

Result<std::map<std::string, std::string>> consultation_fields(const ConsultationForm& form, const std::string& opinion,
                                                                const std::string& note, const std::string& on) {
  if (form.type.empty() || form.passes.empty()) {
    return make_error(Code::invalid_argument, "consult.none",
                      "La edición en vigor no tiene un registro de opinión consultada («is: consultation» con «passes»).",
                      "The edition in force has no consulted-opinion record (\"is: consultation\" with \"passes\").");
  }
  const auto& [key, agree] = *form.passes.begin();
  const auto choices = form.choices.find(key);
  const std::vector<std::string> values = choices == form.choices.end() ? std::vector<std::string>{agree} : choices->second;
  std::string value;
  if (std::find(values.begin(), values.end(), opinion) != values.end()) {
    value = opinion;
  } else if (opinion == "agree") {
    value = agree;
  } else if (opinion == "concerns") {
    for (const auto& v : values) {
      if (v != agree) {
        value = v;
        break;
      }
    }
  }
  if (value.empty()) {
    std::string admitted = "agree, concerns";
    for (const auto& v : values) {
      if (v != "agree" && v != "concerns") admitted += ", " + v;
    }
    return make_error(Code::invalid_argument, "consult.bad_opinion",
                      "Opinión desconocida «" + opinion + "»: use " + admitted + ".",
                      "Unknown opinion \"" + opinion + "\": use " + admitted + ".")
        .with("field", "opinion");
  }
  std::string note_key = "note";
  for (const auto& k : form.keys) {
    auto f = form.formats.find(k);
    if (f != form.formats.end() && f->second == "text") {
      note_key = k;
      break;
    }
  }
  std::map<std::string, std::string> fields = {{key, value}, {note_key, note}};
  if (!on.empty()) fields["on"] = on;
  return fields;
}

}  // namespace pasaprod
