#include "web/render.h"

#include <kainjow/mustache.hpp>

namespace pasaprod::web {

namespace mst = kainjow::mustache;

namespace {

mst::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mst::data d{mst::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), to_data(*it));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mst::data d{mst::data::type::list};
      for (const auto& e : j) d.push_back(to_data(e));
      return d;
    }
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? mst::data(false) : mst::data(s);
    }
    case nlohmann::json::value_t::boolean:
      return mst::data(j.get<bool>());
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return mst::data(false);
    default:
      return mst::data(j.dump());
  }
}

}  // namespace

Result<std::string> render_template(const std::string& tmpl, const nlohmann::json& data) {
  mst::mustache m{tmpl};
  if (!m.is_valid()) {
    return make_error(Code::invalid_argument, "template.invalid", "Plantilla inválida: " + m.error_message(),
                      "Invalid template: " + m.error_message());
  }
  std::string out = m.render(to_data(data));
  if (!m.is_valid()) {
    return make_error(Code::invalid_argument, "template.invalid", "Plantilla inválida: " + m.error_message(),
                      "Invalid template: " + m.error_message());
  }
  return out;
}

}  // namespace pasaprod::web
