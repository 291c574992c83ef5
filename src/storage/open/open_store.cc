#include "storage/open/open_store.h"

#include <utility>

namespace pasaprod {

Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor,
                                                  StoreOptions options) {
  std::string path = location;
  if (path.starts_with("sqlite:")) path = path.substr(7);
  if (path.find("://") != std::string::npos) {
    return make_error(Code::invalid_argument, "store.location",
                      "Esta versión de pasaprod no sabe abrir «" + location.substr(0, location.find("://")) +
                          "://»: indique la ruta de un archivo SQLite.",
                      "This build of pasaprod cannot open \"" + location.substr(0, location.find("://")) +
                          "://\": give the path of a SQLite file.");
  }
  auto backend = SqliteStore::open(path, std::move(options.sqlite));
  if (!backend) return backend.error();
  return std::make_unique<AnchoredStore>(std::move(*backend), anchor, options.anchoring);
}

}  // namespace pasaprod
