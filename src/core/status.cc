#include "core/status.h"

namespace pasaprod {

Lang parse_lang(const std::string& text) {
  if (text.size() >= 2 && (text[0] == 'e' || text[0] == 'E') && (text[1] == 'n' || text[1] == 'N')) {
    return Lang::en;
  }
  return Lang::es;
}

const char* code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_argument: return "invalid_argument";
    case Code::unauthenticated: return "unauthenticated";
    case Code::permission_denied: return "permission_denied";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::failed_precondition: return "failed_precondition";
    case Code::conflict: return "conflict";
    case Code::too_large: return "too_large";
    case Code::data_loss: return "data_loss";
    case Code::unavailable: return "unavailable";
    case Code::internal: return "internal";
  }
  return "internal";
}

std::string Error::detail(const std::string& key) const {
  for (const auto& d : details) {
    if (d.key == key) return d.value;
  }
  return {};
}

Error make_error(Code code, std::string id, std::string es, std::string en) {
  Error e;
  e.code = code;
  e.id = std::move(id);
  e.es = std::move(es);
  e.en = std::move(en);
  return e;
}

}  // namespace pasaprod
