// Message catalogs: every visible string of the web interface, in Spanish and English.
//
// A catalog is a JSON object of nested sections whose leaves are strings (web/i18n/es.json,
// web/i18n/en.json). Keys are dotted paths ("nav.inbox"). Templates read them as
// {{t.nav.inbox}}; C++ asks text()/format(). Dates and numbers are formatted with the patterns
// of the catalog's "format" section.
//
//   Result<Catalog> c = Catalog::parse(es_json, en_json);
//   c->format(Lang::en, "list.page", {{"page", "2"}, {"pages", "7"}});   // "Page 2 of 7"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"
#include "core/time_zone.h"

namespace pasaprod::web {

class Catalog {
 public:
  // invalid_argument when either text is not a JSON object of objects/strings.
  static Result<Catalog> parse(std::string_view es_json, std::string_view en_json);

  // The string at `key`; the key itself when missing (so a gap shows, never crashes).
  std::string text(Lang lang, std::string_view key) const;
  bool has(Lang lang, std::string_view key) const;
  // text() with every "{name}" replaced by its value (values are not escaped: templates do that).
  std::string format(Lang lang, std::string_view key, const std::vector<std::pair<std::string, std::string>>& args) const;
  // The nested object, for templates.
  const nlohmann::json& tree(Lang lang) const { return lang == Lang::en ? en_tree_ : es_tree_; }

  // Keys present in one catalog and not in the other: "en: nav.inbox" (missing in en).
  std::vector<std::string> mismatched_keys() const;
  // Every key of the Spanish catalog.
  std::vector<std::string> keys() const;

  // "28/11/2026 10:54" (es) / "2026-11-28 10:54" (en): the wall time of `t` in `zone`; "" for 0.
  std::string datetime(Lang lang, Timestamp t, const TimeZone& zone) const;
  std::string date(Lang lang, Timestamp t, const TimeZone& zone) const;
  // "1.234.567" / "1,234,567".
  std::string integer(Lang lang, std::int64_t n) const;
  // "1,5 MB" / "1.5 MB".
  std::string size(Lang lang, std::int64_t bytes) const;

 private:
  nlohmann::json es_tree_, en_tree_;
  std::map<std::string, std::string> es_, en_;
  const std::map<std::string, std::string>& flat(Lang lang) const { return lang == Lang::en ? en_ : es_; }
};

}  // namespace pasaprod::web
