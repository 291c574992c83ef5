#include "web/assets.h"

#include <fstream>
#include <sstream>

namespace pasaprod::web {

std::optional<std::string> Assets::get(std::string_view path) const {
  if (path.empty() || path.front() == '/' || path.find("..") != std::string_view::npos) return std::nullopt;
  if (dev_dir_.empty()) {
    for (const auto& f : embedded_files()) {
      if (f.path == path) return std::string(f.content);
    }
    return std::nullopt;
  }
  std::ifstream in(dev_dir_ + "/" + std::string(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string asset_content_type(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext; };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace pasaprod::web
