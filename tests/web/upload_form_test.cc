// The release page's plain upload form (POST /releases/{number}/files, multipart/form-data)
// against the real server: stored with the right digests on success; on every error — bad
// csrf, refused by the procedure, too large, truncated or malformed body — no file, no record,
// no temporary left, and a 303 to the release page, which shows the reason once.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <thread>

#include "api_office.h"
#include "util/sha256.h"

namespace apitest {
namespace {

const std::string kBoundary = "----pasaprodTestBoundary7MA4YWxkTrZu0gW";

struct FilePart {
  std::string name, content;
};

std::string form(const std::string& csrf, const std::string& slot, const std::vector<FilePart>& files, bool close = true,
                 const std::string& row_version = "") {
  std::string b;
  if (!csrf.empty()) b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n";
  b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"slot\"\r\n\r\n" + slot + "\r\n";
  if (!row_version.empty()) {
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"row_version\"\r\n\r\n" + row_version + "\r\n";
  }
  for (const auto& f : files) {
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + f.name +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + f.content + "\r\n";
  }
  if (close) b += "--" + kBoundary + "--\r\n";
  return b;
}

std::vector<std::string> files_in(const json& rel, const std::string& slot) {
  std::vector<std::string> out;
  for (const auto& d : rel.at("deliverables")) {
    if (d.at("slot") != slot) continue;
    for (const auto& f : d.at("files")) out.push_back(f.at("name").get<std::string>() + "=" + f.at("sha256").get<std::string>());
  }
  return out;
}

class UploadFormTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServeOptions options;
    options.max_upload_mb = 1;
    office_ = Office::fresh(options).release();
    walker_ = new Walker(*office_);
    number_ = walker_->open(office_->system, "maintenance")["number"];
    lead_ = office_->cast.at("project_lead");
  }
  static void TearDownTestSuite() {
    delete walker_;
    delete office_;
  }

  // A browser session of the project lead (cookie and csrf).
  Api session() {
    Api api(office_->port(), lead_ + " (browser)");
    api.sign_in(lead_, kPassword).expect(200);
    return api;
  }

  // Sends `body` (or only its first `send` bytes, then closes) to the form's URL.
  Response post(Api& api, const std::string& body, std::optional<std::size_t> send = std::nullopt, bool cookie = true) {
    Headers h = {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}};
    if (cookie) h.push_back({"Cookie", "pasaprod_session=" + api.cookie});
    const std::string req = make_request("POST", "/releases/" + number_ + "/files", h, body, true);
    Conn c(office_->port());
    if (!send) {
      c.send_all(req);
      return c.read_response();
    }
    c.send_all(std::string_view(req).substr(0, req.size() - body.size() + *send));
    ::shutdown(c.fd(), SHUT_WR);
    return c.read_response(false, 10s);
  }

  // Follows a refusal's 303 as a browser would (session and flash cookies): the release page.
  Response follow(Api& api, const Response& r) {
    std::string flash;
    for (const auto& sc : r.all_headers("Set-Cookie")) {
      if (sc.rfind("pasaprod_flash=", 0) == 0) {
        flash = sc.substr(0, sc.find(';'));
        EXPECT_NE(sc.find("HttpOnly"), std::string::npos);
        EXPECT_NE(sc.find("SameSite=Strict"), std::string::npos);
      }
    }
    EXPECT_FALSE(flash.empty()) << r.describe();
    const std::string location = r.header("Location").value_or("");
    Conn c(office_->port());
    c.send_all(make_request("GET", location.substr(0, location.find('#')),
                            {{"Cookie", "pasaprod_session=" + api.cookie + "; " + flash}, {"Accept-Language", "es"}}));
    return c.read_response();
  }

  // Expects nothing changed: the slot's files, the library's blobs, no temporary file.
  void expect_nothing_kept(const std::vector<std::string>& slot_before, std::size_t blobs_before, const std::string& slot = "source_code") {
    EXPECT_EQ(files_in(walker_->get(number_), slot), slot_before) << "no record";
    EXPECT_EQ(stored_blobs(office_->blobs_dir()).size(), blobs_before) << "no new blob";
    EXPECT_TRUE(eventually_empty(office_->library_tmp_dir())) << "no temporary left behind";
  }

  static Office* office_;
  static Walker* walker_;
  static std::string number_;
  static std::string lead_;
};

