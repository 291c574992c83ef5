// The procedure editions this office knows, by edition code, and when each is in force. The
// built-in edition (02) is in force from the beginning; an edition loaded at run time
// (Office::load_edition) is in force from its instant until a later one's. A request is always
// judged by the edition it was opened under. Thread-safe: editions are only ever added, so a
// reference to one stays valid as long as the set.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/procedure.h"
#include "core/time.h"

namespace pasaprod {

class ProcedureSet {
 public:
  // One edition of the schedule: in force from `effective_from` (the built-in one: from 0).
  struct Entry {
    std::string code;
    Timestamp effective_from = 0;
    bool builtin = false;
  };

  ProcedureSet() = default;
  ProcedureSet(ProcedureSet&& other) noexcept;
  ProcedureSet& operator=(ProcedureSet&& other) noexcept;

  // Holds only the built-in edition, in force from 0. Throws std::runtime_error if the
  // built-in definition fails to load (a build defect).
  static ProcedureSet builtin();

  // Adds `procedure`, in force from `effective_from`. already_exists "procedure.duplicate_edition"
  // when its code is held, "procedure.same_instant" when another edition starts at that instant.
  Status add(Procedure procedure, Timestamp effective_from, bool builtin = false);
  bool knows(const std::string& code) const;

  // The edition in force at `at`: the one with the latest effective_from not after it.
  const Procedure& in_force(Timestamp at) const;
  // The edition a request was opened under; nullptr when unknown.
  const Procedure* edition(const std::string& code) const;
  // Every edition, by effective_from.
  std::vector<Entry> schedule() const;
  // True when some edition counts `state` as a production state (a cheap filter before loading).
  bool production_somewhere(const std::string& state) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Procedure>> editions_;  // by code
  std::vector<Entry> schedule_;  // by effective_from, never empty once built
};

}  // namespace pasaprod
