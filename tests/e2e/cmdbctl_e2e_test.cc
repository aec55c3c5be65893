// End to end: a real cmdbd process (its own embedded PostgreSQL, tokens,
// loopback port) driven by the real cmdbctl binary, as a user or a script
// would. Checks the JSON that scripts rely on and the exit codes.
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using cmdb::testing::CmdbdProcess;
using cmdb::testing::Output;
using cmdb::testing::RunProgram;

class CmdbctlE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cmdbd_ = std::make_unique<CmdbdProcess>("cmdb-e2e");
    dir_ = cmdbd_->dir();
    token_ = cmdbd_->Token("admin", "e2e-admin");
    viewer_token_ = cmdbd_->Token("viewer", "e2e-viewer");
    server_ = cmdbd_->Start();
    server_pid_ = cmdbd_->pid();
    ASSERT_FALSE(server_.empty()) << "cmdbd did not start; see " << dir_ << "/cmdbd.log";
  }

  static void TearDownTestSuite() {
    EXPECT_TRUE(cmdbd_->Stop()) << "cmdbd did not stop cleanly";
    // No secret any test sent (tokens, communities, SNMPv3 passphrases)
    // is in cmdbd's log or PostgreSQL's, for the whole suite.
    for (const std::string& log : {dir_ + "/cmdbd.log", dir_ + "/data/postgresql.log"}) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      EXPECT_FALSE(text.str().empty()) << log;
      for (const std::string& secret : {token_, viewer_token_, std::string("e2e-Secret-Community-42"),
                                        std::string("e2e-auth-passphrase"), std::string("e2e-priv-passphrase")}) {
        EXPECT_EQ(text.str().find(secret), std::string::npos) << log << " holds a secret";
      }
    }
    // The embedded PostgreSQL was stopped with it.
    EXPECT_FALSE(fs::exists(dir_ + "/data/pgdata/postmaster.pid"));
    cmdbd_->RemoveDir();
    cmdbd_.reset();
  }

  // cmdbctl --server S --token T <args...>
  static Output Ctl(std::vector<std::string> args, const std::string& token = token_) {
    return cmdbd_->Ctl(args, token);
  }

  static Json CtlJson(std::vector<std::string> args) { return cmdbd_->CtlJson(std::move(args), token_); }

  static inline std::unique_ptr<CmdbdProcess> cmdbd_;
  static inline std::string dir_, server_, token_, viewer_token_;
  static inline pid_t server_pid_ = -1;
};

TEST_F(CmdbctlE2E, CreateGetUpdateHistoryAndAsOf) {
  Json ci = CtlJson({"ci", "create", "server", "e2e-web01", "--attr", "cpu_count=4", "--attr",
                     "mac_addresses=00-1B-21-AA-BB-CC", "--owner", "ops"});
  for (const char* key : {"id", "class", "name", "status", "attributes", "version", "etag"}) {
    EXPECT_TRUE(ci.contains(key)) << key;
  }
  EXPECT_EQ(ci["class"], "server");
  EXPECT_EQ(ci["status"], "in_use");
  EXPECT_EQ(ci["attributes"]["cpu_count"], 4);
  EXPECT_EQ(ci["attributes"]["mac_addresses"], Json::array({"00:1b:21:aa:bb:cc"}));
  const std::string id = ci["id"];
  const std::string created = ci["update_time"];

  Json updated = CtlJson({"ci", "update", id, "--attr", "cpu_count=8", "--etag", ci["etag"], "--ref", "CHG0001"});
  EXPECT_EQ(updated["version"], 2);
  EXPECT_EQ(updated["attributes"]["cpu_count"], 8);

  Output stale = Ctl({"ci", "update", id, "--attr", "cpu_count=16", "--etag", ci["etag"]});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, HasSubstr("cmdbctl: ABORTED:"));

  Json history = CtlJson({"ci", "history", id});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["changeset"]["external_ref"], "CHG0001");
  EXPECT_EQ(history[0]["changeset"]["actor"], "e2e-admin");
  EXPECT_EQ(history[0]["changed_fields"], Json::array({"attributes.cpu_count"}));

  Json then = CtlJson({"ci", "get", id, "--as-of", created});
  EXPECT_EQ(then["version"], 1);
  EXPECT_EQ(then["attributes"]["cpu_count"], 4);

  Json restored = CtlJson({"ci", "restore", id, "1"});
  EXPECT_EQ(restored["version"], 3);
  EXPECT_EQ(restored["attributes"]["cpu_count"], 4);
}