Office* UploadFormTest::office_ = nullptr;
Walker* UploadFormTest::walker_ = nullptr;
std::string UploadFormTest::number_;
std::string UploadFormTest::lead_;

TEST_F(UploadFormTest, StoresEveryFileOfTheFormAndRedirectsToTheReleasePage) {
  Api api = session();
  const std::string big(700 * 1024, 'w');  // several server chunks
  const std::string tricky = "--" + kBoundary.substr(0, 20) + "\r\n--\r";
  Response r = post(api, form(api.csrf, "source_code", {{"fuente.zip", big}, {"notas ñ.txt", tricky}}));
  ASSERT_EQ(r.status, 303) << r.describe();
  EXPECT_EQ(r.header("Location").value_or(""),
            "/releases/" + number_ + "?uploaded=" + "source_code%2Fnotas%20%C3%B1.txt#slot-source_code");
  const auto files = files_in(walker_->get(number_), "source_code");
  EXPECT_NE(std::find(files.begin(), files.end(), "fuente.zip=" + pasaprod::sha256_hex(big)), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(), "notas ñ.txt=" + pasaprod::sha256_hex(tricky)), files.end());
  EXPECT_TRUE(eventually_empty(office_->library_tmp_dir()));
  // The release page then shows the digest.
  Response page = api.get(r.header("Location")->substr(0, r.header("Location")->find('#')));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(pasaprod::sha256_hex(tricky)), std::string::npos);
}

TEST_F(UploadFormTest, SameFormSentTwiceRecordsItsFilesOnce) {
  Api api = session();
  const std::string version = std::to_string(walker_->get(number_).at("row_version").get<long>());
  const std::string body = form(api.csrf, "user_manual", {{"manual-dos-veces.pdf", "contenido del manual"}}, true, version);
  auto events = [&] {
    const json events = office_->admin().get("/api/v1/releases/" + number_ + "/events").expect(200).json();
    int n = 0;
    for (const auto& e : events.at("items")) {
      n += e.dump().find("manual-dos-veces.pdf") != std::string::npos;
    }
    return n;
  };
  for (int i = 0; i < 2; ++i) {  // a double click, or the same form in a second tab
    Response r = post(api, body);
    ASSERT_EQ(r.status, 303) << r.describe();
    EXPECT_EQ(r.header("Location").value_or(""), "/releases/" + number_ + "?uploaded=user_manual%2Fmanual-dos-veces.pdf#slot-user_manual");
  }
  auto named = [&] {
    std::vector<std::string> out;
    for (const auto& f : files_in(walker_->get(number_), "user_manual")) {
      if (f.rfind("manual-dos-veces.pdf=", 0) == 0) out.push_back(f);
    }
    return out;
  };
  EXPECT_EQ(named(), std::vector<std::string>{"manual-dos-veces.pdf=" + pasaprod::sha256_hex("contenido del manual")});
  EXPECT_EQ(events(), 1) << "recorded once";
  // Other content from the same (stale) form is a deliberate replacement: recorded.
  ASSERT_EQ(post(api, form(api.csrf, "user_manual", {{"manual-dos-veces.pdf", "corregido"}}, true, version)).status, 303);
  EXPECT_EQ(named(), std::vector<std::string>{"manual-dos-veces.pdf=" + pasaprod::sha256_hex("corregido")});
  EXPECT_EQ(events(), 2);
  EXPECT_TRUE(eventually_empty(office_->library_tmp_dir()));
}

