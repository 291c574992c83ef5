// The approval manifest (SPEC §4.5): canonical text, what changes it, slot digests, and that a
// sign-off counts only for the manifest it recorded.
#include <gtest/gtest.h>

#include "core_test_util.h"
#include "util/sha256.h"

namespace pasaprod::test {
namespace {

Release sample() {
  return ReleaseBuilder("maintenance").file("source_code", "app.zip", "zip bytes").file("install_manual", "manual.pdf", "pdf bytes");
}

TEST(Manifest, CanonicalTextListsRequestDataAndFilesSortedBySlotThenName) {
  Release r = ReleaseBuilder("maintenance")
                  .file("source_code", "b.zip", "B")
                  .file("install_manual", "z.pdf", "Z")
                  .file("source_code", "a.zip", "AA");
  const std::string text = manifest_text(r, r.files);
  const std::string expected = "pasaprod-manifest-v1\n"
                               "number\tPP-2026-0042\n"
                               "system\tSIAGIE\n"
                               "kind\tmaintenance\n"
                               "version\t2.4\n"
                               "edition\t02\n"
                               "file\tinstall_manual\tz.pdf\t1\t" + sha256_hex("Z") + "\n"
                               "file\tsource_code\ta.zip\t2\t" + sha256_hex("AA") + "\n"
                               "file\tsource_code\tb.zip\t1\t" + sha256_hex("B") + "\n";
  EXPECT_EQ(text, expected);
  EXPECT_EQ(manifest_sha256(r), sha256_hex(expected));
}

TEST(Manifest, DoesNotDependOnUploadOrder) {
  Release a = sample();
  Release b = a;
  std::swap(b.files[0], b.files[1]);
  EXPECT_EQ(manifest_sha256(a), manifest_sha256(b));
}

TEST(Manifest, ChangesWhenAnyFileOrRequestFieldChanges) {
  const Release base = sample();
  const std::string m = manifest_sha256(base);
  auto changed = [&](auto mutate_fn) {
    Release r = base;
    mutate_fn(r);
    return manifest_sha256(r) != m;
  };
  EXPECT_TRUE(changed([](Release& r) { r.files[0].sha256 = sha256_hex("other bytes"); }));
  EXPECT_TRUE(changed([](Release& r) { r.files[0].size += 1; }));
  EXPECT_TRUE(changed([](Release& r) { r.files[0].name = "app2.zip"; }));
  EXPECT_TRUE(changed([](Release& r) { r.files[0].slot = "executables"; }));
  EXPECT_TRUE(changed([](Release& r) { r.files.push_back(make_file("db_scripts", "x.sql", "sql")); }));
  EXPECT_TRUE(changed([](Release& r) { r.files.pop_back(); }));
  EXPECT_TRUE(changed([](Release& r) { r.version = "2.5"; }));
  EXPECT_TRUE(changed([](Release& r) { r.number = "PP-2026-0043"; }));
  EXPECT_TRUE(changed([](Release& r) { r.system = "SUP"; }));
  EXPECT_TRUE(changed([](Release& r) { r.kind = "emergency"; }));
  EXPECT_TRUE(changed([](Release& r) { r.edition = "03"; }));
}

TEST(Manifest, IgnoresWhatIsNotApproved) {
  const Release base = sample();
  Release r = base;
  r.state = "approved";
  r.title = "Another title";
  r.files[0].uploaded_by = "someone else";
  r.files[0].uploaded_at += 1000;
  r.records.push_back(Record{});
  EXPECT_EQ(manifest_sha256(r), manifest_sha256(base));
}

TEST(Manifest, WithGivenFilesEqualsManifestOfReleaseHoldingThem) {
  const Release base = sample();
  std::vector<DeliverableFile> deployed = base.files;
  EXPECT_EQ(manifest_sha256(base, deployed), manifest_sha256(base));
  deployed[1].sha256 = sha256_hex("tampered");
  Release holding = base;
  holding.files = deployed;
  EXPECT_EQ(manifest_sha256(base, deployed), manifest_sha256(holding));
  EXPECT_NE(manifest_sha256(base, deployed), manifest_sha256(base));
}

TEST(SlotDigest, ChangesOnlyWithThatSlotsContent) {
  const Release base = sample();
  const std::string src = slot_digest(base, "source_code");
  const std::string man = slot_digest(base, "install_manual");
  EXPECT_NE(src, man);
  Release r = base;
  r.files.push_back(make_file("source_code", "extra.zip", "more"));
  EXPECT_NE(slot_digest(r, "source_code"), src);
  EXPECT_EQ(slot_digest(r, "install_manual"), man);
  // Empty slots of different names differ too, so a review cannot move between slots.
  EXPECT_NE(slot_digest(base, "db_scripts"), slot_digest(base, "backout_plan"));
}

TEST(SignoffFreshness, SignoffOnManifestAIsStaleOnceAFileChanges) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  EXPECT_TRUE(signoff_fresh(f.sit(), "qa_accept"));
  EXPECT_TRUE(signoff_fresh(f.sit(), "request_production"));
  const std::string manifest_a = f.rel.latest_transition("qa_accept")->manifest_sha256;
  EXPECT_EQ(manifest_a, manifest_sha256(f.rel));

  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "the install manual is outdated"));
  EXPECT_TRUE(signoff_fresh(f.sit(), "qa_accept")) << "returning alone changes no file";
  ASSERT_TRUE(f.upload("install_manual", "install_manual.pdf", "second content"));
  EXPECT_NE(manifest_sha256(f.rel), manifest_a);
  EXPECT_FALSE(signoff_fresh(f.sit(), "qa_accept"));
  EXPECT_FALSE(signoff_fresh(f.sit(), "request_production"));
}