TEST_F(CmdbctlE2E, BadInputFailsWithTheFieldNamedAndWritesNothing) {
  Output bad = Ctl({"ci", "create", "server", "e2e-bad", "--attr", "cpu_count=four"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("cpu_count"));
  Output unknown = Ctl({"ci", "create", "server", "e2e-bad", "--attr", "colour=red"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("INVALID_ARGUMENT: ci.attributes.colour:"));
  Json none = CtlJson({"ci", "list", "--filter", "name = e2e-bad"});
  EXPECT_TRUE(none.empty());
  Output denied = Ctl({"ci", "create", "server", "e2e-denied"}, viewer_token_);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));
  Output anonymous = Ctl({"ci", "list"}, "not-a-token");
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(CmdbctlE2E, ImportTheExampleEstateAndWalkIt) {
  Json imported = CtlJson({"import", ESTATE_PATH});
  EXPECT_EQ(imported["created"], 17);
  EXPECT_EQ(imported["relationships"], 25);
  const std::string shop = imported["ids"]["shop"];

  Json servers = CtlJson({"ci", "list", "--class", "server", "--filter", "attributes.os_name = Debian"});
  std::vector<std::string> names;
  for (const auto& s : servers) names.push_back(s["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"app01", "db01", "web01", "web02"}));

  Json deps = CtlJson({"rel", "list", shop, "--direction", "out"});
  ASSERT_EQ(deps.size(), 3u);
  for (const auto& r : deps) {
    EXPECT_EQ(r["type"], "depends_on");
    EXPECT_EQ(r["source_name"], "Online Shop");
  }
  Json feed_lines = Json::array();
  Output watch = Ctl({"-o", "json", "watch", "--until-caught-up"});
  ASSERT_EQ(watch.exit_code, 0) << watch.err;
  std::istringstream lines(watch.out);
  std::string line;
  int events = 0;
  bool caught_up = false;
  while (std::getline(lines, line)) {
    Json e = Json::parse(line);
    if (e.value("caught_up", false)) caught_up = true; else ++events;
  }
  EXPECT_TRUE(caught_up);
  EXPECT_GE(events, 17 + 25);
}

TEST_F(CmdbctlE2E, ExportKeepsParentsAndImportRestoresThemInAnyBatching) {
  Json sw = CtlJson({"ci", "create", "switch", "e2e-rt-sw"});
  Json port = CtlJson({"ci", "create", "interface", "e2e-rt-sw Gi1/0/1", "--attr", "if_name=Gi1/0/1", "--parent",
                       sw["id"]});
  Output exported = Ctl({"export", "--filter", "name = \"e2e-rt-*\""});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  // Re-import the export as new CIs: drop the ids, keep the refs (the old
  // ids), and put the dependent first so the parent lands in a later batch.
  std::vector<Json> lines;
  std::istringstream in(exported.out);
  for (std::string line; std::getline(in, line);) {
    Json ci = Json::parse(line);
    ci.erase("id");
    ci["name"] = "copy " + ci["name"].get<std::string>();
    lines.push_back(ci);
  }
  ASSERT_EQ(lines.size(), 2u);
  const Json& exported_port = lines[0]["class"] == "interface" ? lines[0] : lines[1];
  EXPECT_EQ(exported_port["parent"], sw["id"]);
  std::sort(lines.begin(), lines.end(), [](const Json& a, const Json& b) { return a.contains("parent") > b.contains("parent"); });
  const std::string file = dir_ + "/roundtrip.jsonl";
  {
    std::ofstream out(file);
    for (const auto& l : lines) out << l.dump() << "\n";
  }
  Json imported = CtlJson({"import", file, "--batch-size", "1"});
  ASSERT_EQ(imported["created"], 2);
  const std::string new_sw = imported["ids"][sw["id"].get<std::string>()];
  const std::string new_port = imported["ids"][port["id"].get<std::string>()];
  EXPECT_NE(new_sw, sw["id"]);
  EXPECT_EQ(CtlJson({"ci", "get", new_port})["parent_id"], new_sw);

  // A parent that is neither a ref of the file nor an id: refused, nothing written.
  {
    std::ofstream out(file);
    out << R"({"class": "interface", "name": "e2e-orphan", "attributes": {"if_name": "x"}, "parent": "nope"})" << "\n";
  }
  Output bad = Ctl({"import", file});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("line 1: parent \"nope\""));
  EXPECT_TRUE(CtlJson({"ci", "list", "--filter", "name = \"e2e-orphan\""}).empty());
}

TEST_F(CmdbctlE2E, NewTokensWorkAfterSighup) {
  Output created = RunProgram({CMDBD_PATH, "token", "create", "--role", "editor", "--name", "late-joiner", "--tokens",
                               dir_ + "/tokens"},
                              dir_ + "/token.err");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string late = created.out.substr(0, created.out.find('\n'));
  EXPECT_THAT(Ctl({"class", "list"}, late).err, HasSubstr("UNAUTHENTICATED"));  // not loaded yet
  kill(server_pid_, SIGHUP);
  Output after;
  for (int i = 0; i < 50; ++i) {
    after = Ctl({"-o", "json", "ci", "create", "server", "e2e-late"}, late);
    if (after.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(after.exit_code, 0) << after.err;
  Json history = CtlJson({"ci", "history", Json::parse(after.out)["id"]});
  EXPECT_EQ(history[0]["changeset"]["actor"], "late-joiner");
}

TEST_F(CmdbctlE2E, ReconcileDryRunThenRealThenIdempotentThenMerge) {
  const std::string file = dir_ + "/found.jsonl";
  {
    std::ofstream out(file);
    out << R"({"ref": "r1", "class": "server", "name": "e2e-found-1", "attributes": {"serial_number": "E2E-SN-1", "cpu_count": 4}})" "\n"
        << R"({"ref": "r2", "class": "switch", "name": "e2e-found-2", "attributes": {"serial_number": "E2E-SN-2"}})" "\n"
        << R"({"ref": "r3", "class": "server", "name": "e2e-nothing", "attributes": {"cpu_count": 2}})" "\n"
        << R"({"relation": {"from": "r1", "type": "connected_to", "to": "r2"}})" "\n";
  }
  auto actions = [](const Json& results) {
    std::vector<std::string> out;
    for (const auto& r : results) out.push_back(r["action"]);
    return out;
  };
  Json dry = CtlJson({"reconcile", file, "--source", "e2e-scan", "--dry-run"});
  ASSERT_EQ(dry.size(), 3u);  // one object per item
  EXPECT_EQ(actions(dry), (std::vector<std::string>{"created", "created", "rejected"}));
  for (const char* key : {"ref", "action", "ci_id", "diff", "reason"}) EXPECT_TRUE(dry[0].contains(key)) << key;
  EXPECT_EQ(dry[0]["ci_id"], "");
  EXPECT_THAT(dry[2]["reason"].get<std::string>(), HasSubstr("no identifier"));
  EXPECT_TRUE(CtlJson({"ci", "list", "--filter", "name = \"e2e-found*\""}).empty());  // the dry run wrote nothing

  Json real = CtlJson({"reconcile", file, "--source", "e2e-scan"});
  EXPECT_EQ(actions(real), actions(dry));
  EXPECT_EQ(real[0]["diff"]["attributes.cpu_count"]["new"], 4);
  const std::string first = real[0]["ci_id"];
  Json again = CtlJson({"reconcile", file, "--source", "e2e-scan"});
  EXPECT_EQ(actions(again), (std::vector<std::string>{"unchanged", "unchanged", "rejected"}));
  EXPECT_EQ(again[0]["ci_id"], first);

  // A duplicate made by hand, then merged away.
  Json dup = CtlJson({"ci", "create", "server", "e2e-found-1-old", "--attr", "os_name=Debian"});
  Json merged = CtlJson({"ci", "merge", first, dup["id"]});
  EXPECT_EQ(merged["duplicate"]["merged_into"], first);
  EXPECT_EQ(merged["survivor"]["attributes"]["os_name"], "Debian");
  EXPECT_EQ(CtlJson({"ci", "get", dup["id"]})["merged_into"], first);

  // A complete run without r2, with a policy of one missed run: r2 goes stale.
  ASSERT_EQ(Ctl({"source", "set", "e2e-scan", "--stale-after-runs", "1"}).exit_code, 0);
  const std::string partial = dir_ + "/partial.jsonl";
  {
    std::ofstream out(partial);
    out << R"({"ref": "r1", "class": "server", "name": "e2e-found-1", "attributes": {"serial_number": "E2E-SN-1"}})" "\n";
  }
  ASSERT_EQ(Ctl({"reconcile", partial, "--source", "e2e-scan", "--complete"}).exit_code, 0);
  Json stale = CtlJson({"ci", "list", "--stale"});
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0]["name"], "e2e-found-2");
  EXPECT_TRUE(stale[0]["stale"].get<bool>());
}

TEST_F(CmdbctlE2E, DiscoveryCredentialsNeverShowTheirSecrets) {
  const std::string community = "e2e-Secret-Community-42";
  std::vector<Output> outputs;
  auto run = [&](std::vector<std::string> args) {
    outputs.push_back(Ctl(std::move(args)));
    return outputs.back();
  };
  Output created = run({"credential", "create", "e2e-v2c", "--community", community, "--description", "lab"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  Output again = run({"credential", "create", "e2e-v2c", "--community", community});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("ALREADY_EXISTS"));
  // A replace is whole: the description goes with it unless given again.
  EXPECT_EQ(run({"credential", "create", "e2e-v2c", "--community", community, "--replace", "--description", "lab"}).exit_code, 0);

  // v3, the passphrases from files.
  const std::string auth_file = dir_ + "/auth.key", priv_file = dir_ + "/priv.key";
  std::ofstream(auth_file) << "e2e-auth-passphrase\n";
  std::ofstream(priv_file) << "e2e-priv-passphrase\n";
  Output v3 = run({"-o", "json", "credential", "create", "e2e-v3", "--user", "monitor", "--auth", "sha256",
                   "--auth-key-file", auth_file, "--priv", "aes", "--priv-key-file", priv_file});
  ASSERT_EQ(v3.exit_code, 0) << v3.err;
  Json v3_json = Json::parse(v3.out);
  EXPECT_EQ(v3_json["kind"], "snmp_v3");
  EXPECT_EQ(v3_json["auth_protocol"], "sha256");
  EXPECT_EQ(v3_json["priv_protocol"], "aes128");
  EXPECT_TRUE(v3_json["has_secret"].get<bool>());

  Output table = run({"credential", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("e2e-v2c"));
  Output listed = run({"-o", "json", "credential", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  bool found = false;
  for (const auto& c : Json::parse(listed.out)) {
    if (c["name"] != "e2e-v2c") continue;
    found = true;
    EXPECT_EQ(c["kind"], "snmp_v2c");
    EXPECT_EQ(c["description"], "lab");
    EXPECT_TRUE(c["has_secret"].get<bool>());
  }
  EXPECT_TRUE(found);
  Output denied = Ctl({"credential", "create", "e2e-viewer", "--community", community}, viewer_token_);
  outputs.push_back(denied);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));

  for (const auto& o : outputs) {
    for (const std::string& secret : {community, std::string("e2e-auth-passphrase"), std::string("e2e-priv-passphrase")}) {
      EXPECT_THAT(o.out, ::testing::Not(HasSubstr(secret)));
      EXPECT_THAT(o.err, ::testing::Not(HasSubstr(secret)));
    }
  }
}

TEST_F(CmdbctlE2E, DiscoverySchedulesCreateListGetUpdateDelete) {
  ASSERT_EQ(Ctl({"credential", "create", "e2e-sched-cred", "--community", "public"}).exit_code, 0);
  Json created = CtlJson({"discovery", "schedule", "create", "e2e-lab", "--target", "127.0.9.0/30", "--exclude",
                          "127.0.9.2", "--credential", "e2e-sched-cred", "--interval", "1h", "--timeout", "500ms",
                          "--retries", "2", "--probe-retries", "0"});
  EXPECT_EQ(created["targets"], Json::array({"127.0.9.0/30"}));
  EXPECT_EQ(created["exclusions"], Json::array({"127.0.9.2"}));
  EXPECT_EQ(created["credentials"], Json::array({"e2e-sched-cred"}));
  EXPECT_EQ(created["interval"], "1h");
  EXPECT_EQ(created["interval_seconds"], 3600);
  EXPECT_TRUE(created["enabled"].get<bool>());
  EXPECT_FALSE(created["next_run_time"].is_null());
  EXPECT_EQ(created["limits"]["timeout_ms"], 500);
  EXPECT_EQ(created["limits"]["retries"], 2);
  EXPECT_EQ(created["limits"]["probe_retries"], 0);  // 0 is a value here, not the default

  bool listed = false;
  for (const auto& s : CtlJson({"discovery", "schedule", "list"})) listed = listed || s["name"] == "e2e-lab";
  EXPECT_TRUE(listed);
  Output table = Ctl({"discovery", "schedule", "list"});
  EXPECT_THAT(table.out, HasSubstr("every 1h"));
  EXPECT_EQ(CtlJson({"discovery", "schedule", "get", "e2e-lab"})["etag"], created["etag"]);

  // Only the fields given change; a cron expression replaces the interval.
  Json updated = CtlJson({"discovery", "schedule", "update", "e2e-lab", "--cron", "0 3 * * *", "--disabled",
                          "--in-flight", "16"});
  EXPECT_EQ(updated["cron"], "0 3 * * *");
  EXPECT_TRUE(updated["interval"].is_null());
  EXPECT_FALSE(updated["enabled"].get<bool>());
  EXPECT_EQ(updated["limits"]["targets_in_flight"], 16);
  EXPECT_EQ(updated["limits"]["retries"], 2);
  EXPECT_EQ(updated["limits"]["probe_retries"], 0);
  EXPECT_EQ(updated["limits"]["timeout_ms"], 500);
  EXPECT_EQ(updated["targets"], created["targets"]);
  EXPECT_EQ(updated["exclusions"], created["exclusions"]);
  Json cleared = CtlJson({"discovery", "schedule", "update", "e2e-lab", "--exclude", ""});
  EXPECT_TRUE(cleared["exclusions"].empty());
  Output stale = Ctl({"discovery", "schedule", "update", "e2e-lab", "--enabled", "--etag", created["etag"]});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, HasSubstr("ABORTED"));
  Output nothing = Ctl({"discovery", "schedule", "update", "e2e-lab"});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.err, HasSubstr("nothing to update"));
  Output bad = Ctl({"discovery", "schedule", "create", "e2e-bad", "--target", "10.0.0.300/24", "--credential",
                    "e2e-sched-cred"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT: schedule.targets[0]"));

  Output in_use = Ctl({"credential", "delete", "e2e-sched-cred"});
  EXPECT_EQ(in_use.exit_code, 1);
  EXPECT_THAT(in_use.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_EQ(Ctl({"discovery", "schedule", "delete", "e2e-lab"}).exit_code, 0);
  Output gone = Ctl({"discovery", "schedule", "get", "e2e-lab"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(Ctl({"credential", "delete", "e2e-sched-cred"}).exit_code, 0);
}

TEST_F(CmdbctlE2E, DiscoveryAdHocRunStatusCancelAndLog) {
  // No discovery worker runs here: the run stays queued until cancelled.
  Output started = Ctl({"discovery", "run", "--range", "127.0.9.0/30", "--community", "x"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(id.size(), 36u) << started.out;  // the run id comes first

  Json status = CtlJson({"discovery", "status", id});
  EXPECT_EQ(status["state"], "queued");
  EXPECT_EQ(status["progress"]["targets_total"], 2);
  EXPECT_EQ(status["schedule"], "");
  // The community was stored as a credential named by its hash, not sent with the run.
  EXPECT_EQ(status["credentials"], Json::array({"adhoc-2d711642"}));  // sha256("x") = 2d711642...
  bool stored = false;
  for (const auto& c : CtlJson({"credential", "list"})) stored = stored || c["name"] == "adhoc-2d711642";
  EXPECT_TRUE(stored);
  bool in_runs = false;
  for (const auto& r : CtlJson({"discovery", "runs", "--limit", "10"})) in_runs = in_runs || r["id"] == id;
  EXPECT_TRUE(in_runs);
  EXPECT_THAT(Ctl({"discovery", "status", id}).out, HasSubstr("targets_done:  0/2"));

  Json cancelled = CtlJson({"discovery", "cancel", id});
  EXPECT_EQ(cancelled["state"], "cancelled");
  EXPECT_FALSE(cancelled["end_time"].is_null());
  EXPECT_EQ(CtlJson({"discovery", "status", id})["state"], "cancelled");
  Output again = Ctl({"discovery", "cancel", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("FAILED_PRECONDITION"));

  EXPECT_TRUE(CtlJson({"discovery", "log", id}).is_array());
  EXPECT_TRUE(CtlJson({"discovery", "log", id, "--outcome", "no-response", "--outcome", "auth-failed"}).is_array());
  Output table = Ctl({"discovery", "log", id});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("ADDRESS"));
  EXPECT_EQ(Ctl({"discovery", "log", id, "--outcome", "lost"}).exit_code, 2);  // a usage error

  // --wait gives up at --timeout-run with exit status 2; the run goes on.
  Output waited = Ctl({"discovery", "run", "--range", "127.0.9.4/30", "--credential", "adhoc-2d711642", "--wait",
                       "--timeout-run", "2s"});
  EXPECT_EQ(waited.exit_code, 2) << waited.err;
  EXPECT_THAT(waited.err, HasSubstr("DEADLINE_EXCEEDED"));
  const std::string waited_id = waited.out.substr(0, waited.out.find('\n'));
  EXPECT_THAT(waited.out, HasSubstr("queued  targets 0/2"));
  EXPECT_EQ(CtlJson({"discovery", "cancel", waited_id})["state"], "cancelled");

  // Bad input names the field and starts nothing.
  Output bad = Ctl({"discovery", "run", "--range", "10.0.0.300/24", "--credential", "adhoc-2d711642"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT: targets[0]"));
  Output no_credential = Ctl({"discovery", "run", "--range", "127.0.9.0/30"});
  EXPECT_EQ(no_credential.exit_code, 1);
  EXPECT_THAT(no_credential.err, HasSubstr("--community or --credential"));
  Output unknown = Ctl({"discovery", "status", "0192e1a8-1111-7222-8333-444455556666"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("NOT_FOUND"));
  Output nil = Ctl({"discovery", "status", "00000000-0000-0000-0000-000000000000"});
  EXPECT_EQ(nil.exit_code, 1);
  EXPECT_THAT(nil.err, HasSubstr("INVALID_ARGUMENT: id"));
}

}  // namespace
