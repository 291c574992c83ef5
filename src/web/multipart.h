// An incremental multipart/form-data parser (RFC 7578, RFC 2046 §5.1) for streamed form
// uploads: bytes are pushed in chunks of any size and each part's body is handed on as it
// arrives, so a file part of any size costs constant memory.
//
//   auto boundary = multipart_boundary(req.header("Content-Type").value_or(""));
//   MultipartParser parser(*boundary);
//   while (more) if (Status s = parser.feed(chunk, n, handler); !s) ...;   // handler: MultipartHandler
//   if (Status s = parser.finish(); !s) ...;   // the body ended before the closing boundary
//
// Bytes that may be the start of a boundary are held back across chunk edges (at most the
// delimiter's length), so part data never includes a boundary nor misses bytes of one that
// turned out not to be. Memory: the current chunk plus the limits below.
//
// Errors are invalid_argument with ids "multipart.malformed" (no boundary where one must be,
// a part without Content-Disposition form-data and name, bad bytes after a boundary),
// "multipart.header_too_large", "multipart.too_many_parts" and "multipart.truncated" (finish()
// after a first boundary but before the closing one; without any boundary: malformed); or whatever a handler callback returned. After an error the
// parser refuses every further call with the same error. Messages are technical (for logs):
// callers that show them to people translate the id.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pasaprod::web {

// The headers of one part that matter to a form.
struct PartHeaders {
  std::string name;                     // Content-Disposition name (required)
  std::optional<std::string> filename;  // present for file inputs (maybe ""); filename* wins
                                        // over filename; UTF-8 as sent (browsers send raw
                                        // UTF-8); "%22" decoded to '"' (what browsers send)
  std::string content_type;             // "" when absent
};

// Receives the parts in order: begin, data zero or more times (size > 0), end. A non-ok
// Status stops the parser and is returned by feed().
class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  virtual Status on_part_begin(const PartHeaders& headers) = 0;
  virtual Status on_part_data(const char* data, std::size_t size) = 0;
  virtual Status on_part_end() = 0;
};

struct MultipartLimits {
  std::size_t max_header_bytes = 8 * 1024;  // the header block of one part (and the preamble)
  std::size_t max_parts = 64;
};

// The boundary parameter of a "multipart/form-data; boundary=..." Content-Type (quoted or
// not, 1 to 70 characters); invalid_argument "multipart.not_form_data" otherwise.
Result<std::string> multipart_boundary(std::string_view content_type);

class MultipartParser {
 public:
  explicit MultipartParser(std::string boundary, MultipartLimits limits = {});

  // Parses the next bytes of the body (any size, 0 included).
  Status feed(const char* data, std::size_t size, MultipartHandler& handler);
  // The body is over: ok only when the closing boundary was seen.
  Status finish();
  // The closing boundary was seen (what follows is epilogue, ignored).
  bool done() const { return state_ == State::epilogue; }

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue, failed };
  Status fail(Error e);
  // Each consumes from buf_[pos_...]; false = needs more bytes.
  Result<bool> step(MultipartHandler& handler);

  const std::string delimiter_;  // "\r\n--" + boundary
  const MultipartLimits limits_;
  State state_ = State::preamble;
  std::string buf_;  // unconsumed bytes (bounded; see the header comment)
  std::size_t pos_ = 0;
  std::size_t parts_ = 0;
  std::optional<Error> error_;
};

// Parses the header block of one part ("Name: value\r\n" lines, without the blank line).
// Exposed for tests. invalid_argument "multipart.malformed" without form-data and a name.
Result<PartHeaders> parse_part_headers(std::string_view block);

}  // namespace pasaprod::web
