// Fuzz target: scenario files (tests/scenarios/*.scenario, README.md there) through
// parse_scenario: header comments, "actor: words", quoting and "=> CODE [ID]" expectations.
// A malformed file may only be refused with std::runtime_error naming the file and line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fuzz_check.h"
#include "scenario_parse.h"

using namespace pasaprod::scenario;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const Scenario sc = parse_scenario(in, "fuzz.scenario");
    FUZZ_CHECK(!sc.name.empty(), "a scenario without a name was accepted");
    int last = 0;
    for (const Step& step : sc.steps) {
      FUZZ_CHECK(!step.words.empty(), "an empty step was accepted");
      FUZZ_CHECK(step.line > last, "steps out of line order");
      FUZZ_CHECK(step.expect_id.empty() || !step.expect_code.empty(), "an expected id without a code");
      last = step.line;
    }
  } catch (const std::runtime_error& e) {
    FUZZ_CHECK(std::string(e.what()).rfind("fuzz.scenario", 0) == 0, "a refusal that does not name the file");
  }
  return 0;
}
