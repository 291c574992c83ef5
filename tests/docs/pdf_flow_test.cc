// Tests of the internal text layout helpers of render_pdf().
#include "docs/pdf_flow.h"

#include <gtest/gtest.h>

#include <memory>

namespace pasaprod::docs::flow {
namespace {

struct GObjectDeleter {
  void operator()(void* object) const { g_object_unref(object); }
};

class PdfFlowTest : public ::testing::Test {
 protected:
  std::unique_ptr<PangoFontMap, GObjectDeleter> font_map_{pango_cairo_font_map_new()};
  std::unique_ptr<PangoContext, GObjectDeleter> ctx_{pango_font_map_create_context(font_map_.get())};
};

// Regression: Pango drew a "-" where it broke a digest over two lines (invisible to pdftotext,
// but wrong on paper and when retyped). Every line must have one glyph per character.
TEST_F(PdfFlowTest, LongWordsBreakWithoutInsertedHyphens) {
  const std::string digest(64, 'a');
  LayoutPtr layout = make_layout(ctx_.get(), digest + " " + digest, {.font = kFontMono, .width = 120});
  ASSERT_GT(pango_layout_get_line_count(layout.get()), 2);
  const char* text = pango_layout_get_text(layout.get());
  for (GSList* l = pango_layout_get_lines_readonly(layout.get()); l != nullptr; l = l->next) {
    auto* line = static_cast<PangoLayoutLine*>(l->data);
    int glyphs = 0;
    for (GSList* r = line->runs; r != nullptr; r = r->next) {
      glyphs += static_cast<PangoGlyphItem*>(r->data)->glyphs->num_glyphs;
    }
    const long chars = g_utf8_strlen(text + line->start_index, line->length);
    // A line may end in the breaking space, which gets a glyph too.
    EXPECT_EQ(glyphs, chars) << "line at byte " << line->start_index;
  }
}

TEST_F(PdfFlowTest, ParagraphLinesKeepOrphansAndWidowsWithNeighbours) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "palabra ";
  std::vector<Unit> units;
  append_lines(make_layout(ctx_.get(), text, {.width = 200}), 7, kInk, units);
  ASSERT_GE(units.size(), 4u);
  EXPECT_EQ(units.front().space_before, 7);
  EXPECT_TRUE(units.front().keep_with_next);
  EXPECT_FALSE(units[1].keep_with_next);
  EXPECT_TRUE(units[units.size() - 2].keep_with_next);
  EXPECT_FALSE(units.back().keep_with_next);
  for (const Unit& u : units) EXPECT_GT(u.height, 5);
}

}  // namespace
}  // namespace pasaprod::docs::flow
