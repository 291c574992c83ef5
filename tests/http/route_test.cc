// The router: patterns, captures, precedence, 404 vs 405, and declaration errors.
#include "http/route.h"

#include <gtest/gtest.h>

namespace pasaprod::http {
namespace {

Response ok(Request&) { return Response::text("ok"); }

RouteTable sample() {
  RouteTable t;
  t.add({.method = Method::get, .pattern = "/api/v1/releases", .handler = ok});
  t.add({.method = Method::post, .pattern = "/api/v1/releases", .body = BodyKind::json, .handler = ok});
  t.add({.method = Method::get, .pattern = "/api/v1/releases/{number}", .handler = ok});
  t.add({.method = Method::get, .pattern = "/api/v1/releases/new", .handler = ok});
  t.add({.method = Method::put,
         .pattern = "/api/v1/releases/{number}/deliverables/{slot}/{filename}",
         .body = BodyKind::stream,
         .stream_handler = [](Request&) -> Result<std::unique_ptr<BodySink>> {
           return make_error(Code::internal, "x", "x", "x");
         }});
  t.add({.method = Method::get, .pattern = "/", .handler = ok});
  return t;
}

TEST(RouteTest, MatchesLiteralAndCaptures) {
  RouteTable t = sample();
  RouteMatch m = t.match(Method::get, "/api/v1/releases/PP-2026-0001");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/v1/releases/{number}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "number");
  EXPECT_EQ(m.params[0].second, "PP-2026-0001");

  m = t.match(Method::put, "/api/v1/releases/R1/deliverables/code/my%20file%2B1.zip");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  ASSERT_EQ(m.params.size(), 3u);
  EXPECT_EQ(m.params[1].second, "code");
  EXPECT_EQ(m.params[2].second, "my file+1.zip");

  EXPECT_EQ(t.match(Method::get, "/").kind, RouteMatch::Kind::found);
}

TEST(RouteTest, LiteralBeatsCaptureWhateverTheOrder) {
  RouteTable t = sample();
  RouteMatch m = t.match(Method::get, "/api/v1/releases/new");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/v1/releases/new");
}

TEST(RouteTest, NotFoundVersusMethodNotAllowed) {
  RouteTable t = sample();
  EXPECT_EQ(t.match(Method::get, "/api/v1/nothing").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(t.match(Method::get, "/api/v1/releases/").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(t.match(Method::get, "/api/v1/releases/a/b").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(t.match(Method::get, "relative").kind, RouteMatch::Kind::not_found);

  RouteMatch m = t.match(Method::del, "/api/v1/releases");
  ASSERT_EQ(m.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::get, Method::head, Method::post}));

  m = t.match(std::nullopt, "/api/v1/releases");  // e.g. PROPFIND
  EXPECT_EQ(m.kind, RouteMatch::Kind::method_not_allowed);
}

TEST(RouteTest, HeadFallsBackToGet) {
  RouteTable t = sample();
  RouteMatch m = t.match(Method::head, "/api/v1/releases/7");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->method, Method::get);
}

TEST(RouteTest, RefusesUnsafeCaptures) {
  RouteTable t = sample();
  for (const char* bad : {"/api/v1/releases/..", "/api/v1/releases/%2E%2E", "/api/v1/releases/a%2Fb",
                          "/api/v1/releases/a%5Cb", "/api/v1/releases/a%00b", "/api/v1/releases/%zz",
                          "/api/v1/releases/."}) {
    RouteMatch m = t.match(Method::get, bad);
    ASSERT_EQ(m.kind, RouteMatch::Kind::bad_param) << bad;
    ASSERT_TRUE(m.error);
    EXPECT_EQ(m.error->code, Code::invalid_argument);
    EXPECT_EQ(m.error->id, "http.bad_path_param");
    EXPECT_EQ(m.error->detail("param"), "number");
    EXPECT_FALSE(m.error->es.empty());
    EXPECT_FALSE(m.error->en.empty());
  }
  // Dots inside a name are fine.
  EXPECT_EQ(t.match(Method::get, "/api/v1/releases/a..b").kind, RouteMatch::Kind::found);
}

TEST(RouteTest, LiteralSegmentsCompareDecoded) {
  RouteTable t = sample();
  EXPECT_EQ(t.match(Method::get, "/api/v1/rel%65ases").kind, RouteMatch::Kind::found);
}

TEST(RouteTest, DeclarationErrorsThrow) {
  RouteTable t = sample();
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/api/v1/releases", .handler = ok}),
               std::invalid_argument);  // duplicate
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "no-slash", .handler = ok}), std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/a//b", .handler = ok}), std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/a/{x", .handler = ok}), std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/a/{x}/{x}", .handler = ok}),
               std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/a/b{x}", .handler = ok}), std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::get, .pattern = "/no-handler"}), std::invalid_argument);
  EXPECT_THROW(t.add({.method = Method::put, .pattern = "/s", .body = BodyKind::stream, .handler = ok}),
               std::invalid_argument);
}

TEST(RouteTest, PercentCoding) {
  EXPECT_EQ(percent_decode("a%20b%2f"), "a b/");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("%2"));
  EXPECT_FALSE(percent_decode("%g0"));
  EXPECT_EQ(percent_encode("a b/ñ~"), "a%20b%2F%C3%B1~");
}

TEST(RouteTest, MethodNames) {
  EXPECT_EQ(parse_method("DELETE"), Method::del);
  EXPECT_FALSE(parse_method("get"));
  EXPECT_FALSE(parse_method("PROPFIND"));
  EXPECT_STREQ(method_name(Method::patch), "PATCH");
}

}  // namespace
}  // namespace pasaprod::http
