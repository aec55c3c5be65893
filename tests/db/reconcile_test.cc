// Identification and reconciliation against a real PostgreSQL: each rule
// kind, normalisation, dependent CIs, conflicts, source precedence, manual
// edits, dry runs, staleness (time from a fake clock), merge, idempotence,
// bad items and concurrency.
#include <atomic>
#include <thread>

#include "core/uuid.h"
#include "core/strings.h"
#include "reconcile_fixture.h"
#include "support/reconcile_builders.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ReconcileTest : public ReconcileServiceTest {
 protected:
  ReconcileOutput Run(const std::string& source, std::vector<ReconcileItemInput> items, bool dry_run = false,
                      bool complete = false, std::vector<ReconcileRelationInput> relations = {}) {
    ReconcileInput in;
    in.source = source;
    in.items = std::move(items);
    in.relations = std::move(relations);
    in.dry_run = dry_run;
    in.complete_run = complete;
    auto out = reconcile_->Reconcile(Ctx("worker"), in);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : ReconcileOutput{};
  }

  // Reconciles one item; returns its outcome.
  ItemOutcome One(const std::string& source, ReconcileItemInput item) {
    auto out = Run(source, {std::move(item)});
    EXPECT_EQ(out.items.size(), 1u);
    return out.items.empty() ? ItemOutcome{} : out.items[0];
  }
};

TEST_F(ReconcileTest, CreatesThenMatchesBySerialAndReportsTheDiff) {
  auto first = One("snmp", Item("r1", "switch", "sw1", {{"serial_number", "FOC1234X"}, {"model", "C9300"}}));
  EXPECT_EQ(first.action, ReconcileAction::kCreated);
  ASSERT_TRUE(IsUuid(first.ci_id));
  auto again = One("snmp", Item("r1", "switch", "sw1", {{"serial_number", "FOC1234X"}, {"model", "C9300-48P"}}));
  EXPECT_EQ(again.action, ReconcileAction::kUpdated);
  EXPECT_EQ(again.ci_id, first.ci_id);
  EXPECT_EQ(again.matched_by, "serial_number");
  ASSERT_EQ(again.diff.size(), 1u);
  EXPECT_EQ(again.diff[0].field, "attributes.model");
  EXPECT_EQ(*again.diff[0].old_value, "C9300");
  EXPECT_EQ(*again.diff[0].new_value, "C9300-48P");
  auto ci = cis_->Get(first.ci_id, std::nullopt);
  EXPECT_EQ(ci->attributes["model"], "C9300-48P");
  EXPECT_EQ(ci->provenance["attributes.model"]["source"], "snmp");  // per-attribute provenance
  EXPECT_EQ(cis_->History(first.ci_id, 0, "")->versions[0].changeset.source, "snmp");
}

TEST_F(ReconcileTest, EachRuleKindIdentifiesWithNormalisation) {
  // Serial: case and blanks do not matter.
  auto s = One("a", Item("x", "server", "srv-a", {{"serial_number", "ab12 cd"}}));
  EXPECT_EQ(One("b", Item("x", "server", "other-name", {{"serial_number", "  AB12   CD "}})).ci_id, s.ci_id);
  // Any of the MAC addresses, in any notation.
  auto m = One("a", Item("x", "server", "srv-m", {{"mac_addresses", {"00:1b:21:aa:00:01", "00:1b:21:aa:00:02"}}}));
  EXPECT_EQ(One("b", Item("x", "server", "srv-m", {{"mac_addresses", {"001B.21AA.0002"}}})).ci_id, m.ci_id);
  // FQDN: case and trailing dot.
  auto f = One("a", Item("x", "server", "srv-f", {{"fqdn", "Web01.Example.COM."}}));
  EXPECT_EQ(One("b", Item("x", "server", "web01", {{"fqdn", "web01.example.com"}})).ci_id, f.ci_id);
  // Management IP and name together (either alone is not enough).
  auto ip = One("a", Item("x", "router", "edge", {{"management_ip", "10.0.0.1"}}));
  auto same = One("b", Item("x", "router", "EDGE ", {{"management_ip", "::ffff:10.0.0.1"}}));
  EXPECT_EQ(same.ci_id, ip.ci_id);
  EXPECT_EQ(same.matched_by, "management_ip+name");
  EXPECT_EQ(One("b", Item("x", "router", "core", {{"management_ip", "10.0.0.1"}})).action, ReconcileAction::kCreated);
  // A source's own key, before the rules.
  ReconcileItemInput keyed = Item("x", "server", "srv-k", {{"serial_number", "K1"}});
  keyed.source_key = "engine-0001";
  auto k = One("snmp", keyed);
  keyed.finding.attributes = {{"serial_number", "K1-REPLACED-BOARD"}};
  auto by_key = One("snmp", keyed);
  EXPECT_EQ(by_key.ci_id, k.ci_id);
  EXPECT_EQ(by_key.matched_by, "source:snmp");
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 6);
}

