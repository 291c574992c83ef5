// Where the body of a stream route goes (uploads): a push interface, so the server reads the
// socket asynchronously with one fixed-size buffer and memory stays constant whatever the size.
//
//   class LibrarySink : public BodySink {
//     Status write(const char* data, std::size_t size) override { hash_.update(data, size); ... }
//     Response finish() override { ... commit the file ...; return Response::json(...); }
//     void abort(const Error& why) override { ... delete the partial file ... }
//   };
//
// Contract, in order: write() zero or more times with the body's bytes in order; then exactly
// one of finish() (the whole body arrived and every write succeeded) or abort() (it did not:
// the client went away or stalled, the body exceeded the upload limit, a write() failed, the
// server was forced to stop). All calls for one request come from one thread at a time, never
// concurrently. Exceptions thrown by write()/finish() are treated as internal errors (500),
// after which abort() is called.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "http/response.h"

namespace pasaprod::http {

class BodySink {
 public:
  virtual ~BodySink() = default;

  // Consumes the next `size` bytes of the body (size > 0). An error stops the upload: the
  // server calls abort(error), answers the error as problem+json and closes the connection.
  virtual Status write(const char* data, std::size_t size) = 0;

  // The body is complete. Returns the response to send (e.g. 201 with the digest; or a
  // problem, e.g. when X-Content-SHA256 does not match what was received).
  virtual Response finish() = 0;

  // The upload ended without finishing; `why` says how. Discard what was written.
  virtual void abort(const Error& why) = 0;
};

}  // namespace pasaprod::http
