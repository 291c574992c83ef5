// Versions and the version policy of SPEC §4.1 ("Gestión de versiones").
//
//   project      N.0, the next major (a new system starts at 1.0)
//   maintenance  X.(Y+1) in the series of the production major; (X+1).0 when declared major
//   emergency    X.Y.(Z+1) in the series of the production X.Y
//
// "Current" is the highest version of the series that is in production, reserved by an open
// request, or burnt by a rolled-back one; rejected and cancelled requests free their number.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"
#include "core/status.h"

namespace pasaprod {

struct Version {
  std::vector<int> parts;  // 2 or 3 numbers

  static Result<Version> parse(const std::string& text);
  std::string str() const;
  int major() const { return parts.empty() ? 0 : parts[0]; }
  int minor() const { return parts.size() > 1 ? parts[1] : 0; }
  int patch() const { return parts.size() > 2 ? parts[2] : 0; }
  // Compares numerically; 2.3 == 2.3.0.
  int compare(const Version& other) const;
  bool operator<(const Version& o) const { return compare(o) < 0; }
  bool operator==(const Version& o) const { return compare(o) == 0; }
};

// The version in production: the highest of the system's initial version and the versions of
// its requests in a production state. nullopt when nothing is in production.
std::optional<Version> production_version(const Procedure& proc, const System& system,
                                          const std::vector<VersionUse>& uses);

// The version the next request of `kind` must target.
Result<Version> expected_version(const Procedure& proc, const System& system,
                                 const std::vector<VersionUse>& uses, const std::string& kind,
                                 bool declared_major);

// Refuses (failed_precondition, detail "expected_version") a target that breaks the policy.
Status check_version(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses,
                     const std::string& kind, bool declared_major, const std::string& target);

}  // namespace pasaprod
