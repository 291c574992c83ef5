#include "cli/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace pasaprod {
namespace {

constexpr std::size_t kMaxConfigBytes = 64 * 1024;
// Global options a service needs in its file; every other key must be an option of serve.
const char* const kGlobalKeys[] = {"db", "lang", "anchor-key", "anchor-witness", "anchor-tsa",
                                   "anchor-tsa-dir", "anchor-tsa-interval", "data-dir", "library", "document-key"};
// Options of serve that make no sense in the file.
const char* const kRefusedKeys[] = {"config", "help", "help-all"};

Error config_error(const char* id, const std::string& path, const std::string& es, const std::string& en) {
  return make_error(Code::invalid_argument, id, "Configuración " + path + ": " + es, "Configuration " + path + ": " + en)
      .with("path", path);
}

CLI::Option* option_for(CLI::App& serve_cmd, const std::string& key) {
  for (const char* r : kRefusedKeys) {
    if (key == r) return nullptr;
  }
  for (const char* g : kGlobalKeys) {
    if (key == g) return serve_cmd.get_parent()->get_option_no_throw("--" + key);
  }
  return serve_cmd.get_option_no_throw("--" + key);
}

std::string valid_keys(CLI::App& serve_cmd) {
  std::string out;
  for (const char* g : kGlobalKeys) out += std::string(out.empty() ? "" : ", ") + g;
  for (const CLI::Option* o : serve_cmd.get_options()) {
    for (const std::string& name : o->get_lnames()) {
      if (option_for(serve_cmd, name) == o) out += ", " + name;
    }
  }
  return out;
}

}  // namespace

Status apply_serve_config(CLI::App& serve_cmd, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) {
    text.resize(kMaxConfigBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (!in && !in.eof()) {
    return config_error("config.unreadable", path, "no se puede leer el archivo.", "the file cannot be read.");
  }
  if (text.size() > kMaxConfigBytes) {
    return config_error("config.unreadable", path, "el archivo pasa de 64 KiB.", "the file is larger than 64 KiB.");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return config_error("config.malformed", path, std::string("no es YAML válido: ") + e.what(),
                        std::string("not valid YAML: ") + e.what());
  }
  if (root.IsNull()) return ok_status();  // an empty file (or only comments)
  if (!root.IsMap()) {
    return config_error("config.malformed", path, "debe ser un mapa «clave: valor».", "it must be a \"key: value\" mapping.");
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    CLI::Option* opt = option_for(serve_cmd, key);
    if (opt == nullptr) {
      return config_error("config.unknown_key", path,
                          "«" + key + "» no es una opción de serve. Claves válidas: " + valid_keys(serve_cmd) + ".",
                          "\"" + key + "\" is not a serve option. Valid keys: " + valid_keys(serve_cmd) + ".")
          .with("key", key);
    }
    if (opt->count() > 0) continue;  // given on the command line: it wins
    std::vector<std::string> values;
    const YAML::Node& v = kv.second;
    if (v.IsScalar()) {
      values.push_back(v.Scalar());
    } else if (v.IsSequence() && opt->get_items_expected_max() > 1) {
      for (const auto& item : v) {
        if (!item.IsScalar()) values.clear();
        if (!item.IsScalar()) break;
        values.push_back(item.Scalar());
      }
      if (values.size() != v.size()) values.clear();
    }
    if (values.empty()) {
      return config_error("config.bad_value", path, "el valor de «" + key + "» debe ser " +
                              (opt->get_items_expected_max() > 1 ? "un texto o una lista de textos." : "un solo valor."),
                          "the value of \"" + key + "\" must be " +
                              (opt->get_items_expected_max() > 1 ? "a scalar or a list of scalars." : "a single scalar."))
          .with("key", key);
    }
    try {
      opt->clear();
      for (const auto& value : values) opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return config_error("config.bad_value", path, "valor no válido para «" + key + "»: " + e.what(),
                          "invalid value for \"" + key + "\": " + e.what())
          .with("key", key);
    }
  }
  return ok_status();
}

}  // namespace pasaprod