TEST_F(ReconcileTest, DependentCisAreIdentifiedWithinTheirParent) {
  auto payload = [](const std::string& serial, const std::string& speed) {
    std::vector<ReconcileItemInput> items = {Item("dev", "switch", "sw-" + serial, {{"serial_number", serial}})};
    for (const char* ifname : {"Gi1/0/1", "Gi1/0/2"}) {
      auto port = Item(StrCat("if-", ifname), "interface", ifname, {{"if_name", ifname}, {"speed_mbps", std::stoi(speed)}});
      port.parent_ref = "dev";
      items.push_back(port);
    }
    return items;
  };
  auto a = Run("snmp", payload("S1", "1000"));
  auto b = Run("snmp", payload("S2", "1000"));
  for (const auto& out : {a, b}) {
    for (const auto& item : out.items) EXPECT_EQ(item.action, ReconcileAction::kCreated) << item.ref << item.reason;
  }
  // The same interface names under another device are other CIs.
  EXPECT_NE(a.items[1].ci_id, b.items[1].ci_id);
  EXPECT_EQ(cis_->Get(a.items[1].ci_id, std::nullopt)->parent_id, a.items[0].ci_id);
  auto again = Run("snmp", payload("S1", "10000"));
  EXPECT_EQ(again.items[0].action, ReconcileAction::kUnchanged);
  EXPECT_EQ(again.items[1].action, ReconcileAction::kUpdated);
  EXPECT_EQ(again.items[1].ci_id, a.items[1].ci_id);
  EXPECT_EQ(again.items[1].matched_by, "parent:if_name");
  // Without its parent, an interface has no identifier.
  auto orphan = One("snmp", Item("o", "interface", "Gi1/0/9", {{"if_name", "Gi1/0/9"}}));
  EXPECT_EQ(orphan.action, ReconcileAction::kRejected);
  EXPECT_THAT(orphan.reason, HasSubstr("no identifier"));
}

TEST_F(ReconcileTest, AmbiguousMatchIsAConflictWritesNothingAndRecordsADuplicate) {
  Ci a = Create("server", "twin-a", {{"serial_number", "DUP-1"}});
  Ci b = Create("server", "twin-b", {{"serial_number", "DUP-1"}});
  const int64_t versions = Count("SELECT count(*) FROM ci_version");
  auto out = One("snmp", Item("x", "server", "twin", {{"serial_number", "dup-1"}, {"cpu_count", 64}}));
  EXPECT_EQ(out.action, ReconcileAction::kConflict);
  EXPECT_THAT(out.reason, HasSubstr("ambiguous"));
  EXPECT_THAT(out.candidates, ::testing::UnorderedElementsAre(a.id, b.id));
  EXPECT_TRUE(out.ci_id.empty());
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version"), versions);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 2);
  auto dups = admin_->ListDuplicates(Ctx(), false, 0, "");
  ASSERT_TRUE(dups.ok()) << dups.status();
  ASSERT_EQ(dups->candidates.size(), 1u);
  EXPECT_EQ(dups->candidates[0].kind, "serial_number");
  EXPECT_EQ(dups->candidates[0].detected_by, "snmp");
}

TEST_F(ReconcileTest, PrecedenceBetweenThreeSourcesHoldsInBothOrders) {
  ReconciliationRuleDef rule{"hardware", "attributes.firmware_version", {"snmp", "http", "csv-import"}};
  ASSERT_TRUE(admin_->SetReconciliationRule(Ctx("admin"), rule).ok());
  auto fw = [&](const std::string& source, const std::string& version, const std::string& serial) {
    return One(source, Item("x", "server", "s-" + serial, {{"serial_number", serial}, {"firmware_version", version}}));
  };
  // Lowest first: each higher source overwrites.
  fw("csv-import", "1.0-csv", "P1");
  EXPECT_EQ(fw("http", "1.0-http", "P1").action, ReconcileAction::kUpdated);
  auto top = fw("snmp", "1.0-snmp", "P1");
  EXPECT_EQ(top.action, ReconcileAction::kUpdated);
  // Highest first: the lower ones are kept out, and say why.
  fw("snmp", "2.0-snmp", "P2");
  auto mid = fw("http", "2.0-http", "P2");
  EXPECT_EQ(mid.action, ReconcileAction::kUnchanged);
  ASSERT_EQ(mid.skipped.size(), 1u);
  EXPECT_EQ(mid.skipped[0].field, "attributes.firmware_version");
  EXPECT_THAT(mid.skipped[0].reason, HasSubstr("set by snmp, which outranks http"));
  EXPECT_EQ(fw("csv-import", "2.0-csv", "P2").action, ReconcileAction::kUnchanged);
  EXPECT_EQ(cis_->Get(top.ci_id, std::nullopt)->attributes["firmware_version"], "1.0-snmp");
  CiListQuery q;
  q.filter = "attributes.serial_number = P2";
  EXPECT_EQ(cis_->List(q)->cis[0].attributes["firmware_version"], "2.0-snmp");
}

