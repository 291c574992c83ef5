// How to answer a GET/HEAD for a file: conditional requests (If-None-Match → 304) and a single
// byte range (Range/If-Range → 206 or 416), per RFC 9110. Pure: no I/O, so it is unit-tested
// apart from the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pasaprod::http {

struct FilePlan {
  int status = 200;            // 200, 206, 304 or 416
  std::uint64_t offset = 0;    // first byte to send
  std::uint64_t length = 0;    // bytes to send (the Content-Length; 0 for 304/416)
  std::string content_range;   // Content-Range value for 206 ("bytes 0-9/100") and 416 ("bytes */100")
};

// Plans the answer for a file of `size` bytes whose strong validator is `etag` (quoted, "" for
// none). `range`, `if_none_match` and `if_range` are the request's header values, if present.
// Multiple ranges are not supported: such a Range is ignored (200 with the whole file), as the
// RFC allows. A weak or mismatching If-Range also yields the whole file.
FilePlan plan_file_response(std::uint64_t size, std::string_view etag,
                            std::optional<std::string_view> range,
                            std::optional<std::string_view> if_none_match,
                            std::optional<std::string_view> if_range);

}  // namespace pasaprod::http
