// The OpenAPI document is generated from the route table: every route, its parameters, body
// and security.
#include "http/openapi.h"

#include <gtest/gtest.h>

namespace pasaprod::http {
namespace {

Response ok(Request&) { return Response::empty(); }

TEST(OpenApiTest, DocumentsEveryRouteFromTheTable) {
  RouteTable t;
  t.add({.method = Method::get, .pattern = "/api/v1/releases", .summary = "List releases",
         .query = {{.name = "state", .description = "Filter by state"}}, .tags = {"releases"},
         .handler = ok});
  t.add({.method = Method::post, .pattern = "/api/v1/releases", .auth = Auth::admin,
         .summary = "Open a release", .body = BodyKind::json,
         .request_schema = {{"type", "object"}, {"required", {"title"}}},
         .responses = {{.status = 201, .description = "Created"}}, .handler = ok});
  t.add({.method = Method::put, .pattern = "/api/v1/releases/{number}/deliverables/{slot}/{filename}",
         .summary = "Upload a deliverable", .body = BodyKind::stream,
         .stream_handler = [](Request&) -> Result<std::unique_ptr<BodySink>> {
           return make_error(Code::internal, "x", "x", "x");
         }});
  t.add({.method = Method::post, .pattern = "/login", .auth = Auth::none, .body = BodyKind::form,
         .handler = ok});
  add_openapi_route(t, {.title = "pasaprod", .version = "9.9"});

  nlohmann::json doc = openapi_document(t, {.title = "pasaprod", .version = "9.9"});
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["version"], "9.9");
  for (const Route& r : t.routes()) {
    std::string m = method_name(r.method);
    for (char& c : m) c = static_cast<char>(std::tolower(c));
    EXPECT_TRUE(doc["paths"][r.pattern].contains(m)) << m << " " << r.pattern;
  }
  const nlohmann::json& list = doc["paths"]["/api/v1/releases"]["get"];
  EXPECT_EQ(list["summary"], "List releases");
  EXPECT_EQ(list["parameters"][0]["in"], "query");
  EXPECT_EQ(list["tags"][0], "releases");
  EXPECT_EQ(list["security"].size(), 2u);
  EXPECT_EQ(list["operationId"], "get_api_v1_releases");

  const nlohmann::json& open = doc["paths"]["/api/v1/releases"]["post"];
  EXPECT_EQ(open["x-pasaprod-auth"], "admin");
  EXPECT_EQ(open["requestBody"]["content"]["application/json"]["schema"]["required"][0], "title");
  EXPECT_TRUE(open["responses"].contains("201"));
  EXPECT_EQ(open["responses"]["default"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem");

  const nlohmann::json& put =
      doc["paths"]["/api/v1/releases/{number}/deliverables/{slot}/{filename}"]["put"];
  ASSERT_EQ(put["parameters"].size(), 3u);
  EXPECT_EQ(put["parameters"][2]["name"], "filename");
  EXPECT_EQ(put["parameters"][2]["in"], "path");
  EXPECT_EQ(put["parameters"][2]["required"], true);
  EXPECT_TRUE(put["requestBody"]["content"].contains("application/octet-stream"));

  EXPECT_TRUE(doc["paths"]["/login"]["post"]["security"].empty());
  EXPECT_TRUE(doc["paths"]["/login"]["post"]["requestBody"]["content"].contains(
      "application/x-www-form-urlencoded"));
  EXPECT_TRUE(doc["paths"]["/api/openapi.json"]["get"]["security"].empty());
  EXPECT_EQ(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  EXPECT_TRUE(doc["components"]["schemas"].contains("Problem"));
}

}  // namespace
}  // namespace pasaprod::http
