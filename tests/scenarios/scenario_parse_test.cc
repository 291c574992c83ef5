// parse_scenario on malformed text. Regressions found by tests/fuzz/fuzz_scenario (inputs in
// tests/fuzz/corpus/fuzz_scenario/).
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "scenario_parse.h"

namespace pasaprod::scenario {
namespace {

Scenario parse_text(const std::string& text) {
  std::istringstream in(text);
  return parse_scenario(in, "t.scenario");
}

TEST(ScenarioParse, ReadsStepsAndExpectations) {
  const Scenario sc = parse_text("# name: prueba\nlead: act approve => failed_precondition guard.freeze\nclock 2026-01-01\n");
  EXPECT_EQ(sc.name, "prueba");
  ASSERT_EQ(sc.steps.size(), 2u);
  EXPECT_EQ(sc.steps[0].actor, "lead");
  EXPECT_EQ(sc.steps[0].expect_code, "failed_precondition");
  EXPECT_EQ(sc.steps[0].expect_id, "guard.freeze");
  EXPECT_EQ(sc.steps[1].line, 3);
}

// `=> "" ID` read as "must succeed" and silently dropped the ID (fuzz_scenario crash-6fc4cee1).
TEST(ScenarioParse, FuzzEmptyExpectedCodeIsRefused) {
  EXPECT_THROW(parse_text("# name: x\nlead: act deploy => \"\" guard.freeze\n"), std::runtime_error);
  EXPECT_THROW(parse_text("# name: x\nlead: act deploy => \"\"\n"), std::runtime_error);
  EXPECT_THROW(parse_text("# name: x\nlead: act deploy => conflict \"\"\n"), std::runtime_error);
}

}  // namespace
}  // namespace pasaprod::scenario
