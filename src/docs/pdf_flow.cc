#include "docs/pdf_flow.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace pasaprod::docs::flow {
namespace {

constexpr double kCellPadX = 5;
constexpr double kCellPadY = 4;
constexpr double kBorder = 0.5;

double to_pt(int pango_units) { return pango_units_to_double(pango_units); }

// Valid UTF-8 with control characters (except "\n", "\t") turned into spaces.
std::string clean_text(std::string_view text, bool single_line) {
  gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string out(valid);
  g_free(valid);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) c = ' ';
    if (single_line && (c == '\n' || c == '\t')) c = ' ';
  }
  return out;
}

Error invalid(std::string id, std::string es, std::string en) {
  return make_error(Code::invalid_argument, std::move(id), std::move(es), std::move(en));
}

void fill_rect(cairo_t* cr, double x, double y, double w, double h, Rgb color) {
  set_color(cr, color);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill(cr);
}

void stroke_rect(cairo_t* cr, double x, double y, double w, double h) {
  set_color(cr, kRule);
  cairo_set_line_width(cr, kBorder);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);
}

// One cell of a row: its text, width in points, background (nullptr = none) and text colour.
struct Cell {
  LayoutPtr layout;
  double width = 0;
  const Rgb* fill = nullptr;
  Rgb color = kInk;
};

Unit row_unit(std::vector<Cell> cells, double space_before) {
  double text_height = 0;
  for (const Cell& c : cells) text_height = std::max(text_height, height_of(c.layout));
  Unit u;
  u.height = text_height + 2 * kCellPadY;
  u.space_before = space_before;
  const double h = u.height;
  u.draw = [cells = std::move(cells), h](cairo_t* cr, double x, double y) {
    double cx = x;
    for (const Cell& c : cells) {
      if (c.fill) fill_rect(cr, cx, y, c.width, h, *c.fill);
      stroke_rect(cr, cx, y, c.width, h);
      draw_layout(cr, c.layout, cx + kCellPadX, y + kCellPadY, c.color);
      cx += c.width;
    }
  };
  return u;
}

// The widths in points of `columns` over `body_width`, or an error.
Result<std::vector<double>> column_widths(const std::vector<Column>& columns, double body_width) {
  double sum = 0;
  int unsized = 0;
  for (const Column& c : columns) {
    if (!(c.width >= 0) || !std::isfinite(c.width)) {
      return invalid("docs.column_width", "El ancho de una columna debe ser una fracción >= 0.",
                     "A column width must be a fraction >= 0.");
    }
    sum += c.width;
    if (c.width == 0) ++unsized;
  }
  if (sum > 1.0 + 1e-9 || (unsized > 0 && sum > 1.0 - 0.02 * unsized)) {
    return invalid("docs.column_width", "Los anchos de columna suman más que el ancho de la página.",
                   "Column widths add up to more than the page width.");
  }
  std::vector<double> widths;
  for (const Column& c : columns) {
    double fraction = c.width;
    if (unsized > 0 && c.width == 0) fraction = (1.0 - sum) / unsized;
    if (unsized == 0) fraction = c.width / sum;  // scaled to fill the body
    widths.push_back(fraction * body_width);
  }
  return widths;
}

Status append_table(PangoContext* ctx, const Table& t, double body_width, double body_height,
                    std::vector<Unit>& out) {
  if (t.columns.empty()) {
    return invalid("docs.table_columns", "Una tabla necesita al menos una columna.",
                   "A table needs at least one column.");
  }
  Result<std::vector<double>> widths = column_widths(t.columns, body_width);
  if (!widths) return widths.error();
  for (const auto& row : t.rows) {
    if (row.size() != t.columns.size()) {
      return invalid("docs.table_row", "Una fila de la tabla no tiene una celda por columna.",
                     "A table row does not have one cell per column.")
          .with("cells", std::to_string(row.size()))
          .with("columns", std::to_string(t.columns.size()));
    }
  }
  std::vector<Cell> head;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    TextOptions o{.font = kFontCellBold, .width = (*widths)[i] - 2 * kCellPadX};
    head.push_back({make_layout(ctx, t.columns[i].title, o), (*widths)[i], &kHeadFill, kNavy});
  }
  auto header = std::make_shared<Unit>(row_unit(std::move(head), 0));
  // A cell never grows past what fits on a page under the header.
  const double max_cell = body_height - header->height - 2 * kCellPadY - 2;
  header->keep_with_next = !t.rows.empty();
  header->space_before = 8;
  out.push_back(*header);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<Cell> cells;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      TextOptions o{.font = t.columns[i].monospace ? kFontMono : kFontCell,
                    .width = (*widths)[i] - 2 * kCellPadX,
                    .max_height = max_cell};
      cells.push_back({make_layout(ctx, t.rows[r][i], o), (*widths)[i],
                       r % 2 == 1 ? &kZebraFill : nullptr, kInk});
    }
    Unit u = row_unit(std::move(cells), 0);
    u.repeat_header = header;
    out.push_back(std::move(u));
  }
  return ok_status();
}

