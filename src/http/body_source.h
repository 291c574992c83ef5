// Where the body of a generated download comes from (e.g. an archive built on the fly): a pull
// interface, so the server writes it chunk by chunk with one fixed-size buffer and memory stays
// constant whatever the size.
//
//   class TarBody : public BodySource {
//     std::uint64_t size() const override { return tar_.size(); }
//     Result<std::size_t> read(char* buf, std::size_t cap) override { return tar_.read(buf, cap); }
//   };
//   return Response::stream(std::make_shared<TarBody>(...), "application/x-tar", etag);
//
// Contract: size() is the exact total (it becomes Content-Length) and never changes; read() is
// called until the bytes produced add up to size(), from one thread at a time. A read() error or
// a short body (0 before size() bytes) cannot be reported to the client once the headers are
// out: the server logs it and closes the connection, so the client sees a truncated body.
// HEAD requests get the headers only and read() is never called. A source that can start
// anywhere (seekable()) answers a single Range and If-Range as files do: seek() is then called
// once, before the first read(), and read() produces the bytes from there.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace pasaprod::http {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Exact number of body bytes.
  virtual std::uint64_t size() const = 0;
  // Fills up to `capacity` bytes (capacity > 0); returns how many (0 = no more).
  virtual Result<std::size_t> read(char* buffer, std::size_t capacity) = 0;
  virtual bool seekable() const { return false; }
  // Moves to byte `offset` (< size()). Only called when seekable().
  virtual Status seek(std::uint64_t offset) {
    (void)offset;
    return make_error(Code::internal, "http.not_seekable", "Esta descarga no admite rangos.", "This download has no ranges.");
  }
};

}  // namespace pasaprod::http
