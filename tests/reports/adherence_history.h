// The constructed history of the adherence tests (see adherence_history.cc for the releases
// and the answers expected of them).
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "reports/adherence.h"

namespace pasaprod::reports::testing {

extern const std::string kUnitDebr;  // unit of SIAGIE and PERUEDU
extern const std::string kUnitOtic;  // unit of SIRE; holds a comma and quotes

std::vector<System> adherence_systems();
// R0 (outside the period) and R1..R6, in that order.
std::vector<Release> adherence_history();
// From 2026-01-01 to 2026-04-01, as of 2026-04-30.
AdherenceOptions adherence_options();

}  // namespace pasaprod::reports::testing