TEST_F(ReconcileTest, ManualEditIsProtectedFromDiscovery) {
  auto created = One("snmp", Item("x", "switch", "sysname-from-snmp", {{"serial_number", "M1"}, {"model", "X"}}));
  CiPatch patch;
  patch.id = created.ci_id;
  patch.values.name = "core-switch-fra1";
  patch.values.owner = "network-team";
  ASSERT_TRUE(cis_->Update(Ctx("alice"), patch).ok());
  auto rediscovered =
      One("snmp", Item("x", "switch", "sysname-from-snmp", {{"serial_number", "M1"}, {"model", "Y"}}));
  EXPECT_EQ(rediscovered.action, ReconcileAction::kUpdated);  // the model may change
  ASSERT_EQ(rediscovered.skipped.size(), 1u);
  EXPECT_EQ(rediscovered.skipped[0].field, "name");
  auto ci = cis_->Get(created.ci_id, std::nullopt);
  EXPECT_EQ(ci->name, "core-switch-fra1");
  EXPECT_EQ(ci->owner, "network-team");
  EXPECT_EQ(ci->attributes["model"], "Y");
  EXPECT_EQ(ci->provenance["name"]["source"], "manual");
}

TEST_F(ReconcileTest, AbsentAttributesAreLeftAloneAndASourceClearsOnlyItsOwn) {
  auto c = One("snmp", Item("x", "server", "s", {{"serial_number", "C1"}, {"os_name", "Debian"}}));
  CiPatch patch;
  patch.id = c.ci_id;
  patch.values.attributes = {{"asset_tag", "AT-77"}};
  ASSERT_TRUE(cis_->Update(Ctx(), patch).ok());
  // Not mentioning os_name leaves it; clearing asset_tag (set by a person) is refused.
  auto out = One("snmp", Item("x", "server", "s", {{"serial_number", "C1"}, {"asset_tag", nullptr}}));
  EXPECT_EQ(out.action, ReconcileAction::kUnchanged);
  ASSERT_EQ(out.skipped.size(), 1u);
  EXPECT_THAT(out.skipped[0].reason, HasSubstr("only manual, which set it, may clear it"));
  // Clearing its own value works.
  auto cleared = One("snmp", Item("x", "server", "s", {{"serial_number", "C1"}, {"os_name", nullptr}}));
  EXPECT_EQ(cleared.action, ReconcileAction::kUpdated);
  auto ci = cis_->Get(c.ci_id, std::nullopt);
  EXPECT_FALSE(ci->attributes.contains("os_name"));
  EXPECT_EQ(ci->attributes["asset_tag"], "AT-77");
}

