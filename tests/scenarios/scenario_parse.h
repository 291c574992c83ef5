// Parsing of scenario files (README.md in this folder).
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace pasaprod::scenario {

struct Step {
  int line = 0;
  std::string actor;               // "" for directives (setup, clock, expect, ...)
  std::vector<std::string> words;  // command and arguments, quotes removed
  std::string expect_code;         // "" = must succeed
  std::string expect_id;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::vector<Step> steps;
};

// Throws std::runtime_error("file:line: ...") on a malformed line, or when `path` cannot be read.
Scenario parse_scenario(const std::string& path);
// The same for text read from `in`; `file` names it in messages (tests/fuzz feeds it this way).
Scenario parse_scenario(std::istream& in, const std::string& file);

}  // namespace pasaprod::scenario
