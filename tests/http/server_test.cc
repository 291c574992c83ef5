// The real server on an ephemeral port, talked to over real sockets: routing, problems in both
// languages, body limits, 100-continue, keep-alive, HEAD, auth hook, handler failures.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "http/openapi.h"
#include "http/server.h"
#include "test_client.h"

namespace pasaprod::http {
namespace {

using testing::ClientResponse;
using testing::fetch;
using testing::Headers;
using testing::LogCapture;
using testing::make_request;
using testing::TestConnection;

class ServerTest : public ::testing::Test {
 protected:
  RouteTable routes() {
    RouteTable t;
    t.add({.method = Method::get, .pattern = "/hello", .auth = Auth::none, .summary = "Greets",
           .handler = [](Request&) { return Response::text("hello"); }});
    t.add({.method = Method::get, .pattern = "/api/v1/items/{id}", .auth = Auth::none,
           .handler = [](Request& r) {
             return Response::json({{"id", r.param("id")}, {"q", r.query("q").value_or("")}});
           }});
    t.add({.method = Method::post, .pattern = "/api/v1/items", .auth = Auth::none,
           .body = BodyKind::json, .handler = [this](Request& r) {
             ++json_calls_;
             return Response::json({{"got", r.json()}}, 201);
           }});
    t.add({.method = Method::post, .pattern = "/login", .auth = Auth::none, .body = BodyKind::form,
           .handler = [](Request& r) {
             return Response::redirect("/home").set_cookie(
                 {.name = "session", .value = r.form("user").value_or("?")});
           }});
    t.add({.method = Method::get, .pattern = "/boom", .auth = Auth::none,
           .handler = [](Request&) -> Response { throw std::runtime_error("kaboom"); }});
    t.add({.method = Method::get, .pattern = "/guard", .auth = Auth::none, .handler = [](Request& r) {
             return Response::problem(make_error(Code::failed_precondition, "guard.test",
                                                 "Falta algo.", "Something is missing."),
                                      r.lang());
           }});
    t.add({.method = Method::get, .pattern = "/private", .auth = Auth::session_or_token,
           .handler = [](Request& r) { return Response::json({{"user", r.user()}}); }});
    t.set_authenticator([](Request& r, const Route& route) -> Status {
      if (route.auth == Auth::none) return ok_status();
      if (r.header("authorization") == "Bearer s3cret-token") {
        r.set_user("ana");
        return ok_status();
      }
      return make_error(Code::unauthenticated, "auth.required", "Inicie sesión.", "Sign in.");
    });
    add_openapi_route(t, {});
    return t;
  }

