#include "http/openapi.h"

#include <cctype>

namespace pasaprod::http {

namespace {

std::string lower_method(Method m) {
  std::string s = method_name(m);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "get_api_v1_releases_number" from GET /api/v1/releases/{number}.
std::string operation_id(const Route& r) {
  std::string id = lower_method(r.method);
  for (char c : r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id.push_back(c);
    } else if (c == '/' || c == '-' || c == '_' || c == '.') {
      if (id.back() != '_') id.push_back('_');
    }
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

std::vector<std::string> captures(const std::string& pattern) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = pattern.find('{', pos)) != std::string::npos) {
    std::size_t end = pattern.find('}', pos);
    out.push_back(pattern.substr(pos + 1, end - pos - 1));
    pos = end;
  }
  return out;
}

const nlohmann::json kProblemRef = {{"$ref", "#/components/schemas/Problem"}};

nlohmann::json problem_schema() {
  return {
      {"type", "object"},
      {"description", "RFC 9457 problem details; title and detail follow Accept-Language (es, en)."},
      {"required", {"type", "title", "status", "detail", "code"}},
      {"properties",
       {{"type", {{"type", "string"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "integer"}}},
        {"detail", {{"type", "string"}}},
        {"code", {{"type", "string"}, {"description", "Canonical error code (invalid_argument, ...)."}}},
        {"id", {{"type", "string"}, {"description", "Stable error id, e.g. guard.slot_empty."}}},
        {"details", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}},
  };
}

nlohmann::json operation(const Route& r) {
  nlohmann::json op = nlohmann::json::object();
  op["operationId"] = operation_id(r);
  if (!r.summary.empty()) op["summary"] = r.summary;
  if (!r.description.empty()) op["description"] = r.description;
  if (!r.tags.empty()) op["tags"] = r.tags;

  nlohmann::json params = nlohmann::json::array();
  for (const std::string& name : captures(r.pattern)) {
    params.push_back({{"name", name}, {"in", "path"}, {"required", true},
                      {"schema", {{"type", "string"}}}});
  }
  for (const ParamDoc& q : r.query) {
    nlohmann::json p = {{"name", q.name}, {"in", "query"}, {"required", q.required},
                        {"schema", {{"type", "string"}}}};
    if (!q.description.empty()) p["description"] = q.description;
    params.push_back(std::move(p));
  }
  if (!params.empty()) op["parameters"] = std::move(params);

  switch (r.body) {
    case BodyKind::none:
      break;
    case BodyKind::json:
      op["requestBody"] = {
          {"required", true},
          {"content",
           {{"application/json",
             {{"schema", r.request_schema.is_null() ? nlohmann::json{{"type", "object"}}
                                                    : r.request_schema}}}}}};
      break;
    case BodyKind::form:
      op["requestBody"] = {
          {"required", true},
          {"content", {{"application/x-www-form-urlencoded", {{"schema", {{"type", "object"}}}}}}}};
      break;
    case BodyKind::stream:
      op["requestBody"] = {
          {"required", true},
          {"description", "Raw bytes, streamed (not multipart)."},
          {"content",
           {{"application/octet-stream", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
      break;
  }

  nlohmann::json responses = nlohmann::json::object();
  for (const ResponseDoc& d : r.responses) {
    nlohmann::json resp = {{"description", d.description.empty() ? "OK" : d.description}};
    if (!d.schema.is_null()) resp["content"] = {{d.content_type, {{"schema", d.schema}}}};
    responses[std::to_string(d.status)] = std::move(resp);
  }
  if (r.responses.empty()) responses["200"] = {{"description", "OK"}};
  responses["default"] = {
      {"description", "Error (problem+json)"},
      {"content", {{"application/problem+json", {{"schema", kProblemRef}}}}}};
  op["responses"] = std::move(responses);

  if (r.auth == Auth::none) {
    op["security"] = nlohmann::json::array();
  } else {
    op["security"] = nlohmann::json::array(
        {nlohmann::json{{"session", nlohmann::json::array()}},
         nlohmann::json{{"bearer", nlohmann::json::array()}}});
    op["x-pasaprod-auth"] = auth_name(r.auth);
  }
  return op;
}

}  // namespace

nlohmann::json openapi_document(const RouteTable& routes, const OpenApiInfo& info) {
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info", {{"title", info.title}, {"version", info.version}}},
  };
  if (!info.description.empty()) doc["info"]["description"] = info.description;
  nlohmann::json paths = nlohmann::json::object();
  for (const Route& r : routes.routes()) {
    if (r.method == Method::head) continue;
    paths[r.pattern][lower_method(r.method)] = operation(r);
  }
  doc["paths"] = std::move(paths);
  doc["components"] = {
      {"securitySchemes",
       {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", info.session_cookie}}},
        {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
      {"schemas", {{"Problem", problem_schema()}}},
  };
  return doc;
}

void add_openapi_route(RouteTable& routes, OpenApiInfo info, std::string path) {
  routes.add({
      .method = Method::get,
      .pattern = std::move(path),
      .auth = Auth::none,
      .summary = "OpenAPI description of this API",
      .description = "Generated from the server's route table.",
      .responses = {{.status = 200, .description = "OpenAPI 3.0 document",
                     .schema = {{"type", "object"}}}},
      .tags = {"meta"},
      .handler = [info = std::move(info)](Request& req) {
        if (req.routes() == nullptr) {
          return Response::problem(make_error(Code::internal, "http.no_route_table",
                                              "La tabla de rutas no está disponible.",
                                              "The route table is not available."),
                                   req.lang());
        }
        return Response::json(openapi_document(*req.routes(), info));
      },
  });
}

}  // namespace pasaprod::http