Status append_key_values(PangoContext* ctx, const KeyValueTable& t, double body_width,
                         double body_height, std::vector<Unit>& out) {
  if (!(t.label_width > 0 && t.label_width < 1)) {
    return invalid("docs.label_width", "El ancho de las etiquetas debe estar entre 0 y 1.",
                   "The label width must be between 0 and 1.");
  }
  const double label_w = t.label_width * body_width;
  const double value_w = body_width - label_w;
  const double max_cell = body_height - 2 * kCellPadY - 2;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    TextOptions lo{.font = kFontCellBold, .width = label_w - 2 * kCellPadX, .max_height = max_cell};
    TextOptions vo{.font = kFontCell, .width = value_w - 2 * kCellPadX, .max_height = max_cell};
    std::vector<Cell> cells;
    cells.push_back({make_layout(ctx, t.rows[r].first, lo), label_w, &kLabelFill, kNavy});
    cells.push_back({make_layout(ctx, t.rows[r].second, vo), value_w, nullptr, kInk});
    out.push_back(row_unit(std::move(cells), r == 0 ? 8 : 0));
  }
  return ok_status();
}

Status append_signatures(PangoContext* ctx, const SignatureRow& row, double body_width,
                         std::vector<Unit>& out) {
  const std::size_t n = row.signatures.size();
  if (n < 1 || n > 3) {
    return invalid("docs.signatures", "Una fila de firmas lleva de 1 a 3 firmas.",
                   "A signature row holds 1 to 3 signatures.");
  }
  constexpr double kGap = 24;
  constexpr double kSignSpace = 58;  // room to sign by hand above the line
  const double box_w = (body_width - kGap * static_cast<double>(n - 1)) / static_cast<double>(n);
  struct Box {
    LayoutPtr stamp, name, role, date;
  };
  std::vector<Box> boxes;
  double text_h = 0;
  for (const Signature& s : row.signatures) {
    TextOptions center{.font = kFontCellBold, .width = box_w, .align = PANGO_ALIGN_CENTER};
    Box b;
    b.name = make_layout(ctx, s.name.empty() ? " " : s.name, center);
    center.font = kFontCell;
    b.role = make_layout(ctx, s.role.empty() ? " " : s.role, center);
    b.date = make_layout(ctx, "Fecha: " + (s.date.empty() ? std::string(18, '_') : s.date), center);
    if (s.signed_digitally) {
      TextOptions stamp{.font = kFontBodySmall, .width = box_w - 16, .align = PANGO_ALIGN_CENTER,
                        .max_height = kSignSpace - 14};
      b.stamp = make_layout(ctx, "Firmado digitalmente por " + s.name + " el " + s.date, stamp);
    }
    text_h = std::max(text_h, height_of(b.name) + height_of(b.role) + height_of(b.date) + 6);
    boxes.push_back(std::move(b));
  }
  Unit u;
  u.space_before = 28;
  u.height = kSignSpace + 6 + text_h;
  u.draw = [boxes = std::move(boxes), box_w](cairo_t* cr, double x, double y) {
    for (const Box& b : boxes) {
      if (b.stamp) {
        const double sh = height_of(b.stamp) + 10;
        const double sy = y + (kSignSpace - 6 - sh);
        cairo_save(cr);
        fill_rect(cr, x + 4, sy, box_w - 8, sh, kZebraFill);
        set_color(cr, kAccent);
        cairo_set_line_width(cr, 0.6);
        cairo_rectangle(cr, x + 4, sy, box_w - 8, sh);
        cairo_stroke(cr);
        cairo_restore(cr);
        draw_layout(cr, b.stamp, x + 8, sy + 5, kAccent);
      }
      set_color(cr, kInk);
      cairo_set_line_width(cr, 0.7);
      cairo_move_to(cr, x + box_w * 0.1, y + kSignSpace);
      cairo_line_to(cr, x + box_w * 0.9, y + kSignSpace);
      cairo_stroke(cr);
      double ty = y + kSignSpace + 5;
      draw_layout(cr, b.name, x, ty, kInk);
      ty += height_of(b.name) + 1;
      draw_layout(cr, b.role, x, ty, kMuted);
      ty += height_of(b.role) + 3;
      draw_layout(cr, b.date, x, ty, kMuted);
      x += box_w + kGap;
    }
  };
  out.push_back(std::move(u));
  return ok_status();
}

