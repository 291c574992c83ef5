#include "docs/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace pasaprod::docs {
namespace {

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

// A small well-formedness check: tags balance, attribute values are quoted, and text holds no raw
// '<' or stray '&'.
bool well_formed(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  for (std::size_t i = 0; i < xml.size();) {
    if (xml[i] == '&') {
      const std::size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 1 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&#39;") {
        *why = "bad entity at " + std::to_string(i);
        return false;
      }
      i = semi + 1;
      continue;
    }
    if (xml[i] != '<') {
      if (xml[i] == '>') {
        *why = "raw '>' at " + std::to_string(i);
        return false;
      }
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    bool quoted = false;
    while (end < xml.size() && (quoted || xml[end] != '>')) {
      if (xml[end] == '"') quoted = !quoted;
      if (xml[end] == '<') {
        *why = "'<' inside a tag at " + std::to_string(end);
        return false;
      }
      ++end;
    }
    if (end >= xml.size()) {
      *why = "unterminated tag";
      return false;
    }
    const std::string tag = xml.substr(i + 1, end - i - 1);
    const std::string name = tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" />", 1) - (tag[0] == '/' ? 1 : 0));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name) {
        *why = "unbalanced </" + name + ">";
        return false;
      }
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
    i = end + 1;
  }
  if (!open.empty()) *why = "unclosed <" + open.back() + ">";
  return open.empty();
}

Chart sample() {
  Chart c;
  c.id = "adherencia";
  c.title = "Adherencia al procedimiento <&> 2025";
  c.x_label = "Mes";
  c.y_label = "Solicitudes";
  c.categories = {"Ene", "Feb", "Mar", "Año \"<&>\""};
  c.series = {{"SIAGIE", {4, 6.5, 3, 10}}, {"PerúEduca", {2, 0, 5, 1}}};
  return c;
}

TEST(SvgChart, BarChartIsWellFormedAndEscaped) {
  Result<std::string> svg = bar_chart_svg(sample());
  ASSERT_TRUE(svg.ok()) << svg.error().en;
  EXPECT_EQ(svg->rfind("<svg ", 0), 0u);
  EXPECT_TRUE(contains(*svg, "viewBox=\"0 0 640 360\""));
  EXPECT_TRUE(contains(*svg, "<title id=\"adherencia-title\">Adherencia al procedimiento &lt;&amp;&gt; 2025</title>"));
  EXPECT_TRUE(contains(*svg, "Año &quot;&lt;&amp;&gt;&quot;"));
  EXPECT_FALSE(contains(*svg, "<&>"));
  EXPECT_TRUE(contains(*svg, "PerúEduca"));
  EXPECT_TRUE(contains(*svg, ">Solicitudes</text>"));
  EXPECT_TRUE(contains(*svg, ">Mes</text>"));
  EXPECT_EQ(svg->substr(svg->size() - 7), "</svg>\n");
  std::string why;
  EXPECT_TRUE(well_formed(*svg, &why)) << why;
  // 8 values, 8 bars (plus the background and 2 legend swatches).
  std::size_t rects = 0;
  for (std::size_t at = 0; (at = svg->find("<rect", at)) != std::string::npos; ++at) ++rects;
  EXPECT_EQ(rects, 8u + 1u + 2u);
}

TEST(SvgChart, LineChartIsWellFormedAndBreaksAtMissingData) {
  Chart c = sample();
  c.series[0].values[1] = std::numeric_limits<double>::quiet_NaN();
  Result<std::string> svg = line_chart_svg(c);
  ASSERT_TRUE(svg.ok()) << svg.error().en;
  std::string why;
  EXPECT_TRUE(well_formed(*svg, &why)) << why;
  EXPECT_TRUE(contains(*svg, "<path d=\"M"));
  EXPECT_TRUE(contains(*svg, " M"));  // the gap
  EXPECT_FALSE(contains(*svg, "nan"));
  EXPECT_FALSE(contains(*svg, "inf"));
}

TEST(SvgChart, AllZeroDataHasAUsableAxis) {
  Chart c;
  c.title = "Reversiones";
  c.categories = {"Ene", "Feb"};
  c.series = {{"Total", {0, 0}}};
  for (auto* render : {&bar_chart_svg, &line_chart_svg}) {
    Result<std::string> svg = render(c);
    ASSERT_TRUE(svg.ok());
    std::string why;
    EXPECT_TRUE(well_formed(*svg, &why)) << why;
    EXPECT_FALSE(contains(*svg, "nan"));
    EXPECT_FALSE(contains(*svg, "inf"));
    EXPECT_TRUE(contains(*svg, ">1</text>")) << *svg;  // axis 0..1
    EXPECT_FALSE(contains(*svg, "legend"));
  }
}

TEST(SvgChart, TicksAreNiceNumbers) {
  Chart c;
  c.title = "t";
  c.categories = {"a"};
  c.series = {{"s", {0.037}}};
  Result<std::string> svg = bar_chart_svg(c);
  ASSERT_TRUE(svg.ok());
  EXPECT_TRUE(contains(*svg, ">0.01</text>")) << *svg;
  EXPECT_TRUE(contains(*svg, ">0.04</text>"));
  c.series = {{"s", {87}}};
  svg = bar_chart_svg(c);
  EXPECT_TRUE(contains(*svg, ">100</text>")) << *svg;
  EXPECT_TRUE(contains(*svg, ">20</text>"));
}

TEST(SvgChart, ManyLongCategoriesAreRotatedAndShortened) {
  Chart c;
  c.title = "Por sistema";
  for (int i = 0; i < 12; ++i) c.categories.push_back("Sistema de gestión número " + std::to_string(i));
  c.series = {{"n", std::vector<double>(12, 3)}};
  Result<std::string> svg = bar_chart_svg(c);
  ASSERT_TRUE(svg.ok());
  EXPECT_TRUE(contains(*svg, "rotate(-35"));
  EXPECT_TRUE(contains(*svg, "…"));
  std::string why;
  EXPECT_TRUE(well_formed(*svg, &why)) << why;
}

TEST(SvgChart, RejectsBadInput) {
  Chart c = sample();
  c.series[0].values.pop_back();
  EXPECT_EQ(bar_chart_svg(c).error().id, "chart.series_length");
  c = sample();
  c.series[1].values[0] = -1;
  EXPECT_EQ(line_chart_svg(c).error().id, "chart.negative");
  c = sample();
  c.categories.clear();
  c.series.clear();
  EXPECT_EQ(bar_chart_svg(c).error().id, "chart.empty");
  c = sample();
  c.width = 10;
  EXPECT_EQ(bar_chart_svg(c).error().id, "chart.size");
}

TEST(XmlEscape, EscapesSpecialsAndRepairsBadUtf8) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xml_escape("ñandú ¿?"), "ñandú ¿?");
  EXPECT_EQ(xml_escape("x\xff" "y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(xml_escape(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD");        // truncated sequence
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

}  // namespace
}  // namespace pasaprod::docs
