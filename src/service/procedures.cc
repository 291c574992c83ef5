#include "service/procedures.h"

#include <stdexcept>

namespace pasaprod {

ProcedureSet ProcedureSet::builtin() {
  auto p = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
  if (!p) throw std::runtime_error(p.error().en);
  ProcedureSet set;
  (void)set.add(std::move(*p), true);
  return set;
}

Status ProcedureSet::add(Procedure procedure, bool make_current) {
  const std::string code = procedure.edition;
  if (editions_.count(code)) {
    return make_error(Code::already_exists, "procedure.duplicate_edition", "La edición " + code + " ya está cargada.",
                      "Edition " + code + " is already loaded.");
  }
  editions_[code] = std::make_shared<const Procedure>(std::move(procedure));
  if (make_current || current_.empty()) current_ = code;
  return ok_status();
}

const Procedure* ProcedureSet::edition(const std::string& code) const {
  auto it = editions_.find(code);
  return it == editions_.end() ? nullptr : it->second.get();
}

bool ProcedureSet::production_somewhere(const std::string& state) const {
  for (const auto& [code, p] : editions_) {
    if (p->is_production(state)) return true;
  }
  return false;
}

}  // namespace pasaprod