void append_heading(PangoContext* ctx, const Heading& h, double body_width, std::vector<Unit>& out) {
  const bool main = h.level <= 1;
  LayoutPtr layout = make_layout(ctx, h.text, {.font = main ? kFontH1 : kFontH2, .width = body_width});
  Unit u;
  u.space_before = main ? 16 : 11;
  u.height = height_of(layout) + (main ? 6 : 3);
  u.keep_with_next = true;
  u.draw = [layout, main, body_width](cairo_t* cr, double x, double y) {
    draw_layout(cr, layout, x, y, main ? kNavy : kInk);
    if (main) {
      set_color(cr, kRule);
      cairo_set_line_width(cr, 0.6);
      const double ly = y + height_of(layout) + 2.5;
      cairo_move_to(cr, x, ly);
      cairo_line_to(cr, x + body_width, ly);
      cairo_stroke(cr);
    }
  };
  out.push_back(std::move(u));
}

}  // namespace

void set_color(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

LayoutPtr make_layout(PangoContext* context, std::string_view text, const TextOptions& o) {
  PangoLayout* layout = pango_layout_new(context);
  PangoFontDescription* font = pango_font_description_from_string(o.font);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  if (o.width > 0) {
    pango_layout_set_width(layout, pango_units_from_double(o.width));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  if (o.single_line) {
    pango_layout_set_single_paragraph_mode(layout, TRUE);
    if (o.width > 0) pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  }
  if (o.max_height > 0 && o.width > 0) {
    pango_layout_set_height(layout, pango_units_from_double(o.max_height));
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  }
  // Words too long for a line (digests, URLs) break anywhere, but without an inserted "-" that
  // would corrupt them when copied.
  PangoAttrList* attrs = pango_attr_list_new();
  pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
  pango_layout_set_attributes(layout, attrs);
  pango_attr_list_unref(attrs);
  pango_layout_set_alignment(layout, o.align);
  pango_layout_set_justify(layout, o.justify);
  if (o.line_spacing > 0) pango_layout_set_line_spacing(layout, static_cast<float>(o.line_spacing));
  const std::string clean = clean_text(text, o.single_line);
  pango_layout_set_text(layout, clean.data(), static_cast<int>(clean.size()));
  return LayoutPtr(layout, g_object_unref);
}

double height_of(const LayoutPtr& layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout.get(), nullptr, &logical);
  return to_pt(logical.height);
}

double width_of(const LayoutPtr& layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout.get(), nullptr, &logical);
  return to_pt(logical.width);
}

void draw_layout(cairo_t* cr, const LayoutPtr& layout, double x, double y, Rgb color) {
  set_color(cr, color);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout.get());
}

void append_lines(const LayoutPtr& layout, double space_before, Rgb color, std::vector<Unit>& out) {
  const std::size_t first = out.size();
  PangoLayoutIter* it = pango_layout_get_iter(layout.get());
  int index = 0;
  do {
    int y0 = 0, y1 = 0;
    pango_layout_iter_get_line_yrange(it, &y0, &y1);
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    const double baseline = to_pt(pango_layout_iter_get_baseline(it) - y0);
    const double x_offset = to_pt(logical.x);
    Unit u;
    u.height = to_pt(y1 - y0);
    u.space_before = index == 0 ? space_before : 0;
    u.draw = [layout, index, baseline, x_offset, color](cairo_t* cr, double x, double y) {
      set_color(cr, color);
      cairo_move_to(cr, x + x_offset, y + baseline);
      pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(layout.get(), index));
    };
    out.push_back(std::move(u));
    ++index;
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  const std::size_t lines = out.size() - first;
  if (lines >= 2) out[first].keep_with_next = true;       // no orphan first line
  if (lines >= 3) out[out.size() - 2].keep_with_next = true;  // no widow last line
}

Status append_units(PangoContext* ctx, const std::vector<Block>& blocks, double body_width,
                    double body_height, std::vector<Unit>& out) {
  for (const Block& block : blocks) {
    Status status;
    if (const auto* h = std::get_if<Heading>(&block)) {
      append_heading(ctx, *h, body_width, out);
    } else if (const auto* p = std::get_if<Paragraph>(&block)) {
      TextOptions o{.font = p->small ? kFontBodySmall : kFontBody, .width = body_width,
                    .justify = true, .line_spacing = 1.3};
      append_lines(make_layout(ctx, p->text, o), 7, p->small ? kMuted : kInk, out);
    } else if (const auto* kv = std::get_if<KeyValueTable>(&block)) {
      status = append_key_values(ctx, *kv, body_width, body_height, out);
    } else if (const auto* t = std::get_if<Table>(&block)) {
      status = append_table(ctx, *t, body_width, body_height, out);
    } else if (const auto* s = std::get_if<SignatureRow>(&block)) {
      status = append_signatures(ctx, *s, body_width, out);
    } else if (const auto* sp = std::get_if<Spacer>(&block)) {
      Unit u;
      u.space_before = std::isfinite(sp->points) ? std::clamp(sp->points, 0.0, body_height) : 0.0;
      u.draw = [](cairo_t*, double, double) {};
      out.push_back(std::move(u));
    }
    if (!status) return status;
  }
  return ok_status();
}

}  // namespace pasaprod::docs::flow
