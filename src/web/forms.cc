#include "web/forms.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace pasaprod::web {

using nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The record's keys, plus optional ones worth offering (a vote's reason, `note`).
std::vector<std::string> keys_for(const RecordTypeDef& def) {
  std::vector<std::string> keys = def.keys;
  if (def.is == "vote" && std::find(keys.begin(), keys.end(), "note") == keys.end()) keys.push_back("note");
  return keys;
}

// The format of a key as a form shows it: declared, or "text" for a vote's reason.
std::string format_of(const RecordTypeDef& def, const std::string& key) {
  if (def.is == "vote" && key == "note" && !def.formats.count(key)) return "text";
  return def.format_of(key);
}

}  // namespace

json record_form(const Page& page, const RecordTypeDef& def, const KindDef& kind, const std::map<std::string, std::string>& values) {
  json fields = json::array();
  auto value_of = [&](const std::string& key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  for (const auto& key : keys_for(def)) {
    json f = {{"key", key}, {"id", "f-" + def.code + "-" + key}, {"name", "f_" + key}, {"label", page.t("field." + key)},
              {"value", value_of(key)}};
    const std::string format = format_of(def, key);
    if (auto choice = def.choices.find(key); choice != def.choices.end()) {
      json opts = json::array();
      // No choice is made for the person: the first option asks for one.
      opts.push_back({{"value", ""}, {"label", page.t("release.choose")}, {"selected", value_of(key).empty()}});
      for (const auto& c : choice->second) {
        opts.push_back({{"value", c}, {"label", value_label(page, key, c)}, {"selected", value_of(key) == c}});
      }
      f["select"] = true;
      f["options"] = opts;
    } else if (format == "steps") {
      json checks = json::array();
      const auto chosen = split(value_of(key));
      for (const auto& s : kind.deployment_steps) {
        const bool on = values.count(key) ? std::count(chosen.begin(), chosen.end(), s) > 0 : true;
        checks.push_back({{"value", s}, {"label", kind.step_labels.count(s) ? kind.step_name(s, page.lang) : value_label(page, "steps", s)}, {"checked", on}, {"id", "f-" + key + "-" + s}});
      }
      f["checks"] = checks;
      f["has_checks"] = true;
    } else if (format == "time") {
      f["datetime"] = true;
    } else if (format == "date") {
      f["date"] = true;
    } else if (format == "text") {
      f["textarea"] = true;
    } else {
      f["text"] = true;
      if (format == "sha256") f["mono"] = true;
    }
    fields.push_back(f);
  }
  return {{"type", def.code}, {"name", def.label.get(page.lang)}, {"fields", fields}, {"no_fields", fields.empty()},
          {"help", page.cat->has(page.lang, "record_help." + def.code) ? page.t("record_help." + def.code) : ""}};
}

std::map<std::string, std::string> record_fields(const Page& page, const RecordTypeDef& def, std::map<std::string, std::string>& typed) {
  std::map<std::string, std::string> out;
  for (const auto& key : keys_for(def)) {
    if (def.format_of(key) == "steps") {
      std::string joined;
      for (const auto& v : page.form_all("f_" + key)) joined += (joined.empty() ? "" : ",") + v;
      typed[key] = joined;
      out[key] = joined;
      continue;
    }
    const std::string v = page.form("f_" + key);
    typed[key] = v;
    out[key] = def.format_of(key) == "time" ? local_to_iso(page, v) : v;
  }
  return out;
}

std::string value_label(const Page& page, const std::string& key, const std::string& value) {
  const std::string k = "value." + key + "." + value;
  return page.cat->has(page.lang, k) ? page.t(k) : value;
}

std::string step_label(const Page& page, const std::string& code) {
  for (const KindDef& k : page.proc().kinds) {
    if (k.step_labels.count(code)) return k.step_name(code, page.lang);
  }
  return value_label(page, "steps", code);
}

std::string field_display(const Page& page, const RecordTypeDef* def, const std::string& key, const std::string& value) {
  if (!def) return value;
  const std::string format = def->format_of(key);
  if (format == "time") return page.when_iso(value);
  if (def->choices.count(key)) return value_label(page, key, value);
  if (format == "steps") {
    std::string out;
    for (const auto& s : split(value)) out += (out.empty() ? "" : ", ") + step_label(page, s);
    return out;
  }
  return value;
}

std::string local_to_iso(const Page& page, const std::string& local) {
  if (local.empty()) return "";
  auto t = parse_local(local, *page.zone);
  return t ? format_iso(*t) : local;
}

std::string iso_to_local(const Page& page, Timestamp t) {
  std::string iso = format_iso(page.zone->to_local(t));
  return iso.substr(0, 16);
}

int committee_votes_needed(Office& office) {
  const std::string role = office.current_procedure().committee_role;
  int members = 0;
  if (auto users = office.users()) {
    for (const auto& u : *users) {
      if (u.active && u.holds(role, "")) ++members;
    }
  }
  std::optional<std::string> q;
  (void)office.store().read([&](ReadTx& tx) -> Status {
    q = tx.setting("committee.quorum");
    return ok_status();
  });
  const std::string quorum = q.value_or(office.current_procedure().committee_quorum);
  if (quorum.empty() || quorum == "majority") return members / 2 + 1;
  try {
    return std::stoi(quorum);
  } catch (...) {
    return members / 2 + 1;
  }
}

}  // namespace pasaprod::web
