// Fuzz target: multipart/form-data bodies (web uploads) through multipart_boundary and the
// incremental MultipartParser (part headers, filename/filename* decoding, boundaries split
// across chunks). The input is the Content-Type value, a newline, then the body.
//
// The body is parsed twice: in one piece and in chunks of sizes drawn from the input. The parser
// promises that chunk edges change nothing, so both runs must report the same parts, bytes and
// outcome. Small limits (header bytes, parts) let short inputs reach the limit paths.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "web/multipart.h"

using namespace pasaprod;
using namespace pasaprod::web;

namespace {

// Everything the handler saw, as one string; data of consecutive calls merges (chunking).
class Recorder final : public MultipartHandler {
 public:
  Status on_part_begin(const PartHeaders& h) override {
    FUZZ_CHECK(!in_part_, "a part began inside another");
    FUZZ_CHECK(!h.name.empty(), "a part without a name was handed on");
    in_part_ = true;
    log += "<" + h.name + "|" + (h.filename ? "f:" + *h.filename : "-") + "|" + h.content_type + ">";
    return ok_status();
  }
  Status on_part_data(const char* data, std::size_t size) override {
    FUZZ_CHECK(in_part_, "data outside a part");
    FUZZ_CHECK(size > 0, "empty data call");
    log.append(data, size);
    return ok_status();
  }
  Status on_part_end() override {
    FUZZ_CHECK(in_part_, "a part ended that had not begun");
    in_part_ = false;
    log += "</>";
    return ok_status();
  }
  std::string log;

 private:
  bool in_part_ = false;
};

struct Outcome {
  std::string log;
  std::string error;  // "" = ok
  bool done = false;
};

constexpr MultipartLimits kLimits{.max_header_bytes = 256, .max_parts = 8};

Outcome parse(const std::string& boundary, std::string_view body, std::string_view chunk_plan) {
  MultipartParser parser(boundary, kLimits);
  Recorder rec;
  Outcome out;
  std::size_t k = 0;
  while (!body.empty()) {
    std::size_t n = body.size();
    if (!chunk_plan.empty()) n = std::min<std::size_t>(n, 1 + static_cast<unsigned char>(chunk_plan[k++ % chunk_plan.size()]) % 17);
    Status s = parser.feed(body.data(), n, rec);
    body.remove_prefix(n);
    if (!s) {
      out.error = s.error().id;
      break;
    }
  }
  if (out.error.empty()) {
    Status s = parser.finish();
    if (!s) out.error = s.error().id;
  }
  out.done = parser.done();
  out.log = std::move(rec.log);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t eol = in.find('\n');
  if (eol == std::string_view::npos) return 0;
  Result<std::string> boundary = multipart_boundary(in.substr(0, eol));
  if (!boundary) return 0;
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70, "boundary length out of 1..70");
  const std::string_view body = in.substr(eol + 1);

  const Outcome whole = parse(*boundary, body, {});
  const Outcome chunked = parse(*boundary, body, body.substr(0, 64));
  FUZZ_CHECK(whole.error == chunked.error, "chunk edges changed the outcome");
  FUZZ_CHECK(whole.done == chunked.done, "chunk edges changed done()");
  if (whole.error.empty()) FUZZ_CHECK(whole.log == chunked.log, "chunk edges changed the parts");
  if (whole.error.empty()) FUZZ_CHECK(whole.done, "finish() ok without the closing boundary");
  return 0;
}