TEST_F(UploadFormTest, RefusalsKeepNothingAndShowTheReleasePageWithTheReason) {
  Api api = session();
  const auto before = files_in(walker_->get(number_), "source_code");
  const std::size_t blobs = stored_blobs(office_->blobs_dir()).size();
  struct Case {
    const char* what;
    std::string body;
    const char* anchor;
    const char* says;  // part of the message (Spanish: the user's language)
  };
  // A forged form (no or a wrong CSRF token) is answered 403 there, like every form.
  for (const std::string& csrf : {std::string("not-the-token"), std::string()}) {
    Response r = post(api, form(csrf, "source_code", {{"a.zip", "A"}}));
    EXPECT_EQ(r.status, 403) << r.describe();
    EXPECT_NE(r.body.find("token de su sesión"), std::string::npos) << r.body.substr(0, 400);
    expect_nothing_kept(before, blobs);
  }
  const std::vector<Case> cases = {
      {"slot not of this kind", form(api.csrf, "qa_to_prod_request", {{"a.zip", "A"}}), "#slot-qa_to_prod_request", "qa_to_prod_request"},
      {"file name refused", form(api.csrf, "source_code", {{"..", "A"}}), "#slot-source_code", ""},
      {"missing closing boundary", form(api.csrf, "source_code", {{"a.zip", "A"}}, false), "#slot-source_code", "se interrumpió"},
      {"malformed", "this is not multipart at all", "#deliverables", "mal formado"},
      {"no file chosen", form(api.csrf, "source_code", {{"", ""}}), "#slot-source_code", "al menos un archivo"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Response r = post(api, c.body);
    ASSERT_EQ(r.status, 303) << r.describe();
    EXPECT_EQ(r.header("Location").value_or(""), "/releases/" + number_ + c.anchor);
    Response page = follow(api, r);
    ASSERT_EQ(page.status, 200) << page.describe();
    EXPECT_NE(page.body.find("id=\"failed-message\""), std::string::npos) << "the release page, with the refusal";
    EXPECT_NE(page.body.find(c.says), std::string::npos) << page.body.substr(0, 400);
    EXPECT_EQ(follow(api, r).body.find("id=\"failed-message\""), std::string::npos) << "shown once";
    expect_nothing_kept(before, blobs);
  }
}

TEST_F(UploadFormTest, OverTheUploadLimitIsTheReleasePageToo) {
  Api api = session();
  const auto before = files_in(walker_->get(number_), "source_code");
  const std::size_t blobs = stored_blobs(office_->blobs_dir()).size();
  Response r = post(api, form(api.csrf, "source_code", {{"huge.zip", std::string(1100 * 1024, 'h')}}));
  ASSERT_EQ(r.status, 303) << r.describe();
  Response page = follow(api, r);
  EXPECT_NE(page.body.find("supera el límite de 1"), std::string::npos) << page.body.substr(0, 400);
  expect_nothing_kept(before, blobs);
}

TEST_F(UploadFormTest, TruncatedBodyKeepsNothing) {
  Api api = session();
  const auto before = files_in(walker_->get(number_), "source_code");
  const std::size_t blobs = stored_blobs(office_->blobs_dir()).size();
  const std::string body = form(api.csrf, "source_code", {{"cortado.zip", std::string(600 * 1024, 'c')}});
  for (std::size_t cut : {body.size() / 2, body.size() - 10, std::size_t{40}}) {
    post(api, body, cut);  // the server sees the connection end early: no answer is owed
    expect_nothing_kept(before, blobs);
  }
}

TEST_F(UploadFormTest, InvalidUtf8FileName_RefusedWithNothingKept) {
  Api api = session();
  const auto before = files_in(walker_->get(number_), "source_code");
  const std::size_t blobs = stored_blobs(office_->blobs_dir()).size();
  for (const std::string& name : {std::string("bad\xff\xfe.zip"), std::string("over\xc0\xaflong.zip"), std::string("cut\xe2\x82.zip")}) {
    Response r = post(api, form(api.csrf, "source_code", {{name, "contenido"}}));
    ASSERT_EQ(r.status, 303) << r.describe();
    EXPECT_NE(follow(api, r).body.find("id=\"failed-message\""), std::string::npos);
    expect_nothing_kept(before, blobs);
  }
}

TEST_F(UploadFormTest, WithoutASessionGoesToSignIn) {
  Api api = session();
  Response r = post(api, form(api.csrf, "source_code", {{"a.zip", "A"}}), std::nullopt, false);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.header("Location").value_or(""), "/login");
}

}  // namespace
}  // namespace apitest
