#include "util/zoneinfo.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace pasaprod {
namespace {

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  std::size_t part_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const std::string part = name.substr(part_start, i - part_start);
      if (part.empty() || part.front() == '.') return false;
      part_start = i + 1;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '+' && c != '.') return false;
  }
  return true;
}

}  // namespace

Result<TimeZone> load_time_zone(const std::string& name) {
  if (!valid_zone_name(name)) {
    return make_error(Code::invalid_argument, "tz.bad_name",
                      "«" + name.substr(0, 80) + "» no es el nombre de una zona horaria; use un nombre IANA como America/Lima.",
                      "\"" + name.substr(0, 80) + "\" is not a time zone name; use an IANA name such as America/Lima.")
        .with("time_zone", name.substr(0, 80));
  }
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (name == "UTC") return TimeZone::utc();
    return make_error(Code::not_found, "tz.unknown",
                      "No se conoce la zona horaria «" + name + "»; use un nombre IANA como America/Lima (paquete tzdata).",
                      "Unknown time zone \"" + name + "\"; use an IANA name such as America/Lima (package tzdata).")
        .with("time_zone", name);
  }
  std::string bytes;
  bytes.reserve(4096);
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > (1u << 20)) break;  // no zone file is this large
  }
  return TimeZone::from_tzif(name, bytes);
}

}  // namespace pasaprod
