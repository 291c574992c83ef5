// RFC 3161 time-stamps of the audit head, built and checked with OpenSSL's TS API (no I/O).
//
// The statement stamped for a head is witness_line(db_name, head) — "audit head db=<db name>
// seq=<seq> hash=<64 hex>", no newline — and a time-stamp authority (TSA) signs its SHA-256:
//
//   std::string req = audit::timestamp_request(statement, nonce);   // POST it to the TSA
//   std::int64_t t = audit::check_timestamp_reply(reply, req);      // granted, for this request
//   std::int64_t t = audit::verify_timestamp(reply, statement, "tsa-ca.pem");  // anyone, later
//
// verify_timestamp checks what `openssl ts -verify -in REPLY -data STATEMENT -CAfile CA` checks.
// Every function throws std::runtime_error, with OpenSSL's reason, when the check fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pasaprod::audit {

// A TimeStampReq (DER) for the SHA-256 of `statement`, with `nonce`, asking the TSA to put its
// certificate in the reply (so that a CA certificate is enough to verify it).
std::string timestamp_request(std::string_view statement, std::uint64_t nonce);

// Checks that the TimeStampResp (DER) `reply` grants `request`: status granted, the request's
// digest and nonce. The signature is not checked here (see verify_timestamp). The stamp's time,
// in seconds since 1970 (UTC).
std::int64_t check_timestamp_reply(std::string_view reply, std::string_view request);

// Verifies the TimeStampResp (DER) `reply` for `statement`: the digest, and the signature by a
// certificate with the time-stamping purpose that chains to one in the PEM file `ca_file` (the
// TSA's CA, or the TSA's own certificate). The stamp's time, in seconds since 1970 (UTC).
std::int64_t verify_timestamp(std::string_view reply, std::string_view statement, const std::string& ca_file);

}  // namespace pasaprod::audit
