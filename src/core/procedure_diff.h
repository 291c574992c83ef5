// What changes from one procedure edition to another, for `pasaprod procedure check`.
//
//   for (const auto& line : procedure_diff(in_force, candidate)) print(line.text(Lang::es));
#pragma once

#include <string>
#include <vector>

#include "core/procedure.h"

namespace pasaprod {

struct ProcedureChange {
  std::string what;  // "role" | "state" | "slot" | "kind" | "record" | "action" | "segregation" | "checklist"
  std::string code;  // the code (an action: "code kind from-state")
  char sign = '~';   // '+' added, '-' removed, '~' changed
  std::string detail_es;
  std::string detail_en;
  std::string text(Lang lang) const;  // "+ record consultation", "~ action validate project submitted: R …"
};

// Every difference, grouped by section in definition order: added, removed or changed codes, and
// for actions and records the R/A/C/I, guards, target state and document that changed.
std::vector<ProcedureChange> procedure_diff(const Procedure& from, const Procedure& to);

}  // namespace pasaprod
