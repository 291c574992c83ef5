#include "core/manifest.h"

#include <algorithm>

#include "util/sha256.h"

namespace pasaprod {
namespace {

std::vector<const DeliverableFile*> sorted(const std::vector<DeliverableFile>& files) {
  std::vector<const DeliverableFile*> out;
  for (const auto& f : files) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](const DeliverableFile* a, const DeliverableFile* b) {
    return a->slot != b->slot ? a->slot < b->slot : a->name < b->name;
  });
  return out;
}

}  // namespace

std::string manifest_text(const Release& r, const std::vector<DeliverableFile>& files) {
  std::string out = "pasaprod-manifest-v1\n";
  out += "number\t" + r.number + "\n";
  out += "system\t" + r.system + "\n";
  out += "kind\t" + r.kind + "\n";
  out += "version\t" + r.version + "\n";
  out += "edition\t" + r.edition + "\n";
  for (const DeliverableFile* f : sorted(files)) {
    out += "file\t" + f->slot + "\t" + f->name + "\t" + std::to_string(f->size) + "\t" + f->sha256 + "\n";
  }
  return out;
}

std::string manifest_sha256(const Release& r) { return sha256_hex(manifest_text(r, r.files)); }

std::string manifest_sha256(const Release& r, const std::vector<DeliverableFile>& files) {
  return sha256_hex(manifest_text(r, files));
}

std::string slot_digest(const Release& r, const std::string& slot) {
  std::string text = "slot\t" + slot + "\n";
  for (const DeliverableFile* f : sorted(r.files)) {
    if (f->slot == slot) text += f->name + "\t" + std::to_string(f->size) + "\t" + f->sha256 + "\n";
  }
  return sha256_hex(text);
}

}  // namespace pasaprod
