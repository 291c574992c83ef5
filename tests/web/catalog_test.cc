// The message catalogs compiled into the binary: both languages have the same keys, every key
// a template or the pages use exists, and dates/numbers follow each language's format.
#include <gtest/gtest.h>

#include <regex>

#include "web/assets.h"
#include "util/zoneinfo.h"
#include "web/catalog.h"

namespace pasaprod::web {
namespace {

Catalog embedded_catalog() {
  Assets assets;
  auto c = Catalog::parse(assets.get("i18n/es.json").value_or(""), assets.get("i18n/en.json").value_or(""));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().en);
  return c.ok() ? *c : *Catalog::parse("{}", "{}");
}

TEST(Catalog, EveryKeyIsInBothLanguages) {
  Catalog c = embedded_catalog();
  EXPECT_GT(c.keys().size(), 200u);
  for (const auto& k : c.mismatched_keys()) ADD_FAILURE() << "missing " << k;
}

TEST(Catalog, EveryKeyUsedByATemplateExists) {
  Catalog c = embedded_catalog();
  const std::regex tag(R"(\{\{[#^/]?t\.([a-z0-9_.]+)\}\})");
  int checked = 0;
  for (const auto& f : embedded_files()) {
    if (f.path.rfind("templates/", 0) != 0) continue;
    const std::string text(f.content);
    for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it) {
      const std::string key = (*it)[1];
      EXPECT_TRUE(c.has(Lang::es, key) && c.has(Lang::en, key)) << f.path << ": " << key;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Catalog, TranslationsDiffer) {
  Catalog c = embedded_catalog();
  EXPECT_EQ(c.text(Lang::es, "nav.inbox"), "Mis pendientes");
  EXPECT_NE(c.text(Lang::en, "nav.inbox"), c.text(Lang::es, "nav.inbox"));
}

TEST(Catalog, MissingKeyShowsTheKey) {
  Catalog c = embedded_catalog();
  EXPECT_EQ(c.text(Lang::es, "no.such.key"), "no.such.key");
}

TEST(Catalog, FormatsDatesAndNumbersPerLanguage) {
  Catalog c = embedded_catalog();
  const Timestamp t = *parse_iso("2026-11-28T15:04:00Z");
  auto lima = load_time_zone("America/Lima");
  auto madrid = load_time_zone("Europe/Madrid");
  ASSERT_TRUE(lima && madrid);
  EXPECT_EQ(c.datetime(Lang::es, t, *lima), "28/11/2026 10:04");
  EXPECT_EQ(c.datetime(Lang::en, t, *lima), "2026-11-28 10:04");
  EXPECT_EQ(c.date(Lang::es, *parse_iso("2026-01-01T02:00:00Z"), *lima), "31/12/2025");
  // A zone with daylight saving time: +01 in winter, +02 in summer.
  EXPECT_EQ(c.datetime(Lang::es, t, *madrid), "28/11/2026 16:04");
  EXPECT_EQ(c.datetime(Lang::es, *parse_iso("2026-07-01T15:04:00Z"), *madrid), "01/07/2026 17:04");
  EXPECT_EQ(c.integer(Lang::es, 1234567), "1.234.567");
  EXPECT_EQ(c.integer(Lang::en, 1234567), "1,234,567");
  EXPECT_EQ(c.size(Lang::es, 1536), "1,5 KB");
  EXPECT_EQ(c.size(Lang::en, 1536), "1.5 KB");
  EXPECT_EQ(c.format(Lang::en, "list.page", {{"page", "2"}, {"pages", "7"}}), "Page 2 of 7");
}

TEST(Catalog, RefusesMalformedCatalogs) {
  EXPECT_FALSE(Catalog::parse("[1]", "{}").ok());
  EXPECT_FALSE(Catalog::parse("{\"a\": 1}", "{}").ok());
  EXPECT_FALSE(Catalog::parse("{", "{}").ok());
}

}  // namespace
}  // namespace pasaprod::web
