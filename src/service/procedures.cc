#include "service/procedures.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace pasaprod {

ProcedureSet::ProcedureSet(ProcedureSet&& other) noexcept {
  std::unique_lock lock(other.mu_);
  editions_ = std::move(other.editions_);
  schedule_ = std::move(other.schedule_);
}

ProcedureSet& ProcedureSet::operator=(ProcedureSet&& other) noexcept {
  if (this != &other) {
    std::scoped_lock lock(mu_, other.mu_);
    editions_ = std::move(other.editions_);
    schedule_ = std::move(other.schedule_);
  }
  return *this;
}

ProcedureSet ProcedureSet::builtin() {
  auto p = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
  if (!p) throw std::runtime_error(p.error().en);
  ProcedureSet set;
  (void)set.add(std::move(*p), 0, true);
  return set;
}

Status ProcedureSet::add(Procedure procedure, Timestamp effective_from, bool builtin) {
  const std::string code = procedure.edition;
  std::unique_lock lock(mu_);
  if (editions_.count(code)) {
    return make_error(Code::already_exists, "procedure.duplicate_edition", "La edición " + code + " ya está cargada.",
                      "Edition " + code + " is already loaded.");
  }
  for (const auto& e : schedule_) {
    if (e.effective_from == effective_from) {
      return make_error(Code::already_exists, "procedure.same_instant",
                        "La edición " + e.code + " ya entra en vigencia en ese momento.",
                        "Edition " + e.code + " already comes into force at that moment.");
    }
  }
  editions_[code] = std::make_shared<const Procedure>(std::move(procedure));
  auto at = std::upper_bound(schedule_.begin(), schedule_.end(), effective_from,
                             [](Timestamp t, const Entry& e) { return t < e.effective_from; });
  schedule_.insert(at, Entry{code, effective_from, builtin});
  return ok_status();
}

bool ProcedureSet::knows(const std::string& code) const {
  std::shared_lock lock(mu_);
  return editions_.count(code) > 0;
}

const Procedure& ProcedureSet::in_force(Timestamp at) const {
  std::shared_lock lock(mu_);
  if (schedule_.empty()) throw std::logic_error("ProcedureSet: no edition");
  const Entry* chosen = &schedule_.front();
  for (const auto& e : schedule_) {
    if (e.effective_from <= at) chosen = &e;
  }
  return *editions_.at(chosen->code);
}

const Procedure* ProcedureSet::edition(const std::string& code) const {
  std::shared_lock lock(mu_);
  auto it = editions_.find(code);
  return it == editions_.end() ? nullptr : it->second.get();
}

std::vector<ProcedureSet::Entry> ProcedureSet::schedule() const {
  std::shared_lock lock(mu_);
  return schedule_;
}

bool ProcedureSet::production_somewhere(const std::string& state) const {
  std::shared_lock lock(mu_);
  for (const auto& [code, p] : editions_) {
    if (p->is_production(state)) return true;
  }
  return false;
}

}  // namespace pasaprod