TEST_F(ReconcileTest, DryRunAnswersLikeTheRealRunAndWritesNothing) {
  Create("server", "existing", {{"serial_number", "E1"}, {"cpu_count", 2}});
  auto payload = [] {
    return std::vector<ReconcileItemInput>{Item("new", "server", "brand-new", {{"serial_number", "N1"}}),
                                           Item("upd", "server", "existing", {{"serial_number", "E1"}, {"cpu_count", 8}}),
                                           Item("bad", "server", "broken", {{"cpu_count", "many"}})};
  };
  const int64_t ci_versions = Count("SELECT count(*) FROM ci_version");
  const int64_t changesets = Count("SELECT count(*) FROM changeset");
  auto dry = Run("snmp", payload(), /*dry_run=*/true, false,
                 {{"new", "", "runs_on", "upd", "", Json::object()}});
  EXPECT_TRUE(dry.dry_run);
  EXPECT_FALSE(dry.changeset.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version"), ci_versions);
  EXPECT_EQ(Count("SELECT count(*) FROM changeset"), changesets);
  EXPECT_EQ(Count("SELECT count(*) FROM ci_source"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM source WHERE name = 'snmp'"), 0);
  auto real = Run("snmp", payload(), false, false, {{"new", "", "runs_on", "upd", "", Json::object()}});
  ASSERT_EQ(dry.items.size(), real.items.size());
  for (size_t i = 0; i < dry.items.size(); ++i) {
    EXPECT_EQ(dry.items[i].action, real.items[i].action) << i;
    EXPECT_EQ(dry.items[i].reason, real.items[i].reason) << i;
    EXPECT_EQ(dry.items[i].diff.size(), real.items[i].diff.size()) << i;
    for (size_t d = 0; d < dry.items[i].diff.size(); ++d) {
      EXPECT_EQ(dry.items[i].diff[d].field, real.items[i].diff[d].field);
      EXPECT_EQ(dry.items[i].diff[d].new_value, real.items[i].diff[d].new_value);
    }
    if (real.items[i].action != ReconcileAction::kCreated) { EXPECT_EQ(dry.items[i].ci_id, real.items[i].ci_id); }
  }
  EXPECT_TRUE(dry.items[0].ci_id.empty());  // a dry run creates nothing, so no id
  EXPECT_EQ(dry.relations[0].action, real.relations[0].action);
  EXPECT_EQ(real.relations[0].action, ReconcileAction::kCreated);
}

TEST_F(ReconcileTest, TheSamePayloadTwiceIsUnchangedAndWritesNoVersion) {
  auto payload = [] {
    std::vector<ReconcileItemInput> items;
    for (int i = 0; i < 20; ++i) {
      items.push_back(Item(StrCat("r", i), "server", StrCat("idem", i),
                           {{"serial_number", StrCat("ID", i)}, {"cpu_count", i + 1}, {"os_name", "Debian"}}));
    }
    return items;
  };
  auto first = Run("snmp", payload(), false, false, {{"r0", "", "depends_on", "r1", "", Json::object()}});
  EXPECT_EQ(first.Count(ReconcileAction::kCreated), 20);
  const int64_t versions = Count("SELECT count(*) FROM ci_version");
  const int64_t rel_versions = Count("SELECT count(*) FROM relationship_version");
  const int64_t sightings = Count("SELECT count(*) FROM ci_source");
  auto second = Run("snmp", payload(), false, false, {{"r0", "", "depends_on", "r1", "", Json::object()}});
  EXPECT_EQ(second.Count(ReconcileAction::kUnchanged), 20);
  EXPECT_EQ(second.relations[0].action, ReconcileAction::kUnchanged);
  EXPECT_FALSE(second.changeset.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM ci_version"), versions);
  EXPECT_EQ(Count("SELECT count(*) FROM relationship_version"), rel_versions);
  EXPECT_EQ(Count("SELECT count(*) FROM ci_source"), sightings);
}

TEST_F(ReconcileTest, ABadItemIsRejectedByNameAndTheRestIsApplied) {
  auto out = Run("snmp", {Item("good", "server", "fine", {{"serial_number", "G1"}}),
                          Item("bad-type", "server", "x", {{"serial_number", "G2"}, {"cpu_count", "four"}}),
                          Item("bad-class", "spaceship", "x", {{"serial_number", "G3"}}),
                          Item("no-id", "server", "anonymous", {{"cpu_count", 4}}),
                          Item("also-good", "switch", "sw", {{"serial_number", "G4"}})});
  EXPECT_EQ(out.items[0].action, ReconcileAction::kCreated);
  EXPECT_EQ(out.items[1].action, ReconcileAction::kRejected);
  EXPECT_THAT(out.items[1].reason, StartsWith("attributes.cpu_count:"));
  EXPECT_THAT(out.items[2].reason, StartsWith("class_name:"));
  EXPECT_THAT(out.items[3].reason, HasSubstr("no identifier"));
  EXPECT_EQ(out.items[4].action, ReconcileAction::kCreated);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 2);
  // A payload-level problem refuses the whole payload.
  ReconcileInput bad;
  bad.source = "manual";
  bad.items = {Item("a", "server", "a", {{"serial_number", "Z"}})};
  EXPECT_THAT(std::string(reconcile_->Reconcile(Ctx(), bad).status().message()), StartsWith("source:"));
  bad.source = "snmp";
  bad.items.push_back(bad.items[0]);
  EXPECT_THAT(std::string(reconcile_->Reconcile(Ctx(), bad).status().message()), StartsWith("items[1].ref:"));
}

// Large payloads take turns: one waits for the other's slot, gives up at its
// deadline with RESOURCE_EXHAUSTED, and small payloads never wait.
TEST_F(ReconcileTest, LargePayloadsTakeTurnsAndSmallOnesNeverWait) {
  limits_.large_payload_items = 10;
  limits_.max_large_reconciles = 1;
  reconcile_ = std::make_unique<ReconcileService>(db(), limits_, clock_);
  auto payload = [](const std::string& prefix, int n) {
    ReconcileInput in;
    in.source = "bulk";
    for (int i = 0; i < n; ++i) {
      in.items.push_back(Item(StrCat(prefix, i), "server", StrCat(prefix, i), {{"serial_number", StrCat(prefix, i)}}));
    }
    return in;
  };
  auto held = reconcile_->gate().Enter(std::chrono::system_clock::now());
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(reconcile_->gate().in_use(), 1);
  // The slot is taken: a large payload gives up at its deadline, naming the setting.
  auto waited = reconcile_->Reconcile(Ctx(), payload("L", 20),
                                      std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(waited.status().message()), HasSubstr("--max-large-reconciles"));
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
  // A small one goes through.
  ASSERT_TRUE(reconcile_->Reconcile(Ctx(), payload("s", 5)).ok());
  // Released, the slot lets a waiting payload in.
  std::thread waiter([&] {
    auto out = reconcile_->Reconcile(Ctx(), payload("W", 20),
                                     std::chrono::system_clock::now() + std::chrono::seconds(30));
    EXPECT_TRUE(out.ok()) << out.status();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  *held = PayloadGate::Permit();
  waiter.join();
  EXPECT_EQ(reconcile_->gate().in_use(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 25);
}

TEST_F(ReconcileTest, ClassesMayGetMorePreciseButNotChangeBranch) {
  auto generic = One("ping", Item("x", "network_device", "dev", {{"serial_number", "CL1"}}));
  auto precise = One("snmp", Item("x", "switch", "dev", {{"serial_number", "CL1"}}));
  EXPECT_EQ(precise.action, ReconcileAction::kUpdated);
  EXPECT_EQ(precise.diff[0].field, "class_name");
  EXPECT_EQ(cis_->Get(generic.ci_id, std::nullopt)->class_name, "switch");
  EXPECT_EQ(One("ping", Item("x", "network_device", "dev", {{"serial_number", "CL1"}})).action,
            ReconcileAction::kUnchanged);  // stays a switch
  auto clash = One("snmp", Item("x", "router", "dev", {{"serial_number", "CL1"}}));
  EXPECT_EQ(clash.action, ReconcileAction::kConflict);
  EXPECT_THAT(clash.reason, HasSubstr("is a switch"));
}

TEST_F(ReconcileTest, StaleByMissedRunsAndSeenAgainClears) {
  SourcePolicy policy;
  policy.name = "scanner";
  policy.stale_after_runs = 2;
  ASSERT_TRUE(admin_->SetSourcePolicy(Ctx("admin"), policy).ok());
  auto both = Run("scanner", {Item("a", "server", "stays", {{"serial_number", "ST1"}}),
                              Item("b", "server", "goes", {{"serial_number", "ST2"}})},
                  false, true);
  const std::string goes = both.items[1].ci_id;
  Relationship rel;
  rel.source_id = both.items[0].ci_id;
  rel.type = "depends_on";
  rel.target_id = goes;
  auto link = rels_->Create(Ctx(), rel);
  ASSERT_TRUE(link.ok());
  auto only_a = [&] { return Run("scanner", {Item("a", "server", "stays", {{"serial_number", "ST1"}})}, false, true); };
  EXPECT_EQ(only_a().marked_stale, 0);  // one missed run
  EXPECT_FALSE(cis_->Get(goes, std::nullopt)->stale);
  EXPECT_EQ(only_a().marked_stale, 1);  // the second
  EXPECT_TRUE(cis_->Get(goes, std::nullopt)->stale);
  EXPECT_FALSE(cis_->Get(both.items[0].ci_id, std::nullopt)->stale);
  EXPECT_TRUE(rels_->Get(link->id, std::nullopt)->stale);  // relationships to it are flagged
  CiListQuery q;
  q.filter = "stale = true";
  ASSERT_EQ(cis_->List(q)->cis.size(), 1u);
  EXPECT_EQ(cis_->List(q)->cis[0].id, goes);
  // A partial run does not count as missing anything.
  Run("scanner", {Item("a", "server", "stays", {{"serial_number", "ST1"}})});
  // Seeing it again clears the mark.
  Run("scanner", {Item("b", "server", "goes", {{"serial_number", "ST2"}})});
  EXPECT_FALSE(cis_->Get(goes, std::nullopt)->stale);
  EXPECT_FALSE(rels_->Get(link->id, std::nullopt)->stale);
  EXPECT_TRUE(cis_->List(q)->cis.empty());
}

TEST_F(ReconcileTest, StaleByTimeThroughTheSweep) {
  SourcePolicy policy;
  policy.name = "cloud";
  policy.stale_after_runs = 0;
  policy.stale_after = FakeClock::kHour;
  ASSERT_TRUE(admin_->SetSourcePolicy(Ctx("admin"), policy).ok());
  auto out = One("cloud", Item("x", "virtual_machine", "vm1", {{"vm_uuid", "V-1"}}));
  EXPECT_EQ(*reconcile_->SweepStale(), 0);
  clock_.Advance(FakeClock::kHour - 1);  // a microsecond inside the window
  EXPECT_EQ(*reconcile_->SweepStale(), 0);
  EXPECT_FALSE(cis_->Get(out.ci_id, std::nullopt)->stale);
  clock_.Advance(1);  // the window is over
  EXPECT_EQ(*reconcile_->SweepStale(), 1);
  EXPECT_TRUE(cis_->Get(out.ci_id, std::nullopt)->stale);
  EXPECT_EQ(*reconcile_->SweepStale(), 0);  // once
  clock_.Advance(FakeClock::kMinute);
  One("cloud", Item("x", "virtual_machine", "vm1", {{"vm_uuid", "V-1"}}));
  EXPECT_FALSE(cis_->Get(out.ci_id, std::nullopt)->stale);
  auto sources = admin_->ListSources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].ci_count, 1);
  EXPECT_EQ((*sources)[0].stale_count, 0);
  EXPECT_EQ((*sources)[0].last_run_at, clock_.Now());  // runs are stamped by the clock too
  // Seen again: the window starts over from the new sighting.
  clock_.Advance(FakeClock::kHour - 1);
  EXPECT_EQ(*reconcile_->SweepStale(), 0);
  clock_.Advance(1);
  EXPECT_EQ(*reconcile_->SweepStale(), 1);
}

TEST_F(ReconcileTest, UnchangedSightingsAreRefreshedOnlyAfterATenthOfTheWindow) {
  SourcePolicy policy;
  policy.name = "cloud";
  policy.stale_after_runs = 0;
  policy.stale_after = 10 * FakeClock::kHour;  // refresh after an hour
  ASSERT_TRUE(admin_->SetSourcePolicy(Ctx("admin"), policy).ok());
  auto vm = [] { return Item("x", "virtual_machine", "vm1", {{"vm_uuid", "V-2"}}); };
  auto out = One("cloud", vm());
  const std::string last_seen = StrCat("SELECT epoch_us(last_seen) FROM ci_source WHERE ci_id = '", out.ci_id, "'");
  const Micros first = clock_.Now();
  EXPECT_EQ(Count(last_seen), first);
  clock_.Advance(FakeClock::kHour);
  EXPECT_EQ(One("cloud", vm()).action, ReconcileAction::kUnchanged);
  EXPECT_EQ(Count(last_seen), first);  // seen within the refresh interval: nothing written
  clock_.Advance(1);
  One("cloud", vm());
  EXPECT_EQ(Count(last_seen), clock_.Now());
}

TEST_F(ReconcileTest, ACompleteRunMarksStaleWhatTheClockSaysIsPastTheWindow) {
  SourcePolicy policy;
  policy.name = "scanner";
  policy.stale_after_runs = 0;  // by time only
  policy.stale_after = 2 * FakeClock::kHour;
  ASSERT_TRUE(admin_->SetSourcePolicy(Ctx("admin"), policy).ok());
  auto a = Item("a", "server", "a", {{"serial_number", "CR-1"}});
  auto b = Item("b", "server", "b", {{"serial_number", "CR-2"}});
  auto both = Run("scanner", {a, b}, false, /*complete=*/true);
  const std::string gone = both.items[1].ci_id;
  clock_.Advance(2 * FakeClock::kHour - 1);
  EXPECT_EQ(Run("scanner", {a}, false, /*complete=*/true).marked_stale, 0);  // missed, but within the window
  EXPECT_FALSE(cis_->Get(gone, std::nullopt)->stale);
  clock_.Advance(1);
  EXPECT_EQ(Run("scanner", {a}, false, /*complete=*/true).marked_stale, 1);
  EXPECT_TRUE(cis_->Get(gone, std::nullopt)->stale);
  EXPECT_FALSE(cis_->Get(both.items[0].ci_id, std::nullopt)->stale);
}

TEST_F(ReconcileTest, MergeMovesRelationshipsAndRetiresTheDuplicate) {
  Ci keep = Create("server", "web01", {{"serial_number", "MRG-1"}, {"cpu_count", 8}});
  Ci dup = Create("server", "web01-dup", {{"fqdn", "web01.example.net"}, {"os_name", "Debian"}});
  Ci app = Create("application", "shop");
  Ci sw = Create("switch", "sw1");
  auto link = [&](const Ci& a, const char* type, const Ci& b) {
    Relationship r;
    r.source_id = a.id;
    r.type = type;
    r.target_id = b.id;
    EXPECT_TRUE(rels_->Create(Ctx(), r).ok());
  };
  link(app, "runs_on", dup);
  link(app, "runs_on", keep);  // would duplicate once moved: dropped
  link(dup, "connected_to", sw);
  link(dup, "depends_on", keep);  // would become a loop: dropped
  auto iface = cis_->Create(Ctx(), [&] {
    Ci c = MakeCi("interface", "eth0", {{"if_name", "eth0"}});
    c.parent_id = dup.id;
    return c;
  }(), "");
  ASSERT_TRUE(iface.ok()) << iface.status();

  auto merged = reconcile_->Merge(Ctx("alice"), keep.id, dup.id);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->relationships_moved, 1);
  EXPECT_EQ(merged->relationships_dropped, 2);
  EXPECT_EQ(merged->duplicate.status, "retired");
  EXPECT_EQ(merged->duplicate.merged_into, keep.id);
  EXPECT_EQ(merged->survivor.attributes["os_name"], "Debian");  // filled from the duplicate
  EXPECT_EQ(merged->survivor.attributes["cpu_count"], 8);
  // Reading the retired id says where it went.
  EXPECT_EQ(cis_->Get(dup.id, std::nullopt)->merged_into, keep.id);
  RelationshipListQuery q;
  q.ci_id = keep.id;
  EXPECT_EQ(rels_->List(q)->relationships.size(), 2u);  // app runs_on, connected_to sw
  q.ci_id = dup.id;
  EXPECT_TRUE(rels_->List(q)->relationships.empty());
  EXPECT_EQ(cis_->Get(iface->id, std::nullopt)->parent_id, keep.id);
  // The survivor now answers to the duplicate's identifiers; the duplicate to none.
  auto found = One("dns", Item("x", "server", "web01", {{"fqdn", "WEB01.example.net."}}));
  EXPECT_EQ(found.ci_id, keep.id);
  EXPECT_EQ(Count(StrCat("SELECT count(*) FROM ci_identifier WHERE ci_id = '", dup.id, "'")), 0);
  EXPECT_EQ(reconcile_->Merge(Ctx(), keep.id, dup.id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reconcile_->Merge(Ctx(), keep.id, sw.id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(cis_->History(dup.id, 1, "")->versions[0].operation, "merge");
}

TEST_F(ReconcileTest, DuplicateScanFindsCisSharingAnIdentifier) {
  Create("server", "a", {{"serial_number", "SCAN-1"}});
  Create("server", "b", {{"serial_number", "scan-1 "}});
  Create("server", "c", {{"serial_number", "SCAN-2"}});
  auto before = admin_->ListDuplicates(Ctx(), /*detect=*/false, 0, "");
  EXPECT_TRUE(before->candidates.empty());
  auto found = admin_->ListDuplicates(Ctx(), /*detect=*/true, 0, "");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->candidates.size(), 1u);
  EXPECT_EQ(found->candidates[0].value, "SCAN-1");
  EXPECT_THAT(found->candidates[0].names, ::testing::UnorderedElementsAre("a", "b"));
}

TEST_F(ReconcileTest, IdentificationRulesAreEditableAndInherited) {
  auto rules = admin_->GetIdentificationRules("switch");
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->inherited_from, "hardware");
  EXPECT_EQ(rules->sets.front().fields, std::vector<std::string>{"serial_number"});
  // Existing CIs are re-identified under new rules.
  Ci ci = Create("switch", "sw-asset", {{"asset_tag", "TAG-9"}});
  auto unknown = One("inventory", Item("x", "switch", "whatever", {{"asset_tag", "tag-9"}}));
  EXPECT_EQ(unknown.action, ReconcileAction::kRejected);  // asset_tag identifies nothing yet
  EXPECT_THAT(unknown.reason, HasSubstr("no identifier"));
  auto set = admin_->SetIdentificationRules(Ctx("admin"), "switch", {{{"asset_tag"}, false}});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->inherited_from, "");
  auto now_matches = One("inventory", Item("x", "switch", "whatever", {{"asset_tag", "tag-9"}}));
  EXPECT_EQ(now_matches.ci_id, ci.id);  // the existing CI was re-identified by asset tag
  EXPECT_EQ(now_matches.matched_by, "asset_tag");
  // Routers still inherit the hardware rules.
  EXPECT_EQ(admin_->GetIdentificationRules("router")->inherited_from, "hardware");
  auto bad = admin_->SetIdentificationRules(Ctx("admin"), "switch", {{{"colour"}, false}});
  EXPECT_THAT(std::string(bad.status().message()), StartsWith("sets[0].attributes[0]:"));
}

TEST_F(ReconcileTest, ConcurrentOverlappingReconcilesCreateNoDuplicateAndLoseNoUpdate) {
  constexpr int kWorkers = 4, kItems = 30;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      std::vector<ReconcileItemInput> items;
      for (int i = 0; i < kItems; ++i) {
        // Every worker reports the same devices, each with its own attribute.
        Json attrs = {{"serial_number", StrCat("CC-", i)}};
        attrs[w % 2 == 0 ? "os_name" : "os_version"] = StrCat("w", w);
        items.push_back(Item(StrCat("r", i), "server", StrCat("cc", i), attrs));
      }
      ReconcileInput in;
      in.source = StrCat("worker", w);
      in.items = items;
      auto out = reconcile_->Reconcile(Ctx(), in);
      if (!out.ok()) ++failures;
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), kItems);  // no duplicate created
  // Every worker's attribute landed (last writer per attribute wins, none lost).
  EXPECT_EQ(Count("SELECT count(*) FROM ci WHERE attributes ? 'os_name' AND attributes ? 'os_version'"), kItems);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT kind, value FROM ci_identifier GROUP BY 1, 2 HAVING count(*) > 1) d"),
            0);
}

