#include "web/catalog.h"

#include <cstdio>

namespace pasaprod::web {

using nlohmann::json;

namespace {

Status flatten(const json& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      if (auto st = flatten(*it, key, out); !st) return st;
    } else if (it->is_string()) {
      out[key] = it->get<std::string>();
    } else {
      return make_error(Code::invalid_argument, "catalog.bad_value", "El catálogo tiene un valor que no es texto en «" + key + "».",
                        "The catalog has a non-string value at \"" + key + "\".");
    }
  }
  return ok_status();
}

Result<json> parse_tree(std::string_view text, std::map<std::string, std::string>& flat) {
  json tree = json::parse(text, nullptr, false);
  if (!tree.is_object()) {
    return make_error(Code::invalid_argument, "catalog.malformed", "El catálogo no es un objeto JSON válido.",
                      "The catalog is not a valid JSON object.");
  }
  if (auto st = flatten(tree, "", flat); !st) return st.error();
  return tree;
}

struct Civil {
  long long y;
  unsigned m, d;
  int hh, mm;
};

Civil civil(Timestamp local) {
  long long secs = local / 1000;
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long long rem = secs - days * 86400;
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<long long>(yoe) + era * 400 + (m <= 2), m, d, static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60)};
}

std::string two(long long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02lld", v);
  return buf;
}

}  // namespace

Result<Catalog> Catalog::parse(std::string_view es_json, std::string_view en_json) {
  Catalog c;
  auto es = parse_tree(es_json, c.es_);
  if (!es) return es.error();
  auto en = parse_tree(en_json, c.en_);
  if (!en) return en.error();
  c.es_tree_ = std::move(*es);
  c.en_tree_ = std::move(*en);
  return c;
}

std::string Catalog::text(Lang lang, std::string_view key) const {
  const auto& m = flat(lang);
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string(key) : it->second;
}

bool Catalog::has(Lang lang, std::string_view key) const { return flat(lang).count(std::string(key)) > 0; }

std::string Catalog::format(Lang lang, std::string_view key, const std::vector<std::pair<std::string, std::string>>& args) const {
  std::string s = text(lang, key);
  for (const auto& [name, value] : args) {
    const std::string token = "{" + name + "}";
    for (auto pos = s.find(token); pos != std::string::npos; pos = s.find(token, pos + value.size())) s.replace(pos, token.size(), value);
  }
  return s;
}

std::vector<std::string> Catalog::mismatched_keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : es_) {
    if (!en_.count(k)) out.push_back("en: " + k);
  }
  for (const auto& [k, v] : en_) {
    if (!es_.count(k)) out.push_back("es: " + k);
  }
  return out;
}

std::vector<std::string> Catalog::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : es_) out.push_back(k);
  return out;
}

std::string Catalog::datetime(Lang lang, Timestamp t, const TimeZone& zone) const {
  if (t == 0) return "";
  const Civil c = civil(zone.to_local(t));
  return format(lang, "format.datetime",
                {{"y", std::to_string(c.y)}, {"m", two(c.m)}, {"d", two(c.d)}, {"H", two(c.hh)}, {"M", two(c.mm)}});
}

std::string Catalog::date(Lang lang, Timestamp t, const TimeZone& zone) const {
  if (t == 0) return "";
  const Civil c = civil(zone.to_local(t));
  return format(lang, "format.date", {{"y", std::to_string(c.y)}, {"m", two(c.m)}, {"d", two(c.d)}});
}

std::string Catalog::integer(Lang lang, std::int64_t n) const {
  const std::string sep = text(lang, "format.thousands");
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += sep;
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Catalog::size(Lang lang, std::int64_t bytes) const {
  if (bytes < 1024) return format(lang, "format.bytes", {{"n", integer(lang, bytes)}});
  const char* units[] = {"KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (auto dot = s.find('.'); dot != std::string::npos) s.replace(dot, 1, text(lang, "format.decimal"));
  return s + " " + units[u];
}

}  // namespace pasaprod::web