  void start(ServerConfig cfg) {
    server_ = std::make_unique<HttpServer>(std::move(cfg), routes());
    Status s = server_->start();
    ASSERT_TRUE(s.ok()) << s.error().en;
    port_ = server_->port();
  }
  void SetUp() override {
    ServerConfig cfg = testing::test_config(&log_);
    cfg.max_json_bytes = 1024;
    cfg.max_header_bytes = 2048;
    start(std::move(cfg));
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  LogCapture log_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> json_calls_{0};
};

TEST_F(ServerTest, RoutesWithDecodedParamsAndQuery) {
  auto r = fetch(port_, "GET", "/api/v1/items/a%20b?q=x+y");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->json()["id"], "a b");
  EXPECT_EQ(r->json()["q"], "x y");
  EXPECT_EQ(r->header("server"), "pasaprod");
  EXPECT_TRUE(r->header("date"));
}

TEST_F(ServerTest, NotFoundIsProblemInCallersLanguage) {
  auto es = fetch(port_, "GET", "/nope");
  ASSERT_TRUE(es);
  EXPECT_EQ(es->status, 404);
  EXPECT_EQ(es->header("content-type"), "application/problem+json");
  EXPECT_EQ(es->header("content-language"), "es");
  EXPECT_EQ(es->json()["code"], "not_found");
  EXPECT_EQ(es->json()["id"], "http.not_found");
  EXPECT_EQ(es->json()["title"], "No encontrado");
  auto en = fetch(port_, "GET", "/nope", {{"Accept-Language", "en-US,en;q=0.9"}});
  ASSERT_TRUE(en);
  EXPECT_EQ(en->json()["title"], "Not found");
  EXPECT_EQ(en->json()["detail"], "There is no resource at this path.");
}

TEST_F(ServerTest, MethodNotAllowedListsAllow) {
  auto r = fetch(port_, "DELETE", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
  EXPECT_EQ(r->json()["status"], 405);
  auto odd = fetch(port_, "PROPFIND", "/hello");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, 405);
}

TEST_F(ServerTest, UnsafeCaptureIs400) {
  auto r = fetch(port_, "GET", "/api/v1/items/..%2Fetc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["id"], "http.bad_path_param");
}

TEST_F(ServerTest, JsonBodyParsedOrRejectedIn400BothLanguages) {
  auto ok = fetch(port_, "POST", "/api/v1/items", {{"Content-Type", "application/json"}}, R"({"a":[1,2]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201);
  EXPECT_EQ(ok->json()["got"]["a"][1], 2);
  EXPECT_EQ(json_calls_, 1);

  auto es = fetch(port_, "POST", "/api/v1/items", {}, "{\"a\":");
  ASSERT_TRUE(es);
  EXPECT_EQ(es->status, 400);
  EXPECT_EQ(es->header("content-type"), "application/problem+json");
  EXPECT_EQ(es->json()["id"], "http.malformed_json");
  EXPECT_NE(es->json()["detail"].get<std::string>().find("no es JSON"), std::string::npos);
  auto en = fetch(port_, "POST", "/api/v1/items", {{"Accept-Language", "en"}}, "nope");
  ASSERT_TRUE(en);
  EXPECT_EQ(en->status, 400);
  EXPECT_NE(en->json()["detail"].get<std::string>().find("not valid JSON"), std::string::npos);
  auto missing = fetch(port_, "POST", "/api/v1/items");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json_calls_, 1);  // the handler never saw malformed input
}

TEST_F(ServerTest, JsonOverLimitIs413) {
  // Declared length over the limit: refused from the headers alone.
  TestConnection c(port_);
  ASSERT_TRUE(c.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->json()["id"], "http.body_too_large");
  EXPECT_EQ(r->json()["details"]["limit"], "1024");
  EXPECT_EQ(r->header("connection"), "close");

  // Chunked: refused once the limit is crossed.
  TestConnection d(port_);
  std::string chunk(1500, 'x');
  ASSERT_TRUE(d.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(d.send("5dc\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r2 = d.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 413);
}

TEST_F(ServerTest, ExpectContinue) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                     "Content-Length: 7\r\n\r\n"));
  auto cont = c.read_response(false, std::chrono::seconds(5), /*stop_at_continue=*/true);
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("{\"a\":1}"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);

  // Refused before the body: no 100, straight to 413.
  TestConnection d(port_);
  ASSERT_TRUE(d.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                     "Content-Length: 999999\r\n\r\n"));
  auto r2 = d.read_response(false, std::chrono::seconds(5), true);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 413);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  TestConnection c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(make_request("GET", "/hello")));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, "hello");
  }
  // Pipelined.
  ASSERT_TRUE(c.send(make_request("GET", "/hello") + make_request("GET", "/api/v1/items/7")));
  EXPECT_EQ(c.read_response()->body, "hello");
  EXPECT_EQ(c.read_response()->json()["id"], "7");
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send(make_request("HEAD", "/hello") + make_request("GET", "/hello")));
  auto h = c.read_response(/*head=*/true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->header("content-length"), "5");
  auto g = c.read_response();  // proves HEAD sent no body bytes
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body, "hello");
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerGoesOn) {
  auto r = fetch(port_, "GET", "/boom", {{"Accept-Language", "en"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->json()["id"], "http.internal");
  EXPECT_EQ(r->body.find("kaboom"), std::string::npos);  // no internals leaked
  auto e = log_.wait_for("/boom");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 500);
  EXPECT_EQ(e->note, "handler threw");
  auto ok = fetch(port_, "GET", "/hello");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServerTest, GuardRefusalIs422) {
  auto r = fetch(port_, "GET", "/guard");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(r->json()["code"], "failed_precondition");
  EXPECT_EQ(r->json()["detail"], "Falta algo.");
}

TEST_F(ServerTest, AuthenticatorAndLogWithoutSecrets) {
  auto anon = fetch(port_, "GET", "/private?token=also-secret");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(anon->json()["id"], "auth.required");
  auto r = fetch(port_, "GET", "/private?token=also-secret",
                 {{"Authorization", "Bearer s3cret-token"}, {"Cookie", "session=cookie-secret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["user"], "ana");
  ASSERT_TRUE(log_.wait_until([](const RequestLogEntry& e) { return e.user == "ana"; }));
  bool saw_ana = false;
  for (const RequestLogEntry& e : log_.entries()) {
    std::string line = format_request_log(e);
    EXPECT_EQ(line.find("s3cret"), std::string::npos) << line;
    EXPECT_EQ(line.find("cookie-secret"), std::string::npos) << line;
    EXPECT_EQ(line.find("also-secret"), std::string::npos) << line;
    if (e.path == "/private" && e.user == "ana") saw_ana = true;
  }
  EXPECT_TRUE(saw_ana);
}

TEST_F(ServerTest, FormPostRedirectsWithCookie) {
  auto r = fetch(port_, "POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}},
                 "user=ana+maria&pw=x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->header("location"), "/home");
  EXPECT_EQ(r->header("set-cookie"), "session=ana maria; Path=/; HttpOnly; SameSite=Lax");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->json()["id"], "http.header_too_large");
}

TEST_F(ServerTest, GarbageIs400) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send("HELLO?\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["id"], "http.malformed_request");
}

TEST_F(ServerTest, ServesItsOwnOpenApiDocument) {
  auto r = fetch(port_, "GET", "/api/openapi.json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  nlohmann::json doc = r->json();
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/items/{id}"));
  EXPECT_TRUE(doc["paths"].contains("/api/openapi.json"));
  EXPECT_EQ(doc["paths"]["/private"]["get"]["x-pasaprod-auth"], "session_or_token");
}

TEST(ServerStartTest, BindErrorsAreValues) {
  ServerConfig cfg = testing::test_config();
  cfg.host = "not-an-ip";
  HttpServer bad(cfg, RouteTable());
  Status s = bad.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().id, "http.bad_listen");

  HttpServer first(testing::test_config(), RouteTable());
  ASSERT_TRUE(first.start().ok());
  ServerConfig same = testing::test_config();
  same.port = first.port();
  HttpServer second(same, RouteTable());
  Status busy = second.start();
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().id, "http.bind");
  first.stop();
}

}  // namespace
}  // namespace pasaprod::http
