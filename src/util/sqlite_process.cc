#include "util/sqlite_process.h"

#include <sqlite3.h>

#include <mutex>

namespace pasaprod {

void configure_sqlite_process() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace pasaprod
