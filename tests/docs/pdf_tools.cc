#include "pdf_tools.h"

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace pasaprod::docs::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "pasaprod-docs-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

bool write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

std::string pdf_text(const std::string& path, int first, int last) {
  std::string cmd = "pdftotext -layout -enc UTF-8";
  if (first > 0) cmd += " -f " + std::to_string(first);
  if (last > 0) cmd += " -l " + std::to_string(last);
  return run(cmd + " '" + path + "' -");
}

int pdf_pages(const std::string& path) {
  const std::string info = run("pdfinfo '" + path + "'");
  const std::size_t at = info.find("Pages:");
  if (at == std::string::npos) return -1;
  return std::atoi(info.c_str() + at + 6);
}

}  // namespace pasaprod::docs::testing
