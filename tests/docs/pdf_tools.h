// Test helpers: a scratch directory and poppler-utils (pdftotext, pdfinfo) run through popen.
#pragma once

#include <string>

namespace pasaprod::docs::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `bytes` to `path`; false on failure.
bool write_file(const std::string& path, const std::string& bytes);

// Standard output of the shell command `command` (stderr discarded).
std::string run(const std::string& command);

// `pdftotext -layout` of the PDF at `path`; pages `first`..`last` (1-based, 0 = all).
std::string pdf_text(const std::string& path, int first = 0, int last = 0);

// Page count from `pdfinfo`, or -1.
int pdf_pages(const std::string& path);

}  // namespace pasaprod::docs::testing
