# Turns a list of files into one C++ source holding their contents:
#   cmake -DBASE=dir -DFILES="a.css,templates/b.mustache" -DOUT=file.cc -P embed_dir.cmake
# defines `const std::vector<pasaprod::web::EmbeddedFile>& pasaprod::web::embedded_files()`
# (declared in src/web/assets.h), one entry per file named by its path relative to BASE.
string(REPLACE "," ";" FILES "${FILES}")
set(decls "")
set(entries "")
set(i 0)
foreach(rel IN LISTS FILES)
  file(READ "${BASE}/${rel}" content HEX)
  string(LENGTH "${content}" hex_len)
  math(EXPR byte_len "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
  string(APPEND decls "constexpr char kFile${i}[] = {${bytes} 0};\n")
  string(APPEND entries "      {\"${rel}\", std::string_view(kFile${i}, ${byte_len})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from ${BASE}; do not edit.\n#include \"web/assets.h\"\nnamespace pasaprod::web {\nnamespace {\n${decls}}  // namespace\nconst std::vector<EmbeddedFile>& embedded_files() {\n  static const std::vector<EmbeddedFile> files = {\n${entries}  };\n  return files;\n}\n}  // namespace pasaprod::web\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
