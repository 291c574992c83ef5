#include "core/procedure.h"

#include <algorithm>

namespace pasaprod {
namespace {

template <class T>
const T* find_code(const std::vector<T>& items, std::string_view code) {
  for (const auto& item : items) {
    if (item.code == code) return &item;
  }
  return nullptr;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

template <class T>
std::string name_of(const T* item, std::string_view code, Lang lang) {
  return item ? item->label.get(lang) : std::string(code);
}

}  // namespace

const RoleDef* Procedure::role(std::string_view code) const { return find_code(roles, code); }
const std::string& Procedure::administering_role() const {
  static const std::string none;
  for (const auto& r : roles) {
    if (r.administers) return r.code;
  }
  return none;
}

std::vector<std::string> Procedure::roles_allowed(bool RoleDef::* flag) const {
  std::vector<std::string> out;
  if (!administering_role().empty()) out.push_back(administering_role());
  for (const auto& r : roles) {
    if (r.*flag && !r.administers) out.push_back(r.code);
  }
  return out;
}

const StateDef* Procedure::state(std::string_view code) const { return find_code(states, code); }
const SlotDef* Procedure::slot(std::string_view code) const { return find_code(slots, code); }
const KindDef* Procedure::kind(std::string_view code) const { return find_code(kinds, code); }
const RecordTypeDef* Procedure::record_type(std::string_view code) const { return find_code(record_types, code); }

const ActionDef* Procedure::action(std::string_view code, std::string_view kind, std::string_view state) const {
  for (const auto& a : actions) {
    if (a.code == code && contains(a.kinds, kind) && contains(a.from, state)) return &a;
  }
  return nullptr;
}

const ActionDef* Procedure::any_action(std::string_view code, std::string_view kind) const {
  for (const auto& a : actions) {
    if (a.code == code && (kind.empty() || contains(a.kinds, kind))) return &a;
  }
  return nullptr;
}

std::vector<std::string> Procedure::action_codes(std::string_view kind) const {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (contains(a.kinds, kind) && !contains(out, a.code)) out.push_back(a.code);
  }
  return out;
}

bool Procedure::is_final(std::string_view code) const {
  const StateDef* s = state(code);
  return s && s->final;
}

bool Procedure::is_production(std::string_view code) const { return contains(production_states, code); }

bool Procedure::frees_version(std::string_view code) const {
  const StateDef* s = state(code);
  return s && s->frees_version;
}

const RecordTypeDef* Procedure::record_meaning(std::string_view is) const {
  for (const auto& t : record_types) {
    if (t.is == is) return &t;
  }
  return nullptr;
}

std::string Procedure::meaning_code(std::string_view is) const {
  const RecordTypeDef* t = record_meaning(is);
  return t ? t->code : std::string();
}

bool Procedure::marks(std::string_view fact, std::string_view code) const {
  auto it = adherence.find(std::string(fact));
  return it != adherence.end() && contains(it->second, code);
}

bool Procedure::guarded_by(const ActionDef& action, std::string_view guard) const {
  return std::any_of(action.guards.begin(), action.guards.end(), [&](const GuardRef& g) { return g.name == guard; });
}

std::string KindDef::step_name(const std::string& code, Lang lang) const {
  auto it = step_labels.find(code);
  return it == step_labels.end() ? code : it->second.get(lang);
}

std::string RecordTypeDef::format_of(std::string_view key) const {
  if (auto it = formats.find(std::string(key)); it != formats.end()) return it->second;
  if ((is == "deployment" || is == "database_deployment") && (key == "started" || key == "ended")) return "time";
  return {};
}

std::string RecordTypeDef::pass_key() const { return passes.empty() ? std::string() : passes.begin()->first; }

bool RecordTypeDef::passed(const std::map<std::string, std::string>& fields) const {
  if (passes.empty()) return false;
  auto it = fields.find(passes.begin()->first);
  return it != fields.end() && it->second == passes.begin()->second;
}

std::string Procedure::role_name(std::string_view code, Lang lang) const {
  if (code == "requester") return lang == Lang::en ? "requester" : "solicitante";
  return name_of(role(code), code, lang);
}
std::string Procedure::state_name(std::string_view code, Lang lang) const { return name_of(state(code), code, lang); }
std::string Procedure::slot_name(std::string_view code, Lang lang) const { return name_of(slot(code), code, lang); }
std::string Procedure::kind_name(std::string_view code, Lang lang) const { return name_of(kind(code), code, lang); }
std::string Procedure::action_name(std::string_view code, Lang lang) const {
  return name_of(any_action(code, ""), code, lang);
}
std::string Procedure::record_name(std::string_view code, Lang lang) const {
  return name_of(record_type(code), code, lang);
}

}  // namespace pasaprod
