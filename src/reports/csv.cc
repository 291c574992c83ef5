#include "reports/csv.h"

namespace pasaprod::reports {

namespace {

// "-12", "3.5", "-0.25": a number a spreadsheet reads as a number, not a formula.
bool is_plain_number(std::string_view v) {
  std::size_t i = v.starts_with('-') ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < v.size(); ++i) {
    if (v[i] >= '0' && v[i] <= '9') {
      digits = true;
    } else if (v[i] == '.' && !dot && digits) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits && !v.ends_with('.');
}

bool is_formula(std::string_view v) {
  if (v.empty()) return false;
  switch (v.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r':
      return !is_plain_number(v);
    default:
      return false;
  }
}

}  // namespace

void csv_field(std::string& out, std::string_view value) {
  const bool formula = is_formula(value);
  if (!formula && value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += value;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void csv_row(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    csv_field(out, fields[i]);
  }
  out += "\r\n";
}

}  // namespace pasaprod::reports
