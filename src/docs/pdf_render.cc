#include "docs/pdf_render.h"

#include <cairo-pdf.h>

#include <cctype>
#include <memory>
#include <string_view>

#include "docs/pdf_flow.h"

namespace pasaprod::docs {
namespace {

using flow::LayoutPtr;
using flow::TextOptions;
using flow::Unit;

// A4 portrait in points, margins in millimetres.
constexpr double kMm = 72.0 / 25.4;
constexpr double kPageW = 210 * kMm;
constexpr double kPageH = 297 * kMm;
constexpr double kLeft = 25 * kMm;
constexpr double kRight = 20 * kMm;
constexpr double kTop = 13 * kMm;
constexpr double kBottom = 12 * kMm;
constexpr double kBodyW = kPageW - kLeft - kRight;

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
struct GObjectDeleter {
  void operator()(void* object) const { g_object_unref(object); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;
using FontMapPtr = std::unique_ptr<PangoFontMap, GObjectDeleter>;
using ContextPtr = std::unique_ptr<PangoContext, GObjectDeleter>;

// cairo_write_func_t appending to the std::string passed as closure.
cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

// True for "YYYY-MM-DDThh:mm:ss" optionally followed by "Z" or "±hh:mm".
bool is_pdf_date(std::string_view s) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  auto at = [&](std::size_t i, char c) { return i < s.size() && s[i] == c; };
  const bool base = digits(0, 4) && at(4, '-') && digits(5, 2) && at(7, '-') && digits(8, 2) &&
                    at(10, 'T') && digits(11, 2) && at(13, ':') && digits(14, 2) && at(16, ':') &&
                    digits(17, 2);
  if (!base) return false;
  if (s.size() == 19) return true;
  if (s.size() == 20) return s[19] == 'Z';
  return s.size() == 25 && (s[19] == '+' || s[19] == '-') && digits(20, 2) && at(22, ':') &&
         digits(23, 2);
}

// What is drawn on every page around the body, and where the body goes.
struct Furniture {
  LayoutPtr institution;
  LayoutPtr title;
  LayoutPtr note;  // null when there is no footer note
  double header_rule_y = 0;
  double footer_rule_y = 0;
  double footer_line_h = 0;
  double body_top = 0;
  double body_bottom = 0;
};

Furniture measure_furniture(PangoContext* ctx, const PdfDocument& doc) {
  Furniture f;
  TextOptions line{.font = flow::kFontHeader, .width = kBodyW, .single_line = true};
  f.institution = flow::make_layout(ctx, doc.institution.empty() ? " " : doc.institution, line);
  line.font = flow::kFontFooter;
  f.title = flow::make_layout(ctx, doc.title.empty() ? " " : doc.title, line);
  f.header_rule_y = kTop + flow::height_of(f.institution) + 1 + flow::height_of(f.title) + 4;
  f.body_top = f.header_rule_y + 20;

  double bottom = kPageH - kBottom;
  if (!doc.footer_note.empty()) {
    f.note = flow::make_layout(ctx, doc.footer_note, {.font = flow::kFontFooter, .width = kBodyW,
                                                      .max_height = 40});
    bottom -= flow::height_of(f.note) + 3;
  }
  f.footer_line_h = flow::height_of(flow::make_layout(ctx, "Página 0", {.font = flow::kFontFooter}));
  f.footer_rule_y = bottom - f.footer_line_h - 5;
  f.body_bottom = f.footer_rule_y - 14;
  return f;
}

void draw_furniture(cairo_t* cr, PangoContext* ctx, const Furniture& f, const PdfDocument& doc,
                    int page, int pages) {
  flow::draw_layout(cr, f.institution, kLeft, kTop, flow::kInk);
  flow::draw_layout(cr, f.title, kLeft, kTop + flow::height_of(f.institution) + 1, flow::kMuted);
  // Header rule: a short institutional-red segment, then a thin grey line.
  cairo_set_line_width(cr, 1.6);
  flow::set_color(cr, flow::kAccent);
  cairo_move_to(cr, kLeft, f.header_rule_y);
  cairo_line_to(cr, kLeft + 56, f.header_rule_y);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 0.5);
  flow::set_color(cr, flow::kRule);
  cairo_move_to(cr, kLeft + 56, f.header_rule_y);
  cairo_line_to(cr, kLeft + kBodyW, f.header_rule_y);
  cairo_stroke(cr);

