// The end of a benchmark's main(): its scratch folder, the run, and the clean-up.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <string>

namespace pasaprod::bench {

// A new subdirectory "<parent>/<name>-<pid>" of `parent` ("" = the current directory), so that
// removing it at the end is safe.
inline std::string scratch_dir(const std::string& parent, const std::string& name) {
  return (parent.empty() ? std::string(".") : parent) + "/" + name + "-" + std::to_string(::getpid());
}

// run()'s exit code, or 1 after printing the exception it threw; then removes `dir` unless
// `keep`.
template <class Run>
int run_then_clean(const std::string& dir, bool keep, Run run) {
  int rc = 1;
  try {
    rc = run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
  }
  if (!keep) std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace pasaprod::bench