TEST_F(ReconcileTest, RelationAttributesOfAnExistingRelationshipAreReconciledToo) {
  auto a = Item("a", "server", "a", {{"serial_number", "RA-1"}});
  auto b = Item("b", "switch", "b", {{"serial_number", "RA-2"}});
  ReconcileRelationInput link{"a", "", "connected_to", "b", "", {{"port", "Gi1/0/1"}}};
  auto first = Run("lldp", {a, b}, false, false, {link});
  EXPECT_EQ(first.relations[0].action, ReconcileAction::kCreated);
  EXPECT_EQ(Run("lldp", {a, b}, false, false, {link}).relations[0].action, ReconcileAction::kUnchanged);
  link.attributes = {{"port", "Gi1/0/2"}};
  auto moved = Run("lldp", {a, b}, false, false, {link});
  EXPECT_EQ(moved.relations[0].action, ReconcileAction::kUpdated);
  EXPECT_EQ(moved.relations[0].relationship_id, first.relations[0].relationship_id);
  auto rel = rels_->Get(first.relations[0].relationship_id, std::nullopt);
  EXPECT_EQ(rel->attributes["port"], "Gi1/0/2");
  EXPECT_EQ(rel->version, 2);
  EXPECT_EQ(rel->provenance["attributes.port"]["source"], "lldp");
}

