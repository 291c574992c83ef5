// Fuzz target: tar archives read by scan_tar (src/library/archive.cc; `pasaprod library
// verify-archive` reads archives people bring back): ustar headers, checksums, octal and
// base-256 sizes, pax extended headers (path, size), GNU long names, padding, a missing trailer.
// Any file must come back as members or as invalid_argument "archive.malformed", never as an
// exception or a crash. The input is written to an in-memory file (memfd), read by path.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "library/archive.h"

using namespace pasaprod;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz-tar", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    FUZZ_CHECK(n > 0, "writing the memfd failed");
    done += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::size_t kept_bytes = 0;
  auto members = scan_tar(path, [](const std::string& name, std::int64_t) { return name.find("MANIFEST") != std::string::npos; });
  ::close(fd);
  if (!members) {
    FUZZ_CHECK(members.error().id == "archive.malformed", "a refusal other than archive.malformed");
    return 0;
  }
  for (const TarMember& m : *members) {
    FUZZ_CHECK(m.size >= 0, "a member with a negative size");
    if (m.content) {
      FUZZ_CHECK(static_cast<std::int64_t>(m.content->size()) == m.size, "kept content differs from the member's size");
      kept_bytes += m.content->size();
    }
  }
  FUZZ_CHECK(kept_bytes <= size, "kept more bytes than the archive holds");
  return 0;
}
