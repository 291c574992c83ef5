#include "storage/open/open_store.h"

#include <utility>

namespace pasaprod {

Status refuse_password_in_url(const std::string& url) {
  const std::size_t start = url.find("://") + 3;
  const std::size_t at = url.find('@', start);
  const std::size_t slash = url.find('/', start);
  if (url.find("://") != std::string::npos && at != std::string::npos && (slash == std::string::npos || at < slash) &&
      url.find(':', start) < at) {
    return make_error(Code::invalid_argument, "store.password_in_url",
                      "La URL de la base de datos lleva una contraseña, que quedaría a la vista en la lista de "
                      "procesos: quítela de la URL y póngala en un archivo PGPASSFILE (o ~/.pgpass) o en PGPASSWORD.",
                      "The database URL carries a password, which would show in the process list: remove it from "
                      "the URL and put it in a PGPASSFILE file (or ~/.pgpass) or in PGPASSWORD.");
  }
  return ok_status();
}

Result<std::unique_ptr<AnchoredStore>> open_store(const std::string& location, AuditAnchor* anchor,
                                                  StoreOptions options) {
  if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
    if (Status st = refuse_password_in_url(location); !st) return st.error();
    auto backend = PgStore::open(location, options.postgres);
    if (!backend) return backend.error();
    return std::make_unique<AnchoredStore>(std::move(*backend), anchor, options.anchoring);
  }
  std::string path = location;
  if (path.starts_with("sqlite:")) path = path.substr(7);
  if (path.find("://") != std::string::npos) {
    return make_error(Code::invalid_argument, "store.location",
                      "pasaprod no sabe abrir «" + location.substr(0, location.find("://")) +
                          "://»: indique la ruta de un archivo SQLite o una URL postgresql://.",
                      "pasaprod cannot open \"" + location.substr(0, location.find("://")) +
                          "://\": give the path of a SQLite file or a postgresql:// URL.");
  }
  auto backend = SqliteStore::open(path, std::move(options.sqlite));
  if (!backend) return backend.error();
  return std::make_unique<AnchoredStore>(std::move(*backend), anchor, options.anchoring);
}

}  // namespace pasaprod
