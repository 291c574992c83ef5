// Bar and line charts as standalone SVG text, for the PMO metrics pages and exports.
//
//   docs::Chart c;
//   c.id = "lead-time";
//   c.title = "Tiempo de entrega (días)";
//   c.categories = {"Ene", "Feb", "Mar"};
//   c.series = {{"SIAGIE", {4, 6.5, 3}}, {"PerúEduca", {2, 0, 5}}};
//   Result<std::string> svg = docs::bar_chart_svg(c);
//
// Output: one <svg> element with a viewBox (scales to its container), an accessible <title>
// and <desc>, gridlines with "nice" ticks from 0, axis labels and, for more than one series, a
// legend. All text is XML-escaped. No external dependencies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pasaprod::docs {

// One named series: one value per category. Non-finite values (NaN, ±inf) mean "no data": the
// bar is not drawn, the line has a gap.
struct ChartSeries {
  std::string name;
  std::vector<double> values;
};

struct Chart {
  std::string id = "chart";  // prefix of element ids; other characters than [A-Za-z0-9_-] dropped
  std::string title;         // shown above the plot and as the accessible <title>
  std::string x_label;       // under the category labels; "" = none
  std::string y_label;       // rotated, left of the axis; "" = none
  std::vector<std::string> categories;
  std::vector<ChartSeries> series;
  int width = 640;  // viewBox size, in user units
  int height = 360;
};

// Grouped vertical bars, one group per category.
// Errors: invalid_argument ("chart.*") when a series has not one value per category, a value is
// negative, there are no categories or series, or width/height are below 200/150.
Result<std::string> bar_chart_svg(const Chart& chart);

// One polyline with point markers per series, categories evenly spaced on the x axis.
// Errors: as bar_chart_svg.
Result<std::string> line_chart_svg(const Chart& chart);

// `text` with & < > " ' replaced by entities; invalid UTF-8 bytes and control characters other
// than tab/newline become U+FFFD, so the result is always well-formed XML character data.
std::string xml_escape(std::string_view text);

}  // namespace pasaprod::docs
