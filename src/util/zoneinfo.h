// Loads the office's time zone from the system's time zone database (Debian's tzdata).
#pragma once

#include <string>

#include "core/time_zone.h"

namespace pasaprod {

// The office's zone when none is configured.
inline constexpr const char* kDefaultTimeZone = "America/Lima";

// Reads the TZif file of the IANA zone `name` ("America/Lima", "UTC") from $TZDIR, else
// /usr/share/zoneinfo. invalid_argument "tz.bad_name" for a name that is not a zone name
// (bounded, letters, digits, "_", "-", "+", "/" separated parts, no "." parts); not_found
// "tz.unknown" when no such zone is installed; "tz.invalid" for a damaged file. "UTC" always loads.
Result<TimeZone> load_time_zone(const std::string& name);

}  // namespace pasaprod
