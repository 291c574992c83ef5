#include "cli/local_office.h"

#include <cstdlib>
#include <filesystem>

namespace pasaprod {

std::string default_db_path() {
  const char* env = std::getenv("PASAPROD_DB");
  return env && *env ? env : "data/pasaprod.db";
}

Result<std::unique_ptr<LocalOffice>> LocalOffice::open(const std::string& db_path) {
  std::unique_ptr<LocalOffice> lo(new LocalOffice());
  lo->db_path_ = db_path;
  namespace fs = std::filesystem;
  const fs::path db(db_path);
  std::error_code ec;
  if (db.has_parent_path()) fs::create_directories(db.parent_path(), ec);
  if (ec) {
    return make_error(Code::internal, "data_dir.create", "No se pudo crear la carpeta " + db.parent_path().string() + ": " + ec.message(),
                      "Could not create the folder " + db.parent_path().string() + ": " + ec.message());
  }
  lo->procedures_ = ProcedureSet::builtin();
  lo->anchor_ = std::make_unique<audit::FileAnchor>(db_path + ".anchor");
  auto store = SqliteStore::open(db_path, lo->anchor_.get());
  if (!store) return store.error();
  lo->store_ = std::move(*store);
  try {
    lo->library_ = std::make_unique<Library>((db.has_parent_path() ? db.parent_path() : fs::path(".")) / "library");
  } catch (const std::exception& e) {
    return make_error(Code::internal, "library.open", std::string("No se pudo abrir la librería: ") + e.what(),
                      std::string("Could not open the library: ") + e.what());
  }
  lo->office_ = std::make_unique<Office>(*lo->store_, *lo->library_, lo->clock_, lo->procedures_);
  return lo;
}

}  // namespace pasaprod
