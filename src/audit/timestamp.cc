#include "audit/timestamp.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>
#include <stdexcept>

namespace pasaprod::audit {
namespace {

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Freer<T, Free>>;

using Req = Owned<TS_REQ, TS_REQ_free>;
using Resp = Owned<TS_RESP, TS_RESP_free>;
using VerifyCtx = Owned<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;

// Throws `what` with the reasons OpenSSL queued (and clears them).
[[noreturn]] void fail(const std::string& what) {
  std::string reasons;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reasons += (reasons.empty() ? ": " : "; ") + std::string(buf);
  }
  throw std::runtime_error(what + reasons);
}

Resp parse_reply(std::string_view reply) {
  const auto* p = reinterpret_cast<const unsigned char*>(reply.data());
  Resp resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(reply.size())));
  if (!resp) fail("not an RFC 3161 time-stamp reply");
  return resp;
}

// The reply's time, after a successful verification.
std::int64_t stamp_time(TS_RESP* resp) {
  const ASN1_GENERALIZEDTIME* t = TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp));
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) fail("the time-stamp has no valid time");
  return static_cast<std::int64_t>(timegm(&tm));
}

// Runs `ctx` over `resp`; throws `what` on failure.
void verify(TS_VERIFY_CTX* ctx, TS_RESP* resp, const std::string& what) {
  if (TS_RESP_verify_response(ctx, resp) != 1) fail(what);
}

}  // namespace

std::string timestamp_request(std::string_view statement, std::uint64_t nonce) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(statement.data(), statement.size(), md, &md_len, EVP_sha256(), nullptr) != 1) fail("SHA-256");
  Req req(TS_REQ_new());
  Owned<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free> imprint(TS_MSG_IMPRINT_new());
  Owned<X509_ALGOR, X509_ALGOR_free> algo(X509_ALGOR_new());
  Owned<ASN1_INTEGER, ASN1_INTEGER_free> n(ASN1_INTEGER_new());
  if (!req || !imprint || !algo || !n || X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 || TS_MSG_IMPRINT_set_msg(imprint.get(), md, static_cast<int>(md_len)) != 1 ||
      TS_REQ_set_version(req.get(), 1) != 1 || TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1 ||
      ASN1_INTEGER_set_uint64(n.get(), nonce) != 1 || TS_REQ_set_nonce(req.get(), n.get()) != 1 ||
      TS_REQ_set_cert_req(req.get(), 1) != 1) {
    fail("could not build the time-stamp request");
  }
  unsigned char* der = nullptr;
  const int len = i2d_TS_REQ(req.get(), &der);
  if (len <= 0) fail("could not encode the time-stamp request");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::int64_t check_timestamp_reply(std::string_view reply, std::string_view request) {
  Resp resp = parse_reply(reply);
  const auto* p = reinterpret_cast<const unsigned char*>(request.data());
  Req req(d2i_TS_REQ(nullptr, &p, static_cast<long>(request.size())));
  if (!req) fail("not a time-stamp request");
  // Status, version, digest and nonce: the signature is verify_timestamp's.
  VerifyCtx ctx(TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr));
  if (!ctx) fail("could not prepare the check of the reply");
  TS_VERIFY_CTX_set_flags(ctx.get(), static_cast<int>(TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE));
  verify(ctx.get(), resp.get(), "the time-stamp authority did not grant this request");
  return stamp_time(resp.get());
}

std::int64_t verify_timestamp(std::string_view reply, std::string_view statement, const std::string& ca_file) {
  Resp resp = parse_reply(reply);
  VerifyCtx ctx(TS_VERIFY_CTX_new());
  X509_STORE* store = X509_STORE_new();
  if (!ctx || store == nullptr) fail("out of memory");
  TS_VERIFY_CTX_set_store(ctx.get(), store);  // owned by ctx from here
  if (X509_STORE_load_file(store, ca_file.c_str()) != 1) fail("could not read the certificates in " + ca_file);
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);  // the TSA's own certificate may be the one trusted
  BIO* data = BIO_new_mem_buf(statement.data(), static_cast<int>(statement.size()));
  if (data == nullptr) fail("out of memory");
  TS_VERIFY_CTX_set_data(ctx.get(), data);  // owned by ctx
  TS_VERIFY_CTX_set_flags(ctx.get(), static_cast<int>(TS_VFY_VERSION | TS_VFY_SIGNER | TS_VFY_SIGNATURE | TS_VFY_DATA));
  verify(ctx.get(), resp.get(), "the time-stamp does not verify");
  return stamp_time(resp.get());
}

}  // namespace pasaprod::audit
