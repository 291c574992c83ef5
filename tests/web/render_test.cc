// The template layer: escaping by default, sections over JSON data, embedded templates valid.
#include <gtest/gtest.h>

#include "web/assets.h"
#include "web/render.h"

namespace pasaprod::web {
namespace {

using nlohmann::json;

TEST(Render, EscapesHtmlByDefault) {
  auto out = render_template("<p title=\"{{v}}\">{{v}}</p>", {{"v", "<script>alert('x')</script>&\""}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "<p title=\"&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&amp;&quot;\">"
                  "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&amp;&quot;</p>");
}

TEST(Render, TripleBracesAreRaw) {
  auto out = render_template("{{{html}}}", {{"html", "<b>x</b>"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "<b>x</b>");
}

TEST(Render, SectionsFollowJsonTruth) {
  const json data = {{"items", {{{"n", "a"}}, {{"n", "b"}}}}, {"none", json::array()}, {"empty", ""}, {"no", false}, {"nul", nullptr}};
  auto out = render_template("{{#items}}[{{n}}]{{/items}}{{^none}}0{{/none}}{{^empty}}E{{/empty}}{{^no}}F{{/no}}{{^nul}}N{{/nul}}", data);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "[a][b]0EFN");
}

TEST(Render, DottedNamesReachOuterContexts) {
  auto out = render_template("{{#rows}}{{t.x}}{{n}} {{/rows}}", {{"t", {{"x", "#"}}}, {"rows", {{{"n", 1}}, {{"n", 2}}}}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "#1 #2 ");
}

TEST(Render, MalformedTemplateIsAnError) {
  auto out = render_template("{{#open}}never closed", json::object());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().id, "template.invalid");
}

TEST(Render, EveryEmbeddedTemplateParses) {
  int n = 0;
  for (const auto& f : embedded_files()) {
    if (f.path.rfind("templates/", 0) != 0) continue;
    auto out = render_template(std::string(f.content), json::object());
    EXPECT_TRUE(out.ok()) << f.path << ": " << (out.ok() ? "" : out.error().en);
    ++n;
  }
  EXPECT_GE(n, 10);
}

TEST(Render, AssetsRefuseEscapingPaths) {
  Assets assets;
  EXPECT_TRUE(assets.get("assets/app.css").has_value());
  EXPECT_FALSE(assets.get("../CMakeLists.txt").has_value());
  EXPECT_FALSE(assets.get("/etc/passwd").has_value());
  EXPECT_FALSE(assets.get("assets/none.css").has_value());
}

}  // namespace
}  // namespace pasaprod::web
