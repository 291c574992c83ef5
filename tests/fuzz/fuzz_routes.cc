#include "fuzz_routes.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "api/api.h"
#include "audit/file_anchor.h"
#include "library/library.h"
#include "service/access.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"
#include "web/web.h"

namespace pasaprod::fuzz {
namespace {

namespace fs = std::filesystem;

// The office the routes refer to, and its folder. Destroyed at exit (static storage).
struct Server {
  Server()
      : dir(make_dir()),
        clock(0),
        procedures(ProcedureSet::builtin()),
        anchor((dir / "p.db.anchor").string()),
        store(open_store(dir, anchor)),
        library(dir / "library"),
        office(*store, library, clock, procedures),
        access(office, AccessOptions{.interactive_hashing = false}),
        api{office, access, {}, [](Lang) { return nlohmann::json::object(); }} {
    api::add_api_routes(routes, api);
    web::add_web_routes(routes, api, {});
  }
  ~Server() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  static fs::path make_dir() {
    std::string pattern = (fs::temp_directory_path() / "pasaprod-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }
  static std::unique_ptr<AnchoredStore> open_store(const fs::path& dir, audit::FileAnchor& anchor) {
    auto s = pasaprod::open_store((dir / "p.db").string(), &anchor);
    if (!s) throw std::runtime_error("cannot open the fuzz office's database: " + s.error().en);
    return std::move(*s);
  }

  fs::path dir;
  FixedClock clock;
  ProcedureSet procedures;
  audit::FileAnchor anchor;
  std::unique_ptr<AnchoredStore> store;
  Library library;
  Office office;
  Access access;
  api::ApiContext api;
  http::RouteTable routes;
};

}  // namespace

const http::RouteTable& server_routes() {
  static Server server;
  return server.routes;
}

}  // namespace pasaprod::fuzz
