// Fuzz target: procedure definitions (YAML, src/core/procedure_load.cc) through load_procedure:
// yaml-cpp's parser, then our reading and checking of roles, states, slots, kinds, guards and
// the RACI table. Any text must come back as a Procedure or an invalid_argument naming the
// file, never as an exception or a crash. Seeds: procedures/edition-02.yaml and variants.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/procedure.h"
#include "fuzz_check.h"

using namespace pasaprod;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Procedure> p = load_procedure(text, "fuzz.yaml");
  if (!p) {
    FUZZ_CHECK(p.error().code == Code::invalid_argument, "a refusal that is not invalid_argument");
    FUZZ_CHECK(p.error().en.find("fuzz.yaml") != std::string::npos, "a refusal that does not name the file");
    return 0;
  }
  // A loaded definition answers its own questions.
  for (const auto& k : p->kinds) {
    for (const std::string& code : p->action_codes(k.code)) {
      FUZZ_CHECK(p->any_action(code, k.code) != nullptr, "a listed action has no row for its kind");
      for (const auto& st : p->states) (void)p->action(code, k.code, st.code);
    }
  }
  return 0;
}
