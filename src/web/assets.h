// The web interface's files: templates, CSS/JS assets and message catalogs.
//
// In production they are compiled into the binary (web_embedded.cc, generated from the web/
// folder by cmake/embed_dir.cmake). While developing, `Assets("web")` reads them from disk at
// every call, so an edited template shows on the next reload.
//
//   Assets assets("");                                  // embedded
//   std::optional<std::string> css = assets.get("assets/app.css");
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pasaprod::web {

struct EmbeddedFile {
  std::string_view path;     // relative to web/: "templates/layout.mustache"
  std::string_view content;
};

// Every file of web/ compiled into the binary, sorted by path.
const std::vector<EmbeddedFile>& embedded_files();

class Assets {
 public:
  // `dev_dir` "" = the embedded files; otherwise the web/ folder to read from.
  explicit Assets(std::string dev_dir = "") : dev_dir_(std::move(dev_dir)) {}

  // Content of `path` (relative to web/), or nullopt when there is no such file. Paths with
  // ".." or a leading '/' are refused (nullopt).
  std::optional<std::string> get(std::string_view path) const;

  bool from_disk() const { return !dev_dir_.empty(); }

 private:
  std::string dev_dir_;
};

// Content-Type for an asset by extension ("app.css" → "text/css; charset=utf-8").
std::string asset_content_type(std::string_view path);

}  // namespace pasaprod::web