  cairo_move_to(cr, kLeft, f.footer_rule_y);
  cairo_line_to(cr, kLeft + kBodyW, f.footer_rule_y);
  cairo_stroke(cr);
  const double y = f.footer_rule_y + 5;
  if (!doc.verification_code.empty()) {
    TextOptions o{.font = flow::kFontFooter, .width = kBodyW * 0.7, .single_line = true};
    const char* label = doc.lang == Lang::en ? "Verification code: " : "Código de verificación: ";
    flow::draw_layout(cr, flow::make_layout(ctx, label + doc.verification_code, o),
                      kLeft, y, flow::kMuted);
  }
  LayoutPtr number = flow::make_layout(
      ctx, (doc.lang == Lang::en ? "Page " : "Página ") + std::to_string(page) + (doc.lang == Lang::en ? " of " : " de ") +
               std::to_string(pages),
      {.font = flow::kFontFooter});
  flow::draw_layout(cr, number, kLeft + kBodyW - flow::width_of(number), y, flow::kMuted);
  if (f.note) flow::draw_layout(cr, f.note, kLeft, y + f.footer_line_h + 3, flow::kMuted);
}

// The title block of page 1: title and subtitle, centred.
Unit title_unit(PangoContext* ctx, const PdfDocument& doc) {
  Unit u;
  LayoutPtr title = flow::make_layout(
      ctx, doc.title, {.font = flow::kFontTitle, .width = kBodyW, .align = PANGO_ALIGN_CENTER});
  LayoutPtr subtitle;
  u.height = flow::height_of(title) + 6;
  if (!doc.subtitle.empty()) {
    subtitle = flow::make_layout(ctx, doc.subtitle, {.font = flow::kFontSubtitle, .width = kBodyW,
                                                     .align = PANGO_ALIGN_CENTER});
    u.height += flow::height_of(subtitle) + 2;
  }
  u.height += 6;
  u.keep_with_next = true;
  u.draw = [title, subtitle](cairo_t* cr, double x, double y) {
    flow::draw_layout(cr, title, x, y, flow::kNavy);
    if (subtitle) flow::draw_layout(cr, subtitle, x, y + flow::height_of(title) + 6, flow::kMuted);
  };
  return u;
}

struct Placed {
  const Unit* unit;
  double y;
};
using Page = std::vector<Placed>;

// Places units on pages between `top` and `bottom`, honouring keep_with_next chains (when the
// chain fits on one page) and repeating table headers.
std::vector<Page> paginate(const std::vector<Unit>& units, double top, double bottom) {
  std::vector<Page> pages(1);
  double y = top;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    const bool empty = pages.back().empty();
    const double own = (empty ? 0 : u.space_before) + u.height;
    double chain = own;
    for (std::size_t j = i; j + 1 < units.size() && units[j].keep_with_next; ++j) {
      chain += units[j + 1].space_before + units[j + 1].height;
    }
    const double need = chain <= bottom - top ? chain : own;
    if (!empty && y + need > bottom + 0.01) {
      pages.emplace_back();
      y = top;
      if (u.repeat_header) {
        pages.back().push_back({u.repeat_header.get(), y});
        y += u.repeat_header->height;
      }
    }
    if (!pages.back().empty()) y += u.space_before;
    pages.back().push_back({&u, y});
    y += u.height;
  }
  return pages;
}

Error render_failed(cairo_status_t status) {
  return make_error(Code::internal, "docs.render_failed", "No se pudo generar el PDF.",
                    "The PDF could not be generated.")
      .with("cairo", cairo_status_to_string(status));
}

}  // namespace

Result<std::string> render_pdf(const PdfDocument& doc) {
  if (!doc.created_at.empty() && !is_pdf_date(doc.created_at)) {
    return make_error(Code::invalid_argument, "docs.created_at",
                      "La fecha de creación debe tener la forma AAAA-MM-DDThh:mm:ss.",
                      "The creation date must look like YYYY-MM-DDThh:mm:ss.")
        .with("created_at", doc.created_at);
  }
  std::string bytes;
  SurfacePtr surface(cairo_pdf_surface_create_for_stream(append_bytes, &bytes, kPageW, kPageH));
  CairoPtr cr(cairo_create(surface.get()));
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) return render_failed(cairo_status(cr.get()));

  // A font map of our own per call: Pango's default map is per thread and never freed, and
  // nothing here may be shared between concurrent renders.
  FontMapPtr font_map(pango_cairo_font_map_new());
  ContextPtr ctx(pango_font_map_create_context(font_map.get()));
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(ctx.get(), options);
  cairo_font_options_destroy(options);
  pango_cairo_context_set_resolution(ctx.get(), 72);
  pango_context_set_round_glyph_positions(ctx.get(), FALSE);
  pango_context_set_language(ctx.get(), pango_language_from_string("es"));
  pango_cairo_update_context(cr.get(), ctx.get());

  const Furniture furniture = measure_furniture(ctx.get(), doc);
  const double body_h = furniture.body_bottom - furniture.body_top;
  std::vector<Unit> units;
  if (!doc.title.empty() || !doc.subtitle.empty()) units.push_back(title_unit(ctx.get(), doc));
  if (Status s = flow::append_units(ctx.get(), doc.blocks, kBodyW, body_h, units); !s) {
    return s.error();
  }
  const std::vector<Page> pages = paginate(units, furniture.body_top, furniture.body_bottom);

  const std::string keywords =
      doc.verification_code.empty() ? "pasaprod"
      : (doc.lang == Lang::en ? "pasaprod; verification code " : "pasaprod; código de verificación ") + doc.verification_code;
  cairo_surface_t* s = surface.get();
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, doc.title.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, doc.institution.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, doc.subtitle.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS, keywords.c_str());
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "pasaprod");
  if (!doc.created_at.empty()) {
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, doc.created_at.c_str());
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, doc.created_at.c_str());
  }

  const int page_count = static_cast<int>(pages.size());
  for (int p = 0; p < page_count; ++p) {
    draw_furniture(cr.get(), ctx.get(), furniture, doc, p + 1, page_count);
    for (const Placed& placed : pages[static_cast<std::size_t>(p)]) {
      cairo_save(cr.get());
      placed.unit->draw(cr.get(), kLeft, placed.y);
      cairo_restore(cr.get());
    }
    cairo_show_page(cr.get());
  }
  const cairo_status_t drawn = cairo_status(cr.get());
  cr.reset();
  cairo_surface_finish(s);
  const cairo_status_t finished = cairo_surface_status(s);
  if (drawn != CAIRO_STATUS_SUCCESS) return render_failed(drawn);
  if (finished != CAIRO_STATUS_SUCCESS) return render_failed(finished);
  return bytes;
}

}  // namespace pasaprod::docs
