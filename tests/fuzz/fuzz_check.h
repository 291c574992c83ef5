// FUZZ_CHECK(cond, what): a property a fuzz target asserts beyond "no crash". A failure prints
// `what` and aborts, so libFuzzer saves the input as a crash (unlike assert, never compiled out).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                       \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   what, #cond);                                                     \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
