#include "http/json_schema.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace pasaprod::http {

namespace {

struct TypeName {
  const char* json;
  const char* es;
  const char* en;
};

constexpr TypeName kTypes[] = {
    {"string", "un texto", "a string"},      {"integer", "un número entero", "an integer"},
    {"number", "un número", "a number"},     {"boolean", "true o false", "true or false"},
    {"object", "un objeto", "an object"},    {"array", "una lista", "an array"},
};

std::pair<std::string, std::string> expected_words(const nlohmann::json& sub) {
  if (sub.is_object() && sub.contains("enum") && sub["enum"].is_array()) {
    std::string list;
    for (const auto& v : sub["enum"]) list += (list.empty() ? "" : ", ") + v.dump();
    return {"uno de: " + list, "one of: " + list};
  }
  if (sub.is_object() && sub.contains("type") && sub["type"].is_string()) {
    for (const TypeName& t : kTypes) {
      if (sub["type"] == t.json) return {t.es, t.en};
    }
  }
  return {"", ""};
}

std::shared_ptr<const valijson::Schema> compiled(const nlohmann::json& schema) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const valijson::Schema>> cache;
  const std::string key = schema.dump();
  std::lock_guard lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto s = std::make_shared<valijson::Schema>();
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(schema);
  parser.populateSchema(adapter, *s);  // throws on a bad schema (VALIJSON_USE_EXCEPTIONS)
  cache.emplace(key, s);
  return s;
}

}  // namespace

std::optional<Error> check_json_schema(const nlohmann::json& schema_in, const nlohmann::json& body) {
  const nlohmann::json schema = schema_in.is_null() ? nlohmann::json{{"type", "object"}} : schema_in;
  std::shared_ptr<const valijson::Schema> s;
  try {
    s = compiled(schema);
  } catch (const std::exception& e) {
    return make_error(Code::internal, "json.bad_schema", "El esquema declarado de esta ruta no es válido; avise al administrador.",
                      "This route's declared schema is not valid; tell the administrator.")
        .with("reason", e.what());
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(body);
  if (validator.validate(*s, target, &results)) return std::nullopt;

  // The deepest error names the field best; for "missing required property 'x'" the field is x.
  valijson::ValidationResults::Error err;
  std::string field;
  std::size_t depth = 0;
  bool first = true;
  while (results.popError(err)) {
    std::string name;
    for (const std::string& c : err.context) {
      if (c == "<root>") continue;
      std::string part = c;
      if (part.size() >= 2 && part.front() == '[' && part.back() == ']') part = part.substr(1, part.size() - 2);
      if (part.size() >= 2 && part.front() == '"' && part.back() == '"') part = part.substr(1, part.size() - 2);
      name += (name.empty() ? "" : ".") + part;
    }
    const std::size_t q1 = err.description.find('\'');
    const std::size_t q2 = q1 == std::string::npos ? q1 : err.description.find('\'', q1 + 1);
    if (err.description.find("required") != std::string::npos && q2 != std::string::npos) {
      name += (name.empty() ? "" : ".") + err.description.substr(q1 + 1, q2 - q1 - 1);
    }
    if (first || err.context.size() > depth) {
      field = name;
      depth = err.context.size();
      first = false;
    }
  }
  // What was expected there, from the schema (top-level properties).
  std::pair<std::string, std::string> expected{"", ""};
  if (!field.empty() && field.find('.') == std::string::npos && schema.contains("properties") &&
      schema["properties"].contains(field)) {
    expected = expected_words(schema["properties"][field]);
  } else if (field.empty()) {
    expected = expected_words(schema);
  }
  const std::string shown = field.empty() ? "(cuerpo)" : field;
  const std::string shown_en = field.empty() ? "(body)" : field;
  const bool missing = field.empty() ? false : (!body.is_object() || !body.contains(field)) && field.find('.') == std::string::npos;
  Error e = make_error(
      Code::invalid_argument, "json.invalid_body",
      missing ? fmt::format("Falta el campo «{}» en el cuerpo JSON: inclúyalo y vuelva a enviar. No se guardó nada.", shown)
              : fmt::format("El campo «{}» del cuerpo JSON no es válido{}: corríjalo y vuelva a enviar. No se guardó nada.", shown,
                            expected.first.empty() ? "" : "; debe ser " + expected.first),
      missing ? fmt::format("The field \"{}\" is missing from the JSON body: include it and send again. Nothing was kept.", shown_en)
              : fmt::format("The field \"{}\" of the JSON body is not valid{}: correct it and send again. Nothing was kept.",
                            shown_en, expected.second.empty() ? "" : "; it must be " + expected.second));
  e.with("field", field.empty() ? "body" : field);
  if (!expected.second.empty()) e.with("expected", expected.second);
  return e;
}

}  // namespace pasaprod::http
