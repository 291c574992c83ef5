// Request parsing helpers, Response builders, problem+json, file range planning.
#include <gtest/gtest.h>

#include "http/errors.h"
#include "http/file_range.h"
#include "http/request.h"
#include "http/request_log.h"
#include "http/response.h"
#include "http/server.h"

namespace pasaprod::http {
namespace {

TEST(RequestTest, TargetQueryHeadersCookies) {
  Request r;
  r.set_method("GET");
  r.set_target("/a%20b?x=1&y=a+b&z=%2F%zz&flag&x=2");
  r.add_header("Content-Type", "application/json");
  r.add_header("Cookie", "theme=dark; session=\"abc\"");
  r.add_header("cookie", "other=1");
  EXPECT_EQ(r.path(), "/a%20b");
  EXPECT_EQ(r.query("x"), "1");
  EXPECT_EQ(r.query("y"), "a b");
  EXPECT_EQ(r.query("z"), "/%zz");
  EXPECT_EQ(r.query("flag"), "");
  EXPECT_FALSE(r.query("nope"));
  EXPECT_EQ(r.query_params().size(), 5u);
  EXPECT_EQ(r.header("content-TYPE"), "application/json");
  EXPECT_FALSE(r.header("accept"));
  EXPECT_EQ(r.cookie("session"), "abc");
  EXPECT_EQ(r.cookie("other"), "1");
  EXPECT_FALSE(r.cookie("missing"));
}

TEST(RequestTest, AcceptLanguage) {
  EXPECT_EQ(parse_accept_language(""), Lang::es);
  EXPECT_EQ(parse_accept_language("en"), Lang::en);
  EXPECT_EQ(parse_accept_language("en-US,en;q=0.9"), Lang::en);
  EXPECT_EQ(parse_accept_language("fr, en;q=0.5, es;q=0.8"), Lang::es);
  EXPECT_EQ(parse_accept_language("fr, de"), Lang::es);
  EXPECT_EQ(parse_accept_language("es-PE;q=0.3, EN-gb;q=0.7"), Lang::en);
  EXPECT_EQ(parse_accept_language("english"), Lang::es);
  Request r;
  EXPECT_EQ(r.lang(), Lang::es);
  r.add_header("Accept-Language", "en");
  EXPECT_EQ(r.lang(), Lang::en);
}

TEST(RequestTest, JsonBodyParsedOnceWithError) {
  Request r;
  r.set_body("{\"a\": 1}");
  ASSERT_TRUE(r.parse_json().ok());
  EXPECT_EQ(r.json()["a"], 1);
  Request bad;
  bad.set_body("{\"a\": ");
  Status s = bad.parse_json();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::invalid_argument);
  EXPECT_EQ(s.error().id, "http.malformed_json");
  EXPECT_TRUE(bad.json().is_null());
  Request empty;
  EXPECT_FALSE(empty.parse_json().ok());
}

// Found by tests/fuzz/fuzz_json_body (crash-4d630114): a number beyond a double made the
// second parse, the one that finds the failing byte, throw out_of_range instead of parse_error;
// the exception left parse_json and the server closed the connection without an answer.
TEST(RequestTest, FuzzNumberOverflowIsMalformedJsonNotAnException) {
  for (const char* body : {"{\"a\": 1e999}", "[333e333333333333333333333333333333]", "-1e400"}) {
    Request r;
    r.set_body(body);
    Status s = Status();
    ASSERT_NO_THROW(s = r.parse_json()) << body;
    ASSERT_FALSE(s.ok()) << body;
    EXPECT_EQ(s.error().id, "http.malformed_json") << body;
    EXPECT_EQ(s.error().en, "The request body is not valid JSON.") << body;
  }
}

TEST(RequestTest, FormAndContentLength) {
  Request r;
  r.add_header("Content-Length", "12");
  r.set_body("user=ana+p&pw=%26x");
  EXPECT_EQ(r.form("user"), "ana p");
  EXPECT_EQ(r.form("pw"), "&x");
  EXPECT_EQ(r.content_length(), 12u);
}

TEST(ResponseTest, StatusMapping) {
  EXPECT_EQ(http_status(Code::invalid_argument), 400);
  EXPECT_EQ(http_status(Code::unauthenticated), 401);
  EXPECT_EQ(http_status(Code::permission_denied), 403);
  EXPECT_EQ(http_status(Code::not_found), 404);
  EXPECT_EQ(http_status(Code::conflict), 409);
  EXPECT_EQ(http_status(Code::already_exists), 409);
  EXPECT_EQ(http_status(Code::too_large), 413);
  EXPECT_EQ(http_status(Code::failed_precondition), 422);
  EXPECT_EQ(http_status(Code::data_loss), 500);
  EXPECT_EQ(http_status(Code::internal), 500);
}

TEST(ResponseTest, ProblemInBothLanguages) {
  Error e = make_error(Code::failed_precondition, "guard.slot_empty", "Falta el entregable.",
                       "The deliverable is missing.")
                .with("slot", "code")
                .with("slot", "ignored");
  nlohmann::json es = problem_json(e, Lang::es);
  EXPECT_EQ(es["status"], 422);
  EXPECT_EQ(es["code"], "failed_precondition");
  EXPECT_EQ(es["id"], "guard.slot_empty");
  EXPECT_EQ(es["detail"], "Falta el entregable.");
  EXPECT_EQ(es["title"], "Acción rechazada por el procedimiento");
  EXPECT_EQ(es["type"], "urn:pasaprod:problem:guard.slot_empty");
  // A repeated detail key keeps every value, in order.
  EXPECT_EQ(es["details"]["slot"], nlohmann::json::array({"code", "ignored"}));
  Response r = Response::problem(e, Lang::en);
  EXPECT_EQ(r.status(), 422);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(r.header("content-language"), "en");
  nlohmann::json en = nlohmann::json::parse(r.body());
  EXPECT_EQ(en["detail"], "The deliverable is missing.");
  EXPECT_EQ(en["title"], "Refused by the procedure");
  Error no_id = make_error(Code::conflict, "", "a", "b");
  EXPECT_FALSE(problem_json(no_id, Lang::es).contains("id"));
  EXPECT_EQ(problem_json(no_id, Lang::es, 405)["status"], 405);
}

TEST(ResponseTest, BuildersAndCookies) {
  Response j = Response::json({{"a", 1}}, 201);
  EXPECT_EQ(j.status(), 201);
  EXPECT_EQ(j.body(), "{\"a\":1}");
  Response red = Response::redirect("/login");
  EXPECT_EQ(red.status(), 303);
  EXPECT_EQ(red.header("location"), "/login");
  red.set_cookie({.name = "s", .value = "", .max_age = std::chrono::seconds(0), .secure = true});
  EXPECT_EQ(red.header("set-cookie"), "s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
  red.set_header("X-A", "1").set_header("x-a", "2");
  EXPECT_EQ(red.header("X-A"), "2");
  EXPECT_EQ(Response::html("<p>").header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(Response::empty().status(), 204);
  Result<FileSource> missing = FileSource::open("/nonexistent/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::not_found);
}

TEST(FileRangeTest, Plans) {
  const std::string etag = "\"abc\"";
  auto plan = [&](std::optional<std::string_view> range, std::optional<std::string_view> inm = {},
                  std::optional<std::string_view> ifr = {}) {
    return plan_file_response(100, etag, range, inm, ifr);
  };
  FilePlan p = plan(std::nullopt);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.length, 100u);
  p = plan("bytes=10-19");
  EXPECT_EQ(p.status, 206);
  EXPECT_EQ(p.offset, 10u);
  EXPECT_EQ(p.length, 10u);
  EXPECT_EQ(p.content_range, "bytes 10-19/100");
  p = plan("bytes=90-");
  EXPECT_EQ(p.length, 10u);
  p = plan("bytes=-5");
  EXPECT_EQ(p.offset, 95u);
  EXPECT_EQ(p.content_range, "bytes 95-99/100");
  p = plan("bytes=-500");
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.length, 100u);
  p = plan("bytes=50-1000");
  EXPECT_EQ(p.content_range, "bytes 50-99/100");
  p = plan("bytes=100-");
  EXPECT_EQ(p.status, 416);
  EXPECT_EQ(p.content_range, "bytes */100");
  EXPECT_EQ(plan("bytes=-0").status, 416);
  EXPECT_EQ(plan("bytes=0-1,5-6").status, 200);  // multiple ranges: whole file
  EXPECT_EQ(plan("bytes=9-3").status, 200);      // invalid: ignored
  EXPECT_EQ(plan("items=0-1").status, 200);
  EXPECT_EQ(plan(std::nullopt, "\"abc\"").status, 304);
  EXPECT_EQ(plan(std::nullopt, "\"x\", W/\"abc\"").status, 304);
  EXPECT_EQ(plan(std::nullopt, "*").status, 304);
  EXPECT_EQ(plan(std::nullopt, "\"x\"").status, 200);
  EXPECT_EQ(plan("bytes=0-0", std::nullopt, "\"abc\"").status, 206);
  EXPECT_EQ(plan("bytes=0-0", std::nullopt, "\"old\"").status, 200);
  EXPECT_EQ(plan_file_response(0, "", "bytes=0-", std::nullopt, std::nullopt).status, 416);
}

TEST(ServerHelpersTest, ParseListen) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  EXPECT_EQ(parse_listen("[::1]:80")->first, "::1");
  EXPECT_EQ(parse_listen(":9000")->first, "0.0.0.0");
  EXPECT_EQ(parse_listen("localhost:1")->first, "127.0.0.1");
  EXPECT_FALSE(parse_listen("8080"));
  EXPECT_FALSE(parse_listen("host:99999"));
  EXPECT_FALSE(parse_listen("::1:80"));
  EXPECT_EQ(parse_listen("x").error().id, "http.bad_listen");
}

TEST(ServerHelpersTest, LogLineHasNoSecrets) {
  RequestLogEntry e{.method = "GET", .path = "/api/v1/x", .status = 200, .bytes_in = 0,
                    .bytes_out = 12, .ms = 1.25, .user = "ana", .client = "127.0.0.1", .note = ""};
  EXPECT_EQ(format_request_log(e), "GET /api/v1/x 200 in=0 out=12 ms=1.2 user=ana client=127.0.0.1");
  e.status = 0;
  e.user = "";
  e.note = "client closed";
  EXPECT_EQ(format_request_log(e),
            "GET /api/v1/x - in=0 out=12 ms=1.2 user=- client=127.0.0.1 note=\"client closed\"");
}

TEST(ErrorsTest, EveryServerErrorHasBothLanguages) {
  for (const Error& e : {err_not_found("/x"), err_method_not_allowed("GET", "POST"),
                         err_malformed_request("x"), err_header_too_large(1), err_body_too_large(1),
                         err_body_incomplete(), err_body_timeout(std::chrono::milliseconds(5)),
                         err_server_stopping(), err_internal()}) {
    EXPECT_FALSE(e.es.empty()) << e.id;
    EXPECT_FALSE(e.en.empty()) << e.id;
    EXPECT_NE(e.es, e.en) << e.id;
    EXPECT_EQ(e.id.rfind("http.", 0), 0u) << e.id;
  }
}

}  // namespace
}  // namespace pasaprod::http
