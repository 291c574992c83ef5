// Internal to render_pdf(): text layout helpers and the "flow" — blocks turned into a list of
// unsplittable units of known height that the paginator places on pages.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "docs/pdf_document.h"

namespace pasaprod::docs::flow {

struct Rgb {
  double r, g, b;
};

// The palette and type scale of every document.
inline constexpr Rgb kInk{0.11, 0.12, 0.14};
inline constexpr Rgb kMuted{0.36, 0.39, 0.43};
inline constexpr Rgb kAccent{0.63, 0.10, 0.13};  // institutional red
inline constexpr Rgb kNavy{0.10, 0.21, 0.37};    // headings
inline constexpr Rgb kRule{0.66, 0.69, 0.73};
inline constexpr Rgb kHeadFill{0.87, 0.91, 0.95};
inline constexpr Rgb kZebraFill{0.965, 0.972, 0.98};
inline constexpr Rgb kLabelFill{0.94, 0.95, 0.965};

inline constexpr const char* kFontBody = "DejaVu Sans 9.5";
inline constexpr const char* kFontBodySmall = "DejaVu Sans 8";
inline constexpr const char* kFontCell = "DejaVu Sans 8.5";
inline constexpr const char* kFontCellBold = "DejaVu Sans Bold 8.5";
inline constexpr const char* kFontMono = "DejaVu Sans Mono 8";
inline constexpr const char* kFontH1 = "DejaVu Sans Bold 11.5";
inline constexpr const char* kFontH2 = "DejaVu Sans Bold 10";
inline constexpr const char* kFontTitle = "DejaVu Sans Bold 15";
inline constexpr const char* kFontSubtitle = "DejaVu Sans 10.5";
inline constexpr const char* kFontHeader = "DejaVu Sans Bold 8.5";
inline constexpr const char* kFontFooter = "DejaVu Sans 7.5";

void set_color(cairo_t* cr, Rgb c);

using LayoutPtr = std::shared_ptr<PangoLayout>;

// How make_layout() shapes a text.
struct TextOptions {
  const char* font = kFontBody;
  double width = 0;  // wrap width in points; 0 = one unwrapped line
  PangoAlignment align = PANGO_ALIGN_LEFT;
  bool justify = false;
  bool single_line = false;  // newlines shown as spaces, ellipsized at `width`
  double line_spacing = 0;   // factor of the font height; 0 = the font's own
  double max_height = 0;     // points; taller text is cut with "…"; 0 = no limit
};

// A layout of `text` (UTF-8; invalid bytes and control characters other than "\n" and "\t" are
// replaced) on `context`. The layout keeps a reference to the context.
LayoutPtr make_layout(PangoContext* context, std::string_view text, const TextOptions& options);

// Logical height / width of a layout, in points.
double height_of(const LayoutPtr& layout);
double width_of(const LayoutPtr& layout);

// Draws `layout` with its top-left corner at (x, y) in colour `color`.
void draw_layout(cairo_t* cr, const LayoutPtr& layout, double x, double y, Rgb color);

// One piece of the flow that is never split across pages.
struct Unit {
  double height = 0;
  double space_before = 0;     // gap above the unit; dropped at the top of a page
  bool keep_with_next = false;  // moves to the next page with the following unit
  // Drawn first when this unit is the first on a page (a table's header row).
  std::shared_ptr<const Unit> repeat_header;
  std::function<void(cairo_t* cr, double x, double y)> draw;  // top-left corner of the unit
};

// Appends the units of `blocks`, laid out for a body `body_width` wide and `body_height` tall.
// Errors: invalid_argument ("docs.table_columns", "docs.table_row", "docs.column_width",
// "docs.signatures", "docs.label_width") for a block that breaks its REQUIRES.
Status append_units(PangoContext* context, const std::vector<Block>& blocks, double body_width,
                    double body_height, std::vector<Unit>& out);

// Appends the units of a paragraph-like text: one unit per line, widow/orphan lines kept with
// their neighbours.
void append_lines(const LayoutPtr& layout, double space_before, Rgb color, std::vector<Unit>& out);

}  // namespace pasaprod::docs::flow
