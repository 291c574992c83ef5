// Errors as values.
//
// Every expected failure (a refused action, a bad argument, a lost race) is an Error with a
// canonical Code (what kind of failure, mapped to exit codes and HTTP statuses at the
// boundaries), a stable machine-readable `id` (e.g. "guard.slot_empty"), a message in Spanish
// and in English that says what is missing and who can fix it, and key/value details.
//
//   Result<Version> v = Version::parse(text);
//   if (!v) return v.error();
//   use(*v);
//
// Exceptions are reserved for what aborts an operation (I/O failure, bug) and are caught at
// the CLI/HTTP boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pasaprod {

enum class Lang { es, en };

// Parses "es"/"en" (and "es-PE", "en-US", ...); anything else is Spanish, the default.
Lang parse_lang(const std::string& text);

enum class Code {
  ok,
  invalid_argument,     // malformed input: fix the request.
  unauthenticated,      // who is asking is unknown.
  permission_denied,    // the actor lacks the role the procedure requires.
  not_found,            // the named thing does not exist.
  already_exists,       // creating something that exists.
  failed_precondition,  // a guard of the procedure refused: fix the state, then retry.
  conflict,             // the request changed meanwhile (lost race, state moved on): reload.
  too_large,            // input over a configured limit.
  data_loss,            // stored data fails verification.
  unavailable,          // a service pasaprod depends on (the directory) does not answer: retry later.
  internal,             // a bug or an I/O failure.
};

// Short stable name of a code ("failed_precondition").
const char* code_name(Code code);

struct Detail {
  std::string key;
  std::string value;
};

struct Error {
  Code code = Code::internal;
  std::string id;  // stable, dotted: "guard.slot_empty", "version.expected", ...
  std::string es;  // message in Spanish
  std::string en;  // message in English
  std::vector<Detail> details;

  const std::string& message(Lang lang) const { return lang == Lang::en ? en : es; }
  Error& with(std::string key, std::string value) {
    details.push_back({std::move(key), std::move(value)});
    return *this;
  }
  // The value of the first detail named `key`, or "".
  std::string detail(const std::string& key) const;
};

Error make_error(Code code, std::string id, std::string es, std::string en);

// A value or an Error. Accessing the value of an error result is a bug (asserts).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}        // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { assert(ok()); return std::get<0>(v_); }
  const T& value() const { assert(ok()); return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Status ok_status() { return {}; }

}  // namespace pasaprod
