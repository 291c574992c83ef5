// The named guards a procedure definition refers to (SPEC §4.3). Each guard inspects a
// Situation and either passes or says, in Spanish and English, what is missing.
#pragma once

#include <optional>
#include <string_view>

#include "core/engine.h"

namespace pasaprod {

enum class GuardArg { none, slot, record, signoff };

struct GuardSpec {
  const char* name;
  GuardArg arg;
  const char* doc;
  const char* needs = "";  // the record meaning (kRecordMeanings) it reads; "" = none
};

// nullptr when no guard has that name.
const GuardSpec* find_guard(std::string_view name);
// All guards, for documentation.
const std::vector<GuardSpec>& all_guards();

// nullopt when `guard` passes; otherwise a failed_precondition Error.
std::optional<Error> check_guard(const GuardRef& guard, const Situation& s, const ActionInput& input);

// The deployment window recorded on the request, as it stands at `s.now`: open (the
// `within_window` guard passes now), already past, and the first freeze it overlaps when an
// action of the request's kind is guarded by `outside_freeze`. nullopt: no window recorded.
struct WindowStatus {
  Timestamp from = 0;
  Timestamp to = 0;
  bool open = false;
  bool past = false;
  std::optional<FreezeWindow> freeze;
};
std::optional<WindowStatus> window_status(const Situation& s);

// True when the latest sign-off named `name` (an action or a sign-off record type) was given
// for the current manifest.
bool signoff_fresh(const Situation& s, const std::string& name);

}  // namespace pasaprod
