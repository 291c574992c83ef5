// The procedure editions this office knows, by edition code. New requests are opened under
// the current edition; a request is always judged by the edition it was opened under.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/procedure.h"

namespace pasaprod {

class ProcedureSet {
 public:
  // Holds only the built-in edition (02), which is current. Throws std::runtime_error if the
  // built-in definition fails to load (a build defect).
  static ProcedureSet builtin();

  // Adds an edition; when make_current, new requests use it. Refuses a duplicate edition.
  Status add(Procedure procedure, bool make_current);

  const Procedure& current() const { return *editions_.at(current_); }
  // The edition a request was opened under; nullptr when unknown.
  const Procedure* edition(const std::string& code) const;
  // True when some edition counts `state` as a production state (a cheap filter before loading).
  bool production_somewhere(const std::string& state) const;

 private:
  std::map<std::string, std::shared_ptr<const Procedure>> editions_;
  std::string current_;
};

}  // namespace pasaprod
