#include "scenario_parse.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace pasaprod::scenario {
namespace {

std::vector<std::string> split_words(const std::string& text, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool in_quotes = false, have = false;
  for (char c : text) {
    if (c == '"') {
      in_quotes = !in_quotes;
      have = true;
    } else if ((c == ' ' || c == '\t') && !in_quotes) {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (in_quotes) throw std::runtime_error(where + ": unbalanced quotes");
  if (have) out.push_back(cur);
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

Scenario parse_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return parse_scenario(in, path);
}

Scenario parse_scenario(std::istream& in, const std::string& path) {
  Scenario sc;
  sc.file = path;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = path + ":" + std::to_string(n);
    std::string t = trim(line);
    if (t.rfind("# name:", 0) == 0) {
      sc.name = trim(t.substr(7));
      continue;
    }
    if (t.rfind("# description:", 0) == 0) {
      sc.description = trim(t.substr(14));
      continue;
    }
    if (t.empty() || t[0] == '#') continue;
    Step step;
    step.line = n;
    const auto arrow = t.find("=>");
    if (arrow != std::string::npos) {
      auto expect = split_words(t.substr(arrow + 2), where);
      // An empty word ("") would read as "must succeed" and drop the ID: refused too.
      if (expect.empty() || expect.size() > 2 || std::any_of(expect.begin(), expect.end(), [](const std::string& w) { return w.empty(); })) {
        throw std::runtime_error(where + ": use `=> CODE [ID]`");
      }
      step.expect_code = expect[0];
      if (expect.size() == 2) step.expect_id = expect[1];
      t = trim(t.substr(0, arrow));
    }
    const auto colon = t.find(':');
    const auto space = t.find(' ');
    if (colon != std::string::npos && (space == std::string::npos || colon < space)) {
      step.actor = t.substr(0, colon);
      t = trim(t.substr(colon + 1));
    }
    step.words = split_words(t, where);
    if (step.words.empty()) throw std::runtime_error(where + ": empty step");
    sc.steps.push_back(std::move(step));
  }
  if (sc.name.empty()) throw std::runtime_error(path + ": missing `# name:` header");
  return sc;
}

}  // namespace pasaprod::scenario
