// CSV fields as every CSV the server writes them: RFC 4180 quoting, and OWASP's defence against
// formula injection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pasaprod::reports {

// Appends one field to `out`. A value starting with '=', '+', '-', '@', TAB or CR (which a
// spreadsheet would run as a formula) gets a leading single quote and is always quoted; plain
// numbers ("-1.5", "42") are left as they are. Values with ',', '"', CR or LF are quoted, with
// '"' doubled.
void csv_field(std::string& out, std::string_view value);

// Appends the fields separated by ',' and a CRLF.
void csv_row(std::string& out, const std::vector<std::string>& fields);

}  // namespace pasaprod::reports
