// The errors the HTTP layer produces itself (ids "http.*"), in Spanish and English. Sinks receive
// some of them in BodySink::abort(); tests match on the ids.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace pasaprod::http {

Error err_not_found(const std::string& path);                 // not_found "http.not_found"
Error err_method_not_allowed(const std::string& method,
                             const std::string& allow);       // invalid_argument (sent as 405)
Error err_malformed_request(const std::string& what);         // invalid_argument "http.malformed_request"
Error err_header_too_large(std::uint64_t limit);              // too_large (sent as 431)
Error err_body_too_large(std::uint64_t limit);                // too_large "http.body_too_large"
Error err_body_incomplete();                                  // invalid_argument: client went away
Error err_body_timeout(std::chrono::milliseconds timeout);    // invalid_argument: client stalled
Error err_server_stopping();                                  // internal: forced stop
Error err_internal();                                         // internal: a handler threw
Error err_unsafe_header(const std::string& name);             // internal "http.unsafe_header"
Error err_too_many_connections(std::size_t limit, bool per_address);  // sent as 503

}  // namespace pasaprod::http