TEST_F(ReconcileTest, ADryRunNamesNewParentsByRefNotByAnIdThatWillNeverExist) {
  auto dev = Item("dev", "switch", "sw-new", {{"serial_number", "DRY-1"}});
  auto port = Item("port", "interface", "Gi1/0/1", {{"if_name", "Gi1/0/1"}});
  port.parent_ref = "dev";
  auto dry = Run("snmp", {dev, port}, /*dry_run=*/true);
  ASSERT_EQ(dry.items.size(), 2u);
  EXPECT_TRUE(dry.items[0].ci_id.empty());
  EXPECT_TRUE(dry.items[1].ci_id.empty());
  bool saw_parent = false;
  for (const auto& change : dry.items[1].diff) {
    if (change.field != "parent_id") continue;
    saw_parent = true;
    EXPECT_EQ(*change.new_value, "(new item dev)");
  }
  EXPECT_TRUE(saw_parent);
  EXPECT_EQ(Count("SELECT count(*) FROM ci"), 0);
}

TEST_F(ReconcileTest, SourcePolicyAnswersWithItsCounts) {
  Run("snmp", {Item("a", "server", "a", {{"serial_number", "SP-1"}}), Item("b", "server", "b", {{"serial_number", "SP-2"}})});
  SourcePolicy policy;
  policy.name = "snmp";
  policy.stale_after_runs = 5;
  policy.stale_after = 7LL * 24 * 3600 * 1000000;
  auto saved = admin_->SetSourcePolicy(Ctx("admin"), policy);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->ci_count, 2);
  EXPECT_EQ(saved->stale_after_runs, 5);
  EXPECT_EQ(*saved->stale_after, policy.stale_after);
  policy.name = "manual";
  EXPECT_EQ(admin_->SetSourcePolicy(Ctx("admin"), policy).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cmdb::testing
