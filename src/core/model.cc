#include "core/model.h"

namespace pasaprod {

bool User::holds(const std::string& role, const std::string& system) const {
  for (const auto* list : {&grants, &directory_grants}) {
    for (const auto& g : *list) {
      if (g.role == role && (g.system.empty() || (!system.empty() && g.system == system))) return true;
    }
  }
  return false;
}

std::vector<const DeliverableFile*> Release::files_in(const std::string& slot) const {
  std::vector<const DeliverableFile*> out;
  for (const auto& f : files) {
    if (f.slot == slot) out.push_back(&f);
  }
  return out;
}

const Record* Release::latest_record(const std::string& type) const {
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->type == type) return &*it;
  }
  return nullptr;
}

const Transition* Release::latest_transition(const std::string& action) const {
  for (auto it = transitions.rbegin(); it != transitions.rend(); ++it) {
    if (it->action == action) return &*it;
  }
  return nullptr;
}

}  // namespace pasaprod
