// The server's real route table (every /api/v1 route and web page, as `pasaprod serve` declares
// them) for the fuzz targets that route requests or validate JSON bodies against the declared
// schemas. Handlers are never called: the office behind them is a fresh, empty one in a
// temporary folder, removed at exit.
#pragma once

#include "http/route.h"

namespace pasaprod::fuzz {

// Built on first use; REQUIRES: called from one thread (libFuzzer runs inputs on one thread).
const http::RouteTable& server_routes();

}  // namespace pasaprod::fuzz
