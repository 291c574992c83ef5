#include "core/procedure_diff.h"

#include <map>

namespace pasaprod {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

std::string guards_text(const std::vector<GuardRef>& gs) {
  std::vector<std::string> v;
  for (const auto& g : gs) {
    std::string t = g.name + (g.arg.empty() ? "" : ":" + g.arg);
    if (!g.kinds.empty()) t += " (" + joined(g.kinds) + ")";
    if (!g.when.empty()) t += " when " + g.when;
    v.push_back(t);
  }
  return joined(v);
}

// Field-by-field differences of two rows: "R [a] → [a, b]; guards … → …".
struct Fields {
  std::vector<std::pair<std::string, std::string>> items;
  void add(const std::string& name, const std::string& value) { items.emplace_back(name, value); }
};

std::string changed_fields(const Fields& a, const Fields& b) {
  std::string out;
  for (std::size_t i = 0; i < a.items.size() && i < b.items.size(); ++i) {
    if (a.items[i].second == b.items[i].second) continue;
    out += (out.empty() ? "" : "; ") + a.items[i].first + " " + a.items[i].second + " → " + b.items[i].second;
  }
  return out;
}

Fields action_fields(const ActionDef& a) {
  Fields f;
  f.add("to", a.to);
  f.add("R", joined(a.R));
  f.add("A", joined(a.A));
  f.add("C", joined(a.C));
  f.add("I", joined(a.I));
  f.add("guards", guards_text(a.guards));
  f.add("document", a.document.empty() ? "-" : a.document);
  f.add("signoff", a.signoff ? "yes" : "no");
  f.add("authorizes", a.authorizes ? "yes" : "no");
  return f;
}

Fields record_fields(const RecordTypeDef& r) {
  Fields f;
  f.add("by", joined(r.by));
  f.add("keys", joined(r.keys));
  f.add("states", joined(r.states));
  f.add("kinds", joined(r.kinds));
  f.add("consult", joined(r.consult));
  f.add("inform", joined(r.inform));
  f.add("when", r.when.empty() ? "-" : r.when);
  f.add("is", r.is.empty() ? "-" : r.is);
  std::string choices, passes, formats;
  for (const auto& [k, v] : r.choices) choices += (choices.empty() ? "" : " ") + k + "=" + joined(v);
  for (const auto& [k, v] : r.passes) passes += (passes.empty() ? "" : " ") + k + "=" + v;
  for (const auto& [k, v] : r.formats) formats += (formats.empty() ? "" : " ") + k + "=" + v;
  f.add("choices", choices.empty() ? "-" : choices);
  f.add("passes", passes.empty() ? "-" : passes);
  f.add("formats", formats.empty() ? "-" : formats);
  return f;
}

Fields kind_fields(const KindDef& k) {
  Fields f;
  f.add("slots", joined(k.slots));
  f.add("opened_by", joined(k.opened_by));
  f.add("uploaders", joined(k.uploaders));
  f.add("version_rule", k.version_rule);
  f.add("path", joined(k.path));
  std::string steps;
  for (const auto& code : k.deployment_steps) {
    if (!steps.empty()) steps += ", ";
    steps += code;
    if (auto it = k.step_labels.find(code); it != k.step_labels.end()) steps += " (" + it->second.es + " / " + it->second.en + ")";
  }
  f.add("deployment_steps", steps.empty() ? "-" : steps);
  return f;
}

template <class T, class F>
void compare(std::vector<ProcedureChange>& out, const std::string& what, const std::vector<T>& a, const std::vector<T>& b,
             F fields) {
  std::map<std::string, const T*> in_b;
  for (const auto& x : b) in_b[x.code] = &x;
  std::map<std::string, const T*> in_a;
  for (const auto& x : a) in_a[x.code] = &x;
  for (const auto& x : a) {
    auto it = in_b.find(x.code);
    if (it == in_b.end()) {
      out.push_back({what, x.code, '-', "", ""});
    } else if (auto d = changed_fields(fields(x), fields(*it->second)); !d.empty()) {
      out.push_back({what, x.code, '~', d, d});
    }
  }
  for (const auto& x : b) {
    if (!in_a.count(x.code)) out.push_back({what, x.code, '+', "", ""});
  }
}

}  // namespace

std::string ProcedureChange::text(Lang lang) const {
  std::string out = std::string(1, sign) + " " + what + " " + code;
  const std::string& d = lang == Lang::en ? detail_en : detail_es;
  return d.empty() ? out : out + ": " + d;
}

std::vector<ProcedureChange> procedure_diff(const Procedure& from, const Procedure& to) {
  std::vector<ProcedureChange> out;
  compare(out, "role", from.roles, to.roles, [](const RoleDef& r) {
    Fields f;
    f.add("per_system", r.per_system ? "yes" : "no");
    f.add("administers", r.administers ? "yes" : "no");
    f.add("edits_systems", r.edits_systems ? "yes" : "no");
    f.add("sets_freezes", r.sets_freezes ? "yes" : "no");
    f.add("edits_settings", r.edits_settings ? "yes" : "no");
    f.add("reads_reports", r.reads_reports ? "yes" : "no");
    return f;
  });
  compare(out, "state", from.states, to.states, [](const StateDef& s) {
    Fields f;
    f.add("final", s.final ? "yes" : "no");
    f.add("frees_version", s.frees_version ? "yes" : "no");
    return f;
  });
  compare(out, "slot", from.slots, to.slots, [](const SlotDef& s) {
    Fields f;
    f.add("generated", s.generated ? "yes" : "no");
    return f;
  });
  compare(out, "kind", from.kinds, to.kinds, kind_fields);
  compare(out, "record", from.record_types, to.record_types, record_fields);
  // Actions: one row per (code, kind, from-state).
  struct Row {
    std::string code;
    const ActionDef* def;
  };
  auto rows = [](const Procedure& p) {
    std::vector<Row> out;
    for (const auto& a : p.actions) {
      for (const auto& k : a.kinds) {
        for (const auto& f : a.from) out.push_back({a.code + " " + k + " " + f, &a});
      }
    }
    return out;
  };
  compare(out, "action", rows(from), rows(to), [](const Row& r) { return action_fields(*r.def); });
  auto pairs = [](const Procedure& p) {
    std::vector<Row> out;
    for (const auto& s : p.segregation) out.push_back({s.first + " → " + s.then, nullptr});
    return out;
  };
  compare(out, "segregation", pairs(from), pairs(to), [](const Row&) { return Fields{}; });
  auto checklist = [](const Procedure& p) {
    std::vector<Row> out;
    for (const auto& c : p.checklist) out.push_back({c.record + (c.when.empty() ? "" : " when " + c.when), nullptr});
    return out;
  };
  compare(out, "checklist", checklist(from), checklist(to), [](const Row&) { return Fields{}; });
  auto facts = [](const Procedure& p) {
    std::vector<Row> out;
    for (const auto& [fact, codes] : p.adherence) out.push_back({fact + " = " + joined(codes), nullptr});
    return out;
  };
  compare(out, "adherence", facts(from), facts(to), [](const Row&) { return Fields{}; });
  return out;
}

}  // namespace pasaprod
