// Process-wide SQLite settings, applied once before the first connection of the process opens.
#pragma once

namespace pasaprod {

// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS), which take one global mutex
// around every allocation of every connection: with several threads reading at once (an FTS5
// search allocates per row) the threads queue on it. Nothing of pasaprod reads those statistics.
// Idempotent and thread-safe; every code path that opens a SQLite connection calls it first.
// If SQLite was initialized earlier by code that did not, the setting stays as it was.
void configure_sqlite_process();

}  // namespace pasaprod
