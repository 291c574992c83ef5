#include "http/input_check.h"

#include <fmt/format.h>

#include <utility>

#include "core/text.h"
#include "http/request.h"

namespace pasaprod::http {

namespace {

struct Limit {
  std::string_view field;
  std::size_t bytes;
};

constexpr Limit kLimits[] = {
    {"username", 64},  {"user", 64},        {"requester", 64}, {"password", 1024},  {"current_password", 1024},
    {"current", 1024}, {"confirm", 1024},   {"csrf", 128},     {"lang", 8},         {"code", 64},
    {"system", 64},    {"role", 64},        {"slot", 64},      {"kind", 64},        {"state", 64},
    {"status", 64},    {"verdict", 64},     {"action", 64},    {"origin", 64},      {"version", 64},
    {"type", 64},      {"format", 32},      {"name", 200},     {"title", 200},      {"email", 254},
    {"unit", 200},     {"technology", 200}, {"next", 2048},    {"summary", 4000},   {"note", 4000},
    {"reason", 4000},  {"text", 4000},      {"q", 200},        {"description", 8000},
    {"yaml", 512 * 1024},  // an edition file of the procedure (Office::kMaxEditionBytes)
};

constexpr std::size_t kDefaultLimit = 8000;
constexpr int kMaxDepth = 32;

std::optional<Error> check_text(std::string_view field, std::string_view value, bool body) {
  bool ok = is_valid_utf8(value);
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool allowed_ws = body && (c == '\t' || c == '\r' || c == '\n');
    if ((c < 0x20 && !allowed_ws) || c == 0x7f) ok = false;
  }
  const std::string name = is_valid_utf8(field) && field.size() <= 100 ? std::string(field) : std::string("?");
  if (!ok) {
    return make_error(Code::invalid_argument, "input.bad_text",
                      fmt::format("El campo «{}» no es texto UTF-8 válido o lleva caracteres de control: corríjalo y "
                                  "vuelva a enviarlo. No se guardó nada.",
                                  name),
                      fmt::format("The field \"{}\" is not valid UTF-8 text or holds control characters: correct it and "
                                  "send it again. Nothing was kept.",
                                  name))
        .with("field", name);
  }
  const std::size_t limit = field_limit(field);
  if (value.size() > limit) {
    return make_error(Code::invalid_argument, "input.too_long",
                      fmt::format("El campo «{}» admite hasta {} bytes y se enviaron {}: acórtelo y vuelva a enviarlo. "
                                  "No se guardó nada.",
                                  name, limit, value.size()),
                      fmt::format("The field \"{}\" takes at most {} bytes and {} were sent: shorten it and send it "
                                  "again. Nothing was kept.",
                                  name, limit, value.size()))
        .with("field", name)
        .with("limit", std::to_string(limit));
  }
  return std::nullopt;
}

std::optional<Error> check_json(std::string_view field, const nlohmann::json& j, int depth) {
  if (depth > kMaxDepth) {
    return make_error(Code::invalid_argument, "input.too_deep",
                      fmt::format("El cuerpo JSON anida más de {} niveles: simplifíquelo.", kMaxDepth),
                      fmt::format("The JSON body nests more than {} levels: simplify it.", kMaxDepth));
  }
  if (j.is_string()) return check_text(field, j.get_ref<const std::string&>(), true);
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (auto e = check_text(k, k, false)) return e;
      if (auto e = check_json(k, v, depth + 1)) return e;
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (auto e = check_json(field, v, depth + 1)) return e;
    }
  }
  return std::nullopt;
}

}  // namespace

std::size_t field_limit(std::string_view field) {
  for (const Limit& l : kLimits) {
    if (l.field == field) return l.bytes;
  }
  return kDefaultLimit;
}

std::optional<Error> check_url_inputs(const Request& req) {
  for (const auto& [k, v] : req.query_params()) {
    if (auto e = check_text(k, k, false)) return e;
    if (auto e = check_text(k, v, false)) return e;
  }
  for (const auto& [k, v] : req.path_params()) {
    if (auto e = check_text(k, v, false)) return e;
  }
  return std::nullopt;
}

std::optional<Error> check_body_inputs(const Request& req, bool json, bool form) {
  if (json) return check_json("", req.json(), 0);
  if (form) {
    for (const auto& [k, v] : parse_query(req.body())) {
      if (auto e = check_text(k, k, false)) return e;
      if (auto e = check_text(k, v, true)) return e;
    }
  }
  return std::nullopt;
}

}  // namespace pasaprod::http
