// The real clock (core/time.h's Clock), for the CLI and the server.
#pragma once

#include <chrono>

#include "core/time.h"

namespace pasaprod {

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

// A clock that returns what it is told; for tests and demos.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Timestamp t) : t_(t) {}
  Timestamp now() const override { return t_; }
  void set(Timestamp t) { t_ = t; }
  void advance_ms(Timestamp ms) { t_ += ms; }

 private:
  Timestamp t_;
};

}  // namespace pasaprod
