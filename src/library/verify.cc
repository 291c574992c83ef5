// Verification: recompute the digest of stored blobs and report what does not match.
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "library/internal.h"
#include "library/library.h"
#include "library/small_blobs.h"

namespace pasaprod {

namespace {

bool is_fanout_name(const std::string& name) {
  return name.size() == 2 && is_sha256_hex(name + std::string(62, '0'));
}

// The entries of `dir`, sorted by name; `ec` set if the directory cannot be listed.
std::vector<std::filesystem::directory_entry> sorted_entries(const std::filesystem::path& dir,
                                                             std::error_code& ec) {
  std::vector<std::filesystem::directory_entry> entries;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    entries.push_back(*it);
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

LibraryProblem unreadable(const std::string& sha256, const std::filesystem::path& path,
                          const std::string& reason) {
  return {LibraryProblem::Kind::unreadable, sha256, path, "",
          fmt::format("No se pudo leer {} ({}). Revise sus permisos y el estado del disco; si "
                      "el archivo se perdió, restáurelo desde la copia de respaldo.",
                      path.string(), reason),
          fmt::format("Could not read {} ({}). Check its permissions and the health of the disk; "
                      "if the file is lost, restore it from backup.",
                      path.string(), reason)};
}

LibraryProblem misplaced(const std::filesystem::path& path) {
  return {LibraryProblem::Kind::misplaced, "", path, "",
          fmt::format("{} no es un archivo de la librería en su lugar (su nombre debe ser su "
                      "SHA-256, dentro de la carpeta de sus dos primeros caracteres). Sáquelo de "
                      "la carpeta blobs.",
                      path.string()),
          fmt::format("{} is not a library file in its place (its name must be its SHA-256, "
                      "inside the directory of its first two characters). Move it out of the "
                      "blobs directory.",
                      path.string())};
}

// A row of small.db whose key is not a digest.
LibraryProblem misplaced_row(const std::filesystem::path& db, const std::string& key) {
  return {LibraryProblem::Kind::misplaced, "", db, "",
          fmt::format("La fila «{}» de {} no es un archivo de la librería (su clave debe ser su SHA-256). "
                      "Elimínela de la tabla small_blobs.",
                      key.substr(0, 80), db.string()),
          fmt::format("The row \"{}\" of {} is not a library file (its key must be its SHA-256). Delete it "
                      "from the table small_blobs.",
                      key.substr(0, 80), db.string())};
}

}  // namespace

const char* problem_kind_name(LibraryProblem::Kind kind) {
  switch (kind) {
    case LibraryProblem::Kind::corrupted: return "corrupted";
    case LibraryProblem::Kind::unreadable: return "unreadable";
    case LibraryProblem::Kind::misplaced: return "misplaced";
    case LibraryProblem::Kind::missing: return "missing";
    case LibraryProblem::Kind::invalid_sha256: return "invalid_sha256";
    case LibraryProblem::Kind::orphan: return "orphan";
  }
  return "corrupted";
}

void Library::check_blob(const std::string& sha256, const std::filesystem::path& path,
                         LibraryVerifyReport* report) const {
  Result<std::string> actual = rehash(sha256);
  if (!actual) {
    const std::string err = actual.error().detail("errno");
    report->problems.push_back(
        unreadable(sha256, path, err.empty() ? actual.error().id : std::strerror(std::stoi(err))));
    return;
  }
  report->checked += 1;
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) report->bytes += static_cast<std::int64_t>(size);
  if (*actual == sha256) return;
  report->problems.push_back(
      {LibraryProblem::Kind::corrupted, sha256, path, *actual,
       fmt::format("El archivo {} no coincide con su SHA-256: se esperaba {} y se calculó {}. "
                   "Restáurelo desde la copia de respaldo o vuelva a subir el archivo original.",
                   path.string(), sha256, *actual),
       fmt::format("The file {} does not match its SHA-256: expected {}, computed {}. Restore "
                   "it from backup or upload the original file again.",
                   path.string(), sha256, *actual)});
}

LibraryVerifyReport Library::verify() const {
  LibraryVerifyReport report;
  std::error_code ec;
  auto fanouts = sorted_entries(blobs_, ec);
  if (ec) {
    report.problems.push_back(unreadable("", blobs_, ec.message()));
    return report;
  }
  for (const auto& fanout : fanouts) {
    const std::string dir_name = fanout.path().filename().string();
    if (!fanout.is_directory(ec) || fanout.is_symlink(ec) || !is_fanout_name(dir_name)) {
      report.problems.push_back(misplaced(fanout.path()));
      continue;
    }
    auto files = sorted_entries(fanout.path(), ec);
    if (ec) {
      report.problems.push_back(unreadable("", fanout.path(), ec.message()));
      continue;
    }
    for (const auto& file : files) {
      const std::string name = file.path().filename().string();
      if (!file.is_regular_file(ec) || file.is_symlink(ec) || !is_sha256_hex(name) ||
          name.compare(0, 2, dir_name) != 0) {
        report.problems.push_back(misplaced(file.path()));
        continue;
      }
      report.blobs.push_back(name);
      check_blob(name, file.path(), &report);
    }
  }
  if (small_) {
    const std::set<std::string> files(report.blobs.begin(), report.blobs.end());
    Status listed = small_->for_each([&](const std::string& sha256, std::int64_t size, std::string_view content) {
      if (!is_sha256_hex(sha256)) {
        report.problems.push_back(misplaced_row(small_->path(), sha256));
        return;
      }
      if (!files.contains(sha256)) report.blobs.push_back(sha256);
      check_small(sha256, size, content, &report);
    });
    if (!listed) report.problems.push_back(unreadable("", small_->path(), listed.error().detail("sqlite")));
  }
  return report;
}

void Library::check_small(const std::string& sha256, std::int64_t size, std::string_view content,
                          LibraryVerifyReport* report) const {
  report->checked += 1;
  report->bytes += static_cast<std::int64_t>(content.size());
  const std::string actual = sha256_hex(content);
  if (actual == sha256 && size == static_cast<std::int64_t>(content.size())) return;
  const std::filesystem::path& path = small_->path();
  report->problems.push_back(
      {LibraryProblem::Kind::corrupted, sha256, path, actual,
       fmt::format("El archivo pequeño {} guardado en {} no coincide con su SHA-256 o su tamaño: se calculó {} "
                   "({} bytes, registrados {}). Restáurelo desde la copia de respaldo o vuelva a subir el archivo "
                   "original.",
                   sha256, path.string(), actual, content.size(), size),
       fmt::format("The small file {} kept in {} does not match its SHA-256 or size: computed {} ({} bytes, "
                   "{} recorded). Restore it from backup or upload the original file again.",
                   sha256, path.string(), actual, content.size(), size)});
}

LibraryProblem Library::orphan_problem(const std::string& sha256) const {
  std::filesystem::path path = path_of(sha256);
  struct stat st;
  if (small_ && ::stat(path.c_str(), &st) != 0) {
    path = small_->path();
    return {LibraryProblem::Kind::orphan, sha256, path, "",
            fmt::format("El archivo pequeño {} de la librería (en {}) no pertenece a ninguna solicitud ni documento "
                        "(huérfano). Si no hay una subida en curso, averigüe cómo llegó allí; quítelo de la "
                        "librería solo después de revisarlo.",
                        sha256, path.string()),
            fmt::format("The small library file {} (in {}) belongs to no request and no document (orphan). If no "
                        "upload is in progress, find out how it got there; take it out of the library only after "
                        "checking it.",
                        sha256, path.string())};
  }
  return {LibraryProblem::Kind::orphan, sha256, path, "",
          fmt::format("El archivo {} de la librería no pertenece a ninguna solicitud ni documento "
                      "(huérfano). Si no hay una subida en curso, averigüe cómo llegó allí; "
                      "sáquelo de la librería solo después de revisarlo.",
                      path.string()),
          fmt::format("The library file {} belongs to no request and no document (orphan). If "
                      "no upload is in progress, find out how it got there; move it out of the "
                      "library only after checking it.",
                      path.string())};
}

LibraryVerifyReport Library::verify_blobs(const std::vector<std::string>& sha256s) const {
  LibraryVerifyReport report;
  for (const std::string& sha256 : sha256s) {
    if (!is_sha256_hex(sha256)) {
      Error e = library_internal::invalid_sha256(sha256);
      report.problems.push_back(
          {LibraryProblem::Kind::invalid_sha256, sha256, "", "", e.es, e.en});
      continue;
    }
    const std::filesystem::path path = path_of(sha256);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
      if (small_) {
        Result<std::optional<std::string>> content = small_->content(sha256);
        if (!content) {
          report.problems.push_back(unreadable(sha256, small_->path(), content.error().detail("sqlite")));
          continue;
        }
        if (content->has_value()) {
          const std::int64_t size = static_cast<std::int64_t>((*content)->size());
          check_small(sha256, size, **content, &report);
          continue;
        }
      }
      report.problems.push_back(
          {LibraryProblem::Kind::missing, sha256, path, "",
           fmt::format("Falta en la librería el archivo con SHA-256 {} (se esperaba en {}). "
                       "Restáurelo desde la copia de respaldo o vuelva a subir el archivo.",
                       sha256, path.string()),
           fmt::format("The library lacks the file with SHA-256 {} (expected at {}). Restore it "
                       "from backup or upload the file again.",
                       sha256, path.string())});
      continue;
    }
    check_blob(sha256, path, &report);
  }
  return report;
}

}  // namespace pasaprod