TEST(SignoffFreshness, RecordSignoffGoesStaleToo) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.record(f.who.sec, "security_conformity", {{"note", "ok"}}));
  EXPECT_TRUE(signoff_fresh(f.sit(), "security_conformity"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "fix"));
  ASSERT_TRUE(f.upload("source_code", "patch.zip", "new code"));
  EXPECT_FALSE(signoff_fresh(f.sit(), "security_conformity"));
}

TEST(SignoffFreshness, NeverGivenIsNotFresh) {
  Flow f("maintenance");
  EXPECT_FALSE(signoff_fresh(f.sit(), "qa_accept"));
  EXPECT_FALSE(signoff_fresh(f.sit(), "security_conformity"));
}

TEST(SignoffFreshness, TheLatestSignoffDecides) {
  // Given, went stale, given again on the new manifest: fresh.
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "fix"));
  ASSERT_TRUE(f.upload("source_code", "source_code.pdf", "fixed"));
  ASSERT_TRUE(f.act(f.who.qa, "reopen_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_accept"));
  EXPECT_TRUE(signoff_fresh(f.sit(), "qa_accept"));
  EXPECT_EQ(f.rel.transitions.size(), 6u);
}

TEST(SignoffFreshness, ResubmitAfterReplacedFileIsRefusedUntilQaAcceptsAgain) {
  // The example of SPEC §4.5.
  Flow f("project");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "executables do not match the sources"));
  ASSERT_TRUE(f.upload("executables", "executables.pdf", "rebuilt"));
  auto resubmit = f.try_act(f.who.qa, "resubmit");
  ASSERT_TRUE(Refused(resubmit, Code::failed_precondition, "guard.signoff_stale"));
  EXPECT_TRUE(has_detail(resubmit.error(), "stale", "qa_accept"));
  ASSERT_TRUE(f.act(f.who.qa, "reopen_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_accept"));
  ASSERT_TRUE(f.act(f.who.qa, "request_production"));
  EXPECT_EQ(f.rel.state, "submitted");
}

TEST(SignoffFreshness, ResubmitWithoutChangesIsAllowed) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "please confirm the window with the users"));
  EXPECT_TRUE(f.act(f.who.qa, "resubmit"));
}

TEST(SignoffFreshness, ActionsRecordTheCurrentManifest) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  const std::string m = manifest_sha256(f.rel);
  for (const auto& t : f.rel.transitions) EXPECT_EQ(t.manifest_sha256, m) << t.action;
  for (const auto& r : f.rel.records) EXPECT_EQ(r.manifest_sha256, m) << r.type;
}

}  // namespace
}  // namespace pasaprod::test
