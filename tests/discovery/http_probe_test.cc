// The HTTP probe's pure parts: Redfish resources of the DMTF mockups
// (tests/lab/redfish/) decoded and checked against their own JSON; odd and
// hostile Redfish JSON; the shipped fingerprint rules
// (discovery/rules/http.toml) over synthetic answers, every rule hit at least
// once; rules-file errors; HTML title extraction.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "http/probe.h"
#include "http/redfish.h"

#ifndef CMDB_SOURCE_DIR
#error "CMDB_SOURCE_DIR must be defined"
#endif

namespace cmdb::discovery::http {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// ------------------------------------------------------------ Redfish mockups

std::string MockupDir(const std::string& name) { return std::string(CMDB_SOURCE_DIR) + "/tests/lab/redfish/" + name; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file that serves `link` in a mockup (the folder is /redfish/v1/).
fs::path FileOf(const std::string& mockup, const std::string& link) {
  std::string rest = link.substr(std::string("/redfish/v1").size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  return fs::path(MockupDir(mockup) + rest) / "index.json";
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every resource of the mockup whose @odata.type starts with `type`
// ("#ComputerSystem."), as (file, JSON).
std::vector<std::pair<fs::path, Json>> ResourcesOfType(const std::string& mockup, const std::string& type) {
  std::vector<std::pair<fs::path, Json>> out;
  for (const auto& entry : fs::recursive_directory_iterator(MockupDir(mockup))) {
    if (!entry.is_regular_file() || entry.path().filename() != "index.json") continue;
    Json j = Json::parse(ReadFile(entry.path()), nullptr, false);
    if (j.is_object() && Str(j, "@odata.type").rfind(type, 0) == 0) out.emplace_back(entry.path(), j);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

class MockupTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(MockupDir(GetParam()) + "/index.json")) GTEST_FAIL() << "missing " << MockupDir(GetParam());
  }
};

TEST_P(MockupTest, ServiceRoot) {
  std::string body = ReadFile(MockupDir(GetParam()) + "/index.json");
  Json j = Json::parse(body);
  auto root = redfish::ParseServiceRoot(body);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->redfish_version, Str(j, "RedfishVersion"));
  EXPECT_FALSE(root->redfish_version.empty());
  EXPECT_EQ(root->uuid, Lower(Str(j, "UUID")));
  EXPECT_EQ(root->systems, "/redfish/v1/Systems");
  EXPECT_EQ(root->chassis, "/redfish/v1/Chassis");
  EXPECT_EQ(root->managers, "/redfish/v1/Managers");
}

TEST_P(MockupTest, EveryCollectionListsItsMembers) {
  int collections = 0;
  for (const auto& entry : fs::recursive_directory_iterator(MockupDir(GetParam()))) {
    if (!entry.is_regular_file() || entry.path().filename() != "index.json") continue;
    Json j = Json::parse(ReadFile(entry.path()), nullptr, false);
    if (!j.is_object() || !j.contains("Members") || !j["Members"].is_array()) continue;
    ++collections;
    auto members = redfish::ParseCollection(ReadFile(entry.path()));
    ASSERT_TRUE(members.ok()) << entry.path() << ": " << members.status();
    std::vector<std::string> want;
    for (const Json& m : j["Members"]) {
      if (m.contains("@odata.id") && redfish::ResourcePath(m["@odata.id"].get<std::string>())) {
        want.push_back(m["@odata.id"].get<std::string>());
      }
    }
    EXPECT_EQ(*members, want) << entry.path();
  }
  EXPECT_GT(collections, 10);
}

TEST_P(MockupTest, EverySystem) {
  auto systems = ResourcesOfType(GetParam(), "#ComputerSystem.");
  ASSERT_FALSE(systems.empty());
  for (const auto& [file, j] : systems) {
    SCOPED_TRACE(file.string());
    auto s = redfish::ParseSystem(ReadFile(file));
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->id, Str(j, "@odata.id"));
    EXPECT_EQ(s->manufacturer, Str(j, "Manufacturer"));
    EXPECT_EQ(s->model, Str(j, "Model"));
    EXPECT_EQ(s->sku, Str(j, "SKU"));
    EXPECT_EQ(s->serial_number, Str(j, "SerialNumber"));
    EXPECT_EQ(s->part_number, Str(j, "PartNumber"));
    EXPECT_EQ(s->uuid, Lower(Str(j, "UUID")));
    EXPECT_EQ(s->hostname, Str(j, "HostName"));
    EXPECT_EQ(s->bios_version, Str(j, "BiosVersion"));
    EXPECT_EQ(s->power_state, Str(j, "PowerState"));
    EXPECT_EQ(s->system_type, Str(j, "SystemType"));
    if (j.contains("MemorySummary") && j["MemorySummary"].contains("TotalSystemMemoryGiB")) {
      ASSERT_TRUE(s->memory_gib.has_value());
      EXPECT_DOUBLE_EQ(*s->memory_gib, j["MemorySummary"]["TotalSystemMemoryGiB"].get<double>());
    } else {
      EXPECT_FALSE(s->memory_gib.has_value());
    }
    if (j.contains("ProcessorSummary") && j["ProcessorSummary"].contains("Count")) {
      ASSERT_TRUE(s->processor_count.has_value());
      EXPECT_EQ(*s->processor_count, j["ProcessorSummary"]["Count"].get<int>());
      EXPECT_EQ(s->processor_model, Str(j["ProcessorSummary"], "Model"));
    }
    if (j.contains("Links") && j["Links"].contains("Chassis")) {
      EXPECT_EQ(s->chassis_id, j["Links"]["Chassis"][0]["@odata.id"].get<std::string>());
    }
    EXPECT_TRUE(s->chassis_serial.empty());  // the walk fills it from the chassis
  }
}

TEST_P(MockupTest, EveryChassis) {
  auto chassis = ResourcesOfType(GetParam(), "#Chassis.");
  ASSERT_FALSE(chassis.empty());
  for (const auto& [file, j] : chassis) {
    SCOPED_TRACE(file.string());
    auto c = redfish::ParseChassis(ReadFile(file));
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->id, Str(j, "@odata.id"));
    EXPECT_EQ(c->serial_number, Str(j, "SerialNumber"));
    EXPECT_EQ(c->model, Str(j, "Model"));
    EXPECT_EQ(c->chassis_type, Str(j, "ChassisType"));
    EXPECT_EQ(c->manufacturer, Str(j, "Manufacturer"));
  }
}

TEST_P(MockupTest, EveryManager) {
  auto managers = ResourcesOfType(GetParam(), "#Manager.");
  ASSERT_FALSE(managers.empty());
  for (const auto& [file, j] : managers) {
    SCOPED_TRACE(file.string());
    auto m = redfish::ParseManager(ReadFile(file));
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->manager.id, Str(j, "@odata.id"));
    EXPECT_EQ(m->manager.model, Str(j, "Model"));
    EXPECT_EQ(m->manager.firmware_version, Str(j, "FirmwareVersion"));
    EXPECT_EQ(m->manager.manager_type, Str(j, "ManagerType"));
    std::vector<std::string> manages;
    for (const Json& link : j["Links"]["ManagerForServers"]) manages.push_back(link["@odata.id"].get<std::string>());
    EXPECT_EQ(m->manager.manages, manages);
    EXPECT_EQ(m->ethernet_interfaces, j["EthernetInterfaces"]["@odata.id"].get<std::string>());
    EXPECT_TRUE(m->manager.interfaces.empty());
  }
}

TEST_P(MockupTest, EveryEthernetInterface) {
  auto interfaces = ResourcesOfType(GetParam(), "#EthernetInterface.");
  ASSERT_GE(interfaces.size(), 2u);
  for (const auto& [file, j] : interfaces) {
    SCOPED_TRACE(file.string());
    auto i = redfish::ParseEthernetInterface(ReadFile(file));
    ASSERT_TRUE(i.ok()) << i.status();
    EXPECT_EQ(i->id, Str(j, "Id"));
    EXPECT_EQ(i->name, Str(j, "Name"));
    std::string mac = Str(j, "MACAddress");
    if (!mac.empty()) {
      EXPECT_EQ(i->mac_address, Lower(mac));
      EXPECT_THAT(i->mac_address, ::testing::MatchesRegex("([0-9a-f]{2}:){5}[0-9a-f]{2}"));
    }
    std::vector<std::string> v4, v6;
    if (j.contains("IPv4Addresses")) {
      for (const Json& a : j["IPv4Addresses"]) {
        if (!Str(a, "Address").empty()) v4.push_back(Str(a, "Address"));
      }
    }
    if (j.contains("IPv6Addresses")) {
      for (const Json& a : j["IPv6Addresses"]) {
        if (!Str(a, "Address").empty() && Str(a, "Address") != "::") v6.push_back(Str(a, "Address"));
      }
    }
    EXPECT_EQ(i->ipv4, v4);
    EXPECT_EQ(i->ipv6, v6);
  }
}

INSTANTIATE_TEST_SUITE_P(Dmtf, MockupTest, ::testing::Values("public-rackmount1", "public-tower"));

// What the mockups' README says about them, as literals.
TEST(RedfishMockups, KnownValues) {
  auto rack = redfish::ParseSystem(ReadFile(FileOf("public-rackmount1", "/redfish/v1/Systems/437XR1138R2")));
  ASSERT_TRUE(rack.ok()) << rack.status();
  EXPECT_EQ(rack->serial_number, "437XR1138R2");
  EXPECT_EQ(rack->manufacturer, "Contoso");
  EXPECT_EQ(rack->model, "3500");
  EXPECT_EQ(rack->uuid, "38947555-7742-3448-3784-823347823834");
  EXPECT_EQ(rack->bios_version, "P79 v1.45 (12/06/2017)");
  EXPECT_EQ(rack->power_state, "On");
  EXPECT_EQ(rack->system_type, "Physical");
  EXPECT_EQ(rack->hostname, "web483");
  EXPECT_EQ(rack->memory_gib, 96);
  EXPECT_EQ(rack->processor_count, 2);
  EXPECT_EQ(rack->chassis_id, "/redfish/v1/Chassis/1U");
  auto chassis = redfish::ParseChassis(ReadFile(FileOf("public-rackmount1", rack->chassis_id)));
  ASSERT_TRUE(chassis.ok());
  redfish::ApplyChassis(*chassis, *rack);
  EXPECT_EQ(rack->chassis_model, "3500RX");
  EXPECT_EQ(rack->chassis_type, "RackMount");
  EXPECT_EQ(rack->chassis_serial, "437XR1138R2");

  auto tower = redfish::ParseSystem(ReadFile(FileOf("public-tower", "/redfish/v1/Systems/437XR1238R2")));
  ASSERT_TRUE(tower.ok()) << tower.status();
  EXPECT_EQ(tower->serial_number, "437XR1238R2");
  EXPECT_EQ(tower->manufacturer, "Contoso");
  EXPECT_EQ(tower->model, "3500");
  EXPECT_EQ(tower->bios_version, "P79 v1.95 (12/06/2019)");
  EXPECT_EQ(tower->memory_gib, 1024);
  EXPECT_EQ(tower->processor_count, 8);
  EXPECT_EQ(tower->chassis_id, "/redfish/v1/Chassis/Tower");

  auto bmc = redfish::ParseManager(ReadFile(FileOf("public-rackmount1", "/redfish/v1/Managers/BMC")));
  ASSERT_TRUE(bmc.ok());
  EXPECT_EQ(bmc->manager.firmware_version, "1.45.455b66-rev4");
  EXPECT_EQ(bmc->manager.manager_type, "BMC");
  EXPECT_THAT(bmc->manager.manages, ElementsAre("/redfish/v1/Systems/437XR1138R2"));
  auto eth0 = redfish::ParseEthernetInterface(
      ReadFile(FileOf("public-rackmount1", "/redfish/v1/Managers/BMC/EthernetInterfaces/eth0")));
  ASSERT_TRUE(eth0.ok());
  EXPECT_EQ(eth0->mac_address, "23:11:8a:33:cf:ea");
  EXPECT_THAT(eth0->ipv4, ElementsAre("192.168.0.10"));
  EXPECT_THAT(eth0->ipv6, ElementsAre("fe80::1ec1:deff:fe6f:1e24"));
}

// ------------------------------------------------------------ odd Redfish JSON

TEST(RedfishJson, NotJsonOrNotAnObject) {
  for (std::string body : {std::string(), std::string("not json"), std::string("<html></html>"), std::string("[1, 2]"),
                           std::string("\"text\""), std::string("{\"a\": "), std::string("{\"a\": 1}garbage"),
                           std::string("\xff\xfe{}", 4)}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(redfish::ParseSystem(body).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(redfish::ParseChassis(body).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(redfish::ParseManager(body).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(redfish::ParseEthernetInterface(body).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(redfish::ParseCollection(body).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(redfish::ParseServiceRoot(body).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_THAT(std::string(redfish::ParseSystem("[1]").status().message()), HasSubstr("not an object"));
  EXPECT_THAT(std::string(redfish::ParseSystem("oops").status().message()), HasSubstr("not JSON"));
}

TEST(RedfishJson, DeepNestingIsRejectedWithoutCrashing) {
  std::string open(200000, '[');
  EXPECT_FALSE(redfish::ParseSystem(open).ok());
  EXPECT_FALSE(redfish::ParseSystem(open + std::string(200000, ']')).ok());
  std::string object;
  for (int i = 0; i < 100000; ++i) object += "{\"a\":";
  object += "1" + std::string(100000, '}');
  EXPECT_TRUE(redfish::ParseSystem(object).ok());
}

TEST(RedfishJson, WrongTypesAreAbsentValues) {
  auto s = redfish::ParseSystem(R"({
    "Manufacturer": 5, "Model": null, "SerialNumber": ["x"], "UUID": {"a": 1}, "SKU": 12345,
    "MemorySummary": "lots", "ProcessorSummary": {"Count": -1, "Model": 7},
    "Links": {"Chassis": "not a list"}, "@odata.id": 3})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->manufacturer, "5");
  EXPECT_EQ(s->model, "");
  EXPECT_EQ(s->serial_number, "");
  EXPECT_EQ(s->uuid, "");
  EXPECT_EQ(s->sku, "12345");
  EXPECT_FALSE(s->memory_gib.has_value());
  EXPECT_FALSE(s->processor_count.has_value());
  EXPECT_EQ(s->processor_model, "7");  // numbers are taken as their text
  EXPECT_EQ(s->chassis_id, "");
  EXPECT_EQ(s->id, "");

  auto half =
      redfish::ParseSystem(R"({"ProcessorSummary": {"Count": 2.5}, "MemorySummary": {"TotalSystemMemoryGiB": 0.5}})");
  ASSERT_TRUE(half.ok());
  EXPECT_FALSE(half->processor_count.has_value());
  EXPECT_EQ(half->memory_gib, 0.5);

  auto m = redfish::ParseManager(R"({"Links": {"ManagerForServers": [1, {"@odata.id": 2}, {}]},
                                     "EthernetInterfaces": "x"})");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->manager.manages.empty());
  EXPECT_EQ(m->ethernet_interfaces, "");

  auto i = redfish::ParseEthernetInterface(R"({"MACAddress": "not a mac", "PermanentMACAddress": "AA-BB-CC-00-11-22",
    "IPv4Addresses": [{"Address": ""}, {"Address": "0.0.0.0"}, {"Address": "10.0.0.5"}, {"Address": "http://x"}, 5],
    "IPv6Addresses": {"Address": "::1"}})");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->mac_address, "aa:bb:cc:00:11:22");
  EXPECT_THAT(i->ipv4, ElementsAre("10.0.0.5"));
  EXPECT_TRUE(i->ipv6.empty());
}

TEST(RedfishJson, ServiceRootIsRecognised) {
  EXPECT_TRUE(redfish::ParseServiceRoot(R"({"@odata.id": "/redfish/v1"})").ok());
  EXPECT_TRUE(redfish::ParseServiceRoot(R"({"@odata.type": "#ServiceRoot.v1_5_0.ServiceRoot"})").ok());
  auto root = redfish::ParseServiceRoot(R"({"RedfishVersion": "1.6.0", "Vendor": "Dell",
      "Product": "Integrated Dell Remote Access Controller", "UUID": "ABCD-EF",
      "Systems": {"@odata.id": "https://elsewhere/redfish/v1/Systems"}, "Managers": {"@odata.id": "/redfish/v1/Managers"}})");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->vendor, "Dell");
  EXPECT_EQ(root->uuid, "abcd-ef");
  EXPECT_EQ(root->systems, "");  // another host: never followed
  EXPECT_EQ(root->managers, "/redfish/v1/Managers");
  auto not_root = redfish::ParseServiceRoot(R"({"status": "ok"})");
  EXPECT_EQ(not_root.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(not_root.status().message()), HasSubstr("not a Redfish service root"));
}

TEST(RedfishJson, CollectionLinksStayOnTheService) {
  auto members = redfish::ParseCollection(R"({"Members": [
      {"@odata.id": "/redfish/v1/Systems/1"}, {"@odata.id": "/redfish/v1/Systems/1"},
      {"@odata.id": "http://evil.example/redfish/v1/Systems/2"}, {"@odata.id": "//evil.example/redfish/v1/x"},
      {"@odata.id": "/redfish/v1/../../etc/passwd"}, {"@odata.id": "/redfish/v1/Systems/3?x=1"},
      {"@odata.id": "/redfish/v1/Systems/4#frag"}, {"@odata.id": "/redfish/v1/Systems/a b"},
      {"@odata.id": "/other/v1/Systems/5"}, {"@odata.id": 6}, "x", null,
      {"@odata.id": "/redfish/v1/Systems/System.Embedded.1"}]})");
  ASSERT_TRUE(members.ok());
  EXPECT_THAT(*members, ElementsAre("/redfish/v1/Systems/1", "/redfish/v1/Systems/System.Embedded.1"));
  EXPECT_FALSE(redfish::ParseCollection(R"({"Members": {}})").ok());
  EXPECT_FALSE(redfish::ParseCollection(R"({"Name": "x"})").ok());
  EXPECT_TRUE(redfish::ResourcePath("/redfish/v1"));
  EXPECT_FALSE(redfish::ResourcePath("/redfish/v1/" + std::string(600, 'a')));
}

TEST(RedfishJson, NormalizeMac) {
  EXPECT_EQ(redfish::NormalizeMac("23:11:8A:33:CF:EA"), "23:11:8a:33:cf:ea");
  EXPECT_EQ(redfish::NormalizeMac(" 23-11-8a-33-cf-ea "), "23:11:8a:33:cf:ea");
  EXPECT_EQ(redfish::NormalizeMac("2311.8a33.cfea"), "23:11:8a:33:cf:ea");
  EXPECT_EQ(redfish::NormalizeMac("23118A33CFEA"), "23:11:8a:33:cf:ea");
  EXPECT_EQ(redfish::NormalizeMac("00:00:00:00:00:00"), "");
  EXPECT_EQ(redfish::NormalizeMac("23:11:8a:33:cf"), "");
  EXPECT_EQ(redfish::NormalizeMac("23:11-8a:33:cf:ea"), "");
  EXPECT_EQ(redfish::NormalizeMac("zz:11:8a:33:cf:ea"), "");
  EXPECT_EQ(redfish::NormalizeMac(""), "");
}

// ------------------------------------------------------------ fingerprint rules

std::string RulesPath() { return std::string(CMDB_SOURCE_DIR) + "/discovery/rules/http.toml"; }

const Fingerprints& Shipped() {
  static const Fingerprints* rules = [] {
    auto loaded = Fingerprints::Load(RulesPath());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new Fingerprints();
    }
    return new Fingerprints(std::move(*loaded));
  }();
  return *rules;
}

// An answer to `path` on https://192.0.2.10:443.
HttpResponse Answer(const std::string& path, int status, std::map<std::string, std::string> headers,
                    std::string body = {}) {
  HttpResponse r;
  r.url = "https://192.0.2.10:443" + path;
  r.final_url = r.url;
  r.status = status;
  r.http_version = "1.1";
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

HttpResponse Html(const std::string& title, std::map<std::string, std::string> headers = {}, std::string extra = {}) {
  headers.emplace("content-type", "text/html; charset=utf-8");
  return Answer("/", 200, std::move(headers),
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>" + title + "</title></head><body>" +
                    extra + "</body></html>\n");
}

HttpResponse JsonAnswer(const std::string& path, const std::string& body, int status = 200) {
  return Answer(path, status, {{"content-type", "application/json"}}, body);
}

HttpResponse Redirected(HttpResponse r, const std::string& final_path) {
  r.redirects.push_back("https://192.0.2.10:443" + final_path);
  r.final_url = r.redirects.back();
  return r;
}

struct Expect {
  std::string fingerprint, vendor, product, version;
  std::string server_fingerprint, server_product, server_version;
};

struct Case {
  std::string name;
  std::vector<HttpResponse> answers;
  Expect want;
};

EndpointResult MatchRules(const std::vector<HttpResponse>& answers, const Fingerprints& rules = Shipped()) {
  EndpointResult e;
  rules.Match(answers, e);
  return e;
}

const std::string kNotFound = "<html><head><title>404 Not Found</title></head><body>nope</body></html>";

std::vector<Case> Cases() {
  const std::string ilo5_root = R"({"@odata.id": "/redfish/v1/", "RedfishVersion": "1.6.0",
      "Oem": {"Hpe": {"Manager": [{"ManagerFirmwareVersion": "2.72", "ManagerType": "iLO 5"}]}}})";
  const std::string ilo4_root = R"({"@odata.id": "/redfish/v1/", "RedfishVersion": "1.0.0",
      "Oem": {"Hp": {"Manager": [{"ManagerFirmwareVersion": "2.50", "ManagerType": "iLO 4"}]}}})";
  const std::string idrac_root = R"({"RedfishVersion": "1.11.0", "Vendor": "Dell",
      "Product": "Integrated Dell Remote Access Controller"})";
  const std::string es = R"({"name": "node-1", "cluster_name": "logs", "version": {"number": "8.11.1",
      "build_flavor": "default", "lucene_version": "9.8.0"}, "tagline": "You Know, for Search"})";
  const std::string os = R"({"name": "os-1", "version": {"distribution": "opensearch", "number": "2.11.0"},
      "tagline": "The OpenSearch Project: https://opensearch.org/"})";
  const std::string k8s = R"({"major": "1", "minor": "28", "gitVersion": "v1.28.4+k3s2",
      "gitCommit": "abc", "platform": "linux/amd64"})";
  const std::string docker = R"({"Platform": {"Name": "Docker Engine - Community"}, "Version": "24.0.7",
      "ApiVersion": "1.43", "GitCommit": "311b9ff", "Os": "linux", "Arch": "amd64"})";
  const std::string node_metrics =
      "# HELP go_build_info Build information about the main Go module.\n# TYPE go_build_info gauge\n"
      "go_build_info{checksum=\"\",path=\"github.com/prometheus/node_exporter\",version=\"(devel)\"} 1\n"
      "# HELP node_exporter_build_info A metric with a constant '1' value.\n# TYPE node_exporter_build_info gauge\n"
      "node_exporter_build_info{branch=\"HEAD\",goarch=\"amd64\",goversion=\"go1.21.4\",revision=\"x\","
      "tags=\"netgo\",version=\"1.7.0\"} 1\n";
  const std::string prom_metrics =
      "# HELP prometheus_build_info A metric with a constant '1' value.\n"
      "prometheus_build_info{branch=\"HEAD\",goversion=\"go1.21.5\",revision=\"r\",version=\"2.48.1\"} 1\n";
  const std::string mockup_root = ReadFile(MockupDir("public-rackmount1") + "/index.json");

  return {
      // BMCs
      {"iLO 5 Redfish root beats its title",
       {Html("iLO 5"), JsonAnswer("/redfish/v1/", ilo5_root)},
       {"hpe-ilo-redfish", "HPE", "iLO 5", "2.72"}},
      {"iLO 4 Redfish root",
       {Html("iLO 4"), JsonAnswer("/redfish/v1/", ilo4_root)},
       {"hp-ilo-redfish", "HP", "iLO 4", "2.50"}},
      {"iDRAC Redfish root",
       {Html("iDRAC9"), JsonAnswer("/redfish/v1/", idrac_root)},
       {"dell-idrac-redfish", "Dell", "iDRAC"}},
      {"iLO 6 page", {Html("HPE iLO 6")}, {"hpe-ilo", "HPE", "iLO 6"}},
      {"iLO 4 page with its Server header",
       {Html("iLO 4", {{"server", "HP-iLO-Server/1.30"}})},
       {"hp-ilo", "HP", "iLO 4", "1.30"}},
      {"iLO 2 page", {Html("HP Integrated Lights-Out 2")}, {"hp-ilo", "HP", "iLO 2"}},
      {"iLO by Server header",
       {Html("Login", {{"server", "HP-iLO-Server/2.10"}})},
       {"hp-ilo-server", "HP", "iLO", "2.10"}},
      {"iDRAC 8 page", {Html("iDRAC8 - Login")}, {"dell-idrac", "Dell", "iDRAC8"}},
      {"iDRAC long title", {Html("Integrated Dell Remote Access Controller 9")}, {"dell-idrac", "Dell", "iDRAC9"}},
      {"Supermicro", {Html("Supermicro BMC Login")}, {"supermicro-bmc", "Supermicro", "BMC"}},
      {"Cisco IMC", {Html("Cisco Integrated Management Controller (CIMC) Login")}, {"cisco-imc", "Cisco", "IMC"}},
      {"the DMTF mockup behind nginx",
       {Html("Welcome to nginx!", {{"server", "nginx/1.22.1"}}), JsonAnswer("/redfish/v1/", mockup_root)},
       {"redfish", "", "Redfish service", "", "nginx", "nginx", "1.22.1"}},
      {"Redfish 1.5+ root with Vendor and Product",
       {Html("Login"), JsonAnswer("/redfish/v1/", R"({"RedfishVersion": "1.9.0", "Vendor": "Lenovo",
            "Product": "ThinkSystem SR650"})")},
       {"redfish", "Lenovo", "ThinkSystem SR650"}},
      // network and security
      {"FortiGate title", {Html("FortiGate")}, {"fortinet-fortigate", "Fortinet", "FortiGate"}},
      {"FortiGate header",
       {Redirected(Html("", {{"server", "xxxxxxxx-xxxxx"}}), "/remote/login?lang=en")},
       {"fortinet-fortigate-server", "Fortinet", "FortiGate"}},
      {"GlobalProtect title",
       {Html("GlobalProtect Portal")},
       {"paloalto-globalprotect", "Palo Alto Networks", "GlobalProtect"}},
      {"GlobalProtect redirect",
       {Redirected(Html("Portal"), "/global-protect/login.esp")},
       {"paloalto-globalprotect-url", "Palo Alto Networks", "GlobalProtect"}},
      {"PAN-OS",
       {Html("Login", {{"server", "PanWeb Server/ - "}})},
       {"paloalto-panos", "Palo Alto Networks", "PAN-OS"}},
      {"ASA AnyConnect", {Redirected(Html("SSL VPN Service"), "/+CSCOE+/logon.html")}, {"cisco-asa", "Cisco", "ASA"}},
      {"ASDM page", {Html("Cisco ASDM 7.18(1)")}, {"cisco-asdm", "Cisco", "ASA", "7.18(1)"}},
      {"Cisco IOS",
       {Answer("/", 401, {{"server", "cisco-IOS"}, {"www-authenticate", "Basic realm=\"level_15_access\""}})},
       {"cisco-ios", "Cisco", "IOS"}},
      {"RouterOS",
       {Html("RouterOS router configuration page", {}, "<h1>RouterOS v6.49.10</h1><div>You have connected")},
       {"mikrotik-routeros", "MikroTik", "RouterOS", "6.49.10"}},
      {"SwOS", {Html("MikroTik SwOS")}, {"mikrotik-swos", "MikroTik", "SwOS"}},
      {"UniFi", {Html("UniFi Network")}, {"ubiquiti-unifi", "Ubiquiti", "UniFi Network"}},
      {"UniFi OS", {Html("UniFi OS")}, {"ubiquiti-unifi", "Ubiquiti", "UniFi OS"}},
      {"pfSense",
       {Html("pfSense - Login", {{"server", "nginx"}})},
       {"netgate-pfsense", "Netgate", "pfSense", "", "nginx", "nginx"}},
      {"pfSense Plus", {Html("Netgate pfSense Plus - Login")}, {"netgate-pfsense", "Netgate", "pfSense Plus"}},
      {"OPNsense", {Html("Login | OPNsense")}, {"opnsense", "Deciso", "OPNsense"}},
      {"OPNsense header", {Html("Login", {{"server", "OPNsense"}})}, {"opnsense-server", "Deciso", "OPNsense"}},
      // hypervisors, storage
      {"ESXi welcome",
       {Html("", {}, "<script>document.write(\" + ID_EESX_Welcome + \");</script>")},
       {"vmware-esxi", "VMware", "ESXi"}},
      {"ESXi host client", {Html("VMware ESXi")}, {"vmware-esxi-title", "VMware", "ESXi"}},
      {"vCenter welcome",
       {Html("", {}, "<span>\" + ID_VC_Welcome + \"</span>")},
       {"vmware-vcenter", "VMware", "vCenter Server"}},
      {"Proxmox VE header",
       {Html("pve1 - Proxmox Virtual Environment", {{"server", "pve-api-daemon/3.0"}})},
       {"proxmox-ve", "Proxmox", "Proxmox VE"}},
      {"Proxmox VE title", {Html("pve1 - Proxmox Virtual Environment")}, {"proxmox-ve-title", "Proxmox", "Proxmox VE"}},
      {"Proxmox Backup",
       {Html("pbs - Proxmox Backup Server")},
       {"proxmox-backup-server", "Proxmox", "Proxmox Backup Server"}},
      {"Synology DSM", {Html("DS218&nbsp;-&nbsp;Synology&nbsp;DiskStation")}, {"synology-dsm", "Synology", "DSM"}},
      {"Synology SRM", {Html("Synology&nbsp;Router&nbsp;-&nbsp;synology")}, {"synology-srm", "Synology", "SRM"}},
      // applications
      {"Jenkins behind nginx",
       {Answer("/", 403, {{"x-jenkins", "2.426.1"}, {"server", "nginx/1.24.0"}}, "Authentication required")},
       {"jenkins", "", "Jenkins", "2.426.1", "nginx", "nginx", "1.24.0"}},
      {"Jenkins title only",
       {Html("Dashboard [Jenkins]", {{"server", "Jetty(10.0.18)"}})},
       {"jenkins-title", "", "Jenkins", "", "jetty", "Jetty", "10.0.18"}},
      {"GitLab", {Redirected(Html("Sign in &middot; GitLab"), "/users/sign_in")}, {"gitlab", "GitLab", "GitLab"}},
      {"Grafana",
       {Redirected(Html("Grafana", {},
                        "<script>window.grafanaBootData = {\"settings\":{\"buildInfo\":{\"hideVersion\":false,"
                        "\"version\":\"10.2.3\",\"commit\":\"1e84fede54\",\"env\":\"production\"}}};</script>"),
                   "/login")},
       {"grafana", "Grafana Labs", "Grafana", "10.2.3"}},
      {"Kibana",
       {Answer("/", 302, {{"kbn-name", "kibana"}, {"kbn-version", "8.11.1"}, {"location", "/app/home"}})},
       {"kibana", "Elastic", "Kibana", "8.11.1"}},
      {"OpenSearch", {JsonAnswer("/", os)}, {"opensearch", "OpenSearch", "OpenSearch", "2.11.0"}},
      {"Elasticsearch", {JsonAnswer("/", es)}, {"elasticsearch", "Elastic", "Elasticsearch", "8.11.1"}},
      {"Kubernetes",
       {JsonAnswer("/", R"({"kind": "Status", "status": "Failure", "code": 403})", 403), JsonAnswer("/version", k8s)},
       {"kubernetes-api", "", "Kubernetes", "1.28.4+k3s2"}},
      {"Docker",
       {JsonAnswer("/", R"({"message":"page not found"})", 404), JsonAnswer("/version", docker)},
       {"docker-engine", "Docker", "Docker Engine", "24.0.7"}},
      {"Home Assistant", {Html("Home Assistant")}, {"home-assistant", "", "Home Assistant"}},
      {"Prometheus 2",
       {Redirected(Html("Prometheus Time Series Collection and Processing Server"), "/graph"),
        Answer("/metrics", 200, {{"content-type", "text/plain; version=0.0.4"}}, prom_metrics)},
       {"prometheus", "", "Prometheus", "2.48.1"}},
      {"Prometheus by its metrics",
       {Html("Some portal"), Answer("/metrics", 200, {{"content-type", "text/plain"}}, prom_metrics)},
       {"prometheus-metrics", "", "Prometheus", "2.48.1"}},
      {"HP printer",
       {Html("HP Color LaserJet MFP M477fdw",
             {{"server",
               "HP HTTP Server; HP Color LaserJet MFP M477fdw - CF379A; Serial Number: VNB3K12345; Built: "
               "Thu Mar 02, 2023 04:52:04PM {20230302}"}})},
       {"hp-printer", "HP", "HP Color LaserJet MFP M477fdw"}},
      {"old HP printer",
       {Html("HP LaserJet", {{"server", "HP-ChaiSOE/1.0"}})},
       {"hp-printer-chai", "HP", "HP printer"}},
      {"node_exporter",
       {Html("Node Exporter"), Answer("/metrics", 200, {{"content-type", "text/plain"}}, node_metrics)},
       {"prometheus-exporter", "", "node_exporter", "1.7.0"}},
      {"bare exporter",
       {Answer("/", 404, {}, "404 page not found"),
        Answer("/metrics", 200, {}, "# TYPE http_requests_total counter\nhttp_requests_total 3\n")},
       {"prometheus-exporter", "", "Prometheus exporter"}},
      // web servers
      {"nginx alone",
       {Html("Welcome to nginx!", {{"server", "nginx/1.22.1"}}),
        Answer("/metrics", 404, {{"server", "nginx/1.22.1"}}, kNotFound)},
       {"nginx", "F5", "nginx", "1.22.1", "nginx", "nginx", "1.22.1"}},
      {"openresty",
       {Html("x", {{"server", "openresty/1.21.4.1"}})},
       {"openresty", "OpenResty", "OpenResty", "1.21.4.1", "openresty"}},
      {"Apache",
       {Html("Apache2 Debian Default Page: It works", {{"server", "Apache/2.4.57 (Debian)"}})},
       {"apache-httpd", "Apache", "Apache httpd", "2.4.57", "apache-httpd"}},
      {"Apache without version",
       {Html("x", {{"server", "Apache"}})},
       {"apache-httpd", "Apache", "Apache httpd", "", "apache-httpd"}},
      {"Tomcat page",
       {Html("Apache Tomcat/9.0.83")},
       {"apache-tomcat", "Apache", "Apache Tomcat", "9.0.83", "apache-tomcat"}},
      {"Tomcat Coyote",
       {Html("x", {{"server", "Apache-Coyote/1.1"}})},
       {"apache-tomcat-coyote", "Apache", "Apache Tomcat", "", "apache-tomcat-coyote"}},
      {"IIS",
       {Html("IIS Windows Server", {{"server", "Microsoft-IIS/10.0"}})},
       {"microsoft-iis", "Microsoft", "IIS", "10.0", "microsoft-iis"}},
      {"HTTP.sys",
       {Answer("/", 404, {{"server", "Microsoft-HTTPAPI/2.0"}}, "Not Found")},
       {"microsoft-httpapi", "Microsoft", "HTTP.sys", "2.0", "microsoft-httpapi"}},
      {"lighttpd", {Html("x", {{"server", "lighttpd/1.4.69"}})}, {"lighttpd", "", "lighttpd", "1.4.69", "lighttpd"}},
      {"Caddy", {Answer("/", 200, {{"server", "Caddy"}}, "hello")}, {"caddy", "", "Caddy", "", "caddy"}},
      {"Jetty",
       {Html("x", {{"server", "Jetty(9.4.53.v20231009)"}})},
       {"jetty", "Eclipse", "Jetty", "9.4.53.v20231009", "jetty"}},
      {"Envoy", {Answer("/", 404, {{"server", "istio-envoy"}})}, {"envoy", "", "Envoy", "", "envoy"}},
      {"Traefik", {Redirected(Html("Traefik"), "/dashboard/")}, {"traefik", "Traefik Labs", "Traefik", "", "traefik"}},
      {"HAProxy stats", {Html("Statistics Report for HAProxy")}, {"haproxy", "", "HAProxy", "", "haproxy"}},
      {"HAProxy 503",
       {Answer("/", 503, {{"content-type", "text/html"}},
               "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this "
               "request.\n</body></html>\n")},
       {"haproxy-503", "", "HAProxy", "", "haproxy-503"}},
      {"Kestrel", {Answer("/", 404, {{"server", "Kestrel"}})}, {"kestrel", "Microsoft", "Kestrel", "", "kestrel"}},
      {"gunicorn", {Html("x", {{"server", "gunicorn/20.1.0"}})}, {"gunicorn", "", "Gunicorn", "20.1.0", "gunicorn"}},
  };
}

TEST(Fingerprints, ShippedRulesLoad) {
  const Fingerprints& rules = Shipped();
  EXPECT_GT(rules.rule_ids().size(), 50u);
  EXPECT_THAT(rules.paths(), ElementsAre("/metrics", "/redfish/v1/", "/version"));
}

TEST(Fingerprints, ShippedRulesOnSyntheticAnswers) {
  std::set<std::string> hit;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    EndpointResult e = MatchRules(c.answers);
    EXPECT_EQ(e.fingerprint, c.want.fingerprint);
    EXPECT_EQ(e.vendor, c.want.vendor);
    EXPECT_EQ(e.product, c.want.product);
    EXPECT_EQ(e.version, c.want.version);
    if (!c.want.server_fingerprint.empty()) {
      EXPECT_EQ(e.server_fingerprint, c.want.server_fingerprint);
      if (!c.want.server_product.empty()) {
        EXPECT_EQ(e.server_product, c.want.server_product);
      }
      if (!c.want.server_version.empty()) {
        EXPECT_EQ(e.server_version, c.want.server_version);
      }
    }
    hit.insert(e.fingerprint);
    hit.insert(e.server_fingerprint);
  }
  for (const std::string& id : Shipped().rule_ids()) EXPECT_TRUE(hit.contains(id)) << "no case hits rule " << id;
}

TEST(Fingerprints, NothingMatchesAPlainPage) {
  EndpointResult e = MatchRules({Html("My home page"), Answer("/metrics", 404, {}, kNotFound),
                                 Answer("/redfish/v1/", 404, {}, kNotFound), Answer("/version", 404, {}, kNotFound)});
  EXPECT_EQ(e.fingerprint, "");
  EXPECT_EQ(e.server_fingerprint, "");
  EXPECT_EQ(e.product, "");
}

TEST(Fingerprints, AnswersWithoutStatusAreIgnored) {
  HttpResponse failed = JsonAnswer("/redfish/v1/", R"({"RedfishVersion": "1.0"})");
  failed.status = 0;
  failed.error = ErrorKind::kTimeout;
  EXPECT_EQ(MatchRules({failed}).fingerprint, "");
  HttpResponse truncated = JsonAnswer("/redfish/v1/", R"({"RedfishVersion": "1.0"})");
  truncated.truncated = true;  // cut JSON is not JSON
  EXPECT_EQ(MatchRules({truncated}).fingerprint, "");
}

TEST(Fingerprints, ApplicationWinsOverServerAndEarlierRuleWins) {
  // iLO 5's title and its Redfish root both match: the Redfish rule comes
  // first in the file.
  EndpointResult e =
      MatchRules({Html("iLO 5", {{"server", "Apache"}}), JsonAnswer("/redfish/v1/", R"({"RedfishVersion": "1.6.0",
                              "Oem": {"Hpe": {"Manager": [{"ManagerType": "iLO 5", "ManagerFirmwareVersion": "3.01"}]}}})")});
  EXPECT_EQ(e.fingerprint, "hpe-ilo-redfish");
  EXPECT_EQ(e.version, "3.01");
  EXPECT_EQ(e.server_fingerprint, "apache-httpd");
  EXPECT_EQ(e.server_product, "Apache httpd");
}

// Rules written for one test, loaded as text.
Fingerprints Rules(const std::string& toml) {
  auto rules = Fingerprints::Parse(toml, "test.toml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? std::move(*rules) : Fingerprints();
}

TEST(Fingerprints, ValueAlternativesAndFormats) {
  Fingerprints rules = Rules(R"(
[[rule]]
id = "app"
header.x-app = '^(\w+)/(\d+)'
vendor = [{ from = "header.x-vendor" }, "Fallback Inc"]
product = { from = "header.x-app", regex = '^(\w+)/(\d+)', format = "$1 v$2 $$" }
version = { from = "url", regex = 'release=(\d+)' }
)");
  HttpResponse r = Answer("/", 200, {{"x-app", "Widget/7"}});
  r.final_url = "https://192.0.2.10/x?release=42";
  EndpointResult e = MatchRules({r}, rules);
  EXPECT_EQ(e.fingerprint, "app");
  EXPECT_EQ(e.vendor, "Fallback Inc");
  EXPECT_EQ(e.product, "Widget v7 $");
  EXPECT_EQ(e.version, "42");
}

TEST(Fingerprints, StatusAndJsonConditions) {
  Fingerprints rules = Rules(R"(
[[rule]]
id = "svc"
path = "/status"
status = [200, 204]
json_key = ["a.b.1", "flag"]
json_equals = { count = 3, flag = true, "a.name" = "x", ratio = 0.5 }
product = { json = "a.b.1" }
)");
  const std::string body = R"({"a": {"b": ["zero", "one"], "name": "x"}, "flag": true, "count": 3.0, "ratio": 0.5})";
  EXPECT_EQ(MatchRules({JsonAnswer("/status", body)}, rules).product, "one");
  EXPECT_EQ(MatchRules({JsonAnswer("/status", body, 500)}, rules).fingerprint, "");
  EXPECT_EQ(MatchRules({JsonAnswer("/status", R"({"a": {"b": ["zero"]}, "flag": true})")}, rules).fingerprint, "");
  EXPECT_EQ(MatchRules({JsonAnswer("/other", body)}, rules).fingerprint, "");
  EXPECT_EQ(rules.paths(), std::vector<std::string>{"/status"});
}

TEST(Fingerprints, BodyRegexIsSafeOnHugeInputs) {
  // One 1 MiB line: a matcher that recursed over all of it would overflow
  // the stack.
  const std::string line(1 << 20, 'a');
  Fingerprints greedy = Rules("[[rule]]\nid = \"greedy\"\nbody = 'a(.*)a'\nproduct = \"greedy\"\n");
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, line)}, greedy).fingerprint, "greedy");
  // A match longer than a window is not found (documented).
  Fingerprints anchored = Rules("[[rule]]\nid = \"anchored\"\nbody = '^a(.*)b$'\nproduct = \"anchored\"\n");
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, line + "b")}, anchored).fingerprint, "");
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, "aaab")}, anchored).fingerprint, "anchored");

  Fingerprints late = Rules(R"(
[[rule]]
id = "late"
body = 'marker'
product = "late"
version = { from = "body", regex = 'version=(\d+)' }
)");
  // A marker deep into a long line, across a window boundary.
  std::string deep(200000, 'x');
  deep.insert(100000 + 1020, "marker version=17 ");
  EndpointResult e = MatchRules({Answer("/", 200, {}, deep)}, late);
  EXPECT_EQ(e.fingerprint, "late");
  EXPECT_EQ(e.version, "17");
  // Past the first 256 KiB nothing is looked at.
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, std::string(300000, 'x') + "marker")}, late).fingerprint, "");
}

TEST(Fingerprints, CaretAnchorsAtLineStarts) {
  Fingerprints rules = Rules(R"(
[[rule]]
id = "line"
body = '^# HELP'
product = "x"
)");
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, "foo\r\n# HELP x\r\n")}, rules).fingerprint, "line");
  EXPECT_EQ(MatchRules({Answer("/", 200, {}, "foo # HELP x")}, rules).fingerprint, "");
  // Not at the start of a window inside a long line (windows start every
  // 768 bytes).
  EXPECT_EQ(
      MatchRules({Answer("/", 200, {}, std::string(1536, 'x') + "# HELP" + std::string(100, 'x'))}, rules).fingerprint,
      "");
}

struct LoadError {
  std::string toml;
  std::string message;  // a substring of the error
};

TEST(Fingerprints, LoadErrorsNameTheRuleAndKey) {
  const std::vector<LoadError> cases = {
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"p\"\ncolour = \"red\"\n", "rule[0] \"a\": colour: unknown key"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"p\"\n[[rule]]\nid = \"b\"\ntitle = '(unclosed'\nproduct = "
       "\"p\"\n",
       "rule[1] \"b\": title: bad regex '(unclosed'"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"p\"\n[[rule]]\nid = \"a\"\ntitle = 'y'\nproduct = \"p\"\n",
       "rule[1] \"a\": id: duplicate id"},
      {"[[rule]]\nid = \"a\"\nproduct = \"p\"\n", "rule[0] \"a\": rule: no condition"},
      {"[[rule]]\nid = \"a\"\nstatus = 200\nproduct = \"p\"\n", "rule[0] \"a\": rule: no condition"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\n", "rule[0] \"a\": product: missing"},
      {"[[rule]]\ntitle = 'x'\nproduct = \"p\"\n", "rule[0] \"\": id: missing"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"p\"\nkind = \"proxy\"\n", "rule[0] \"a\": kind: expected"},
      {"[[rule]]\nid = \"a\"\npath = \"metrics\"\ntitle = 'x'\nproduct = \"p\"\n",
       "rule[0] \"a\": path: 'metrics' is not a path"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nstatus = 999\nproduct = \"p\"\n",
       "rule[0] \"a\": status: expected HTTP status"},
      {"[[rule]]\nid = \"a\"\nheader.server = '['\nproduct = \"p\"\n", "rule[0] \"a\": header.server: bad regex"},
      {"[[rule]]\nid = \"a\"\nheader = 'x'\nproduct = \"p\"\n", "rule[0] \"a\": header: expected header.<name>"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = { from = \"cookie\" }\n",
       "rule[0] \"a\": product.from: unknown source"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = { regex = 'x' }\n",
       "rule[0] \"a\": product: needs exactly one of"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = { from = \"title\", json = \"a\" }\n",
       "rule[0] \"a\": product: needs exactly one of"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = { from = \"title\", color = 1 }\n",
       "rule[0] \"a\": product.color: unknown key"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = { from = \"title\", regex = '(x)', format = \"$2\" }\n",
       "rule[0] \"a\": product.format: refers to a group"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"p\"\nversion = [\"1\", { json = \"a..b\" }]\n",
       "rule[0] \"a\": version[1].json: 'a..b' has an empty step"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = []\n", "rule[0] \"a\": product: empty list"},
      {"[[rule]]\nid = \"a\"\njson_equals = { x = [1] }\nproduct = \"p\"\n", "rule[0] \"a\": json_equals.x: expected"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x'\nproduct = \"  \"\n", "rule[0] \"a\": product: empty value"},
      {"[[rules]]\nid = \"a\"\n", "test.toml: rules: unknown key"},
      {"[[rule]]\nid = \"a\"\ntitle = 'x\n", "test.toml: TOML syntax at line 3"},
  };
  for (const LoadError& c : cases) {
    SCOPED_TRACE(c.toml);
    auto rules = Fingerprints::Parse(c.toml, "test.toml");
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(rules.status().message()), HasSubstr(c.message));
    EXPECT_THAT(std::string(rules.status().message()), ::testing::StartsWith("test.toml: "));
  }
  EXPECT_EQ(Fingerprints::Load("/nonexistent/http.toml").status().code(), absl::StatusCode::kNotFound);
}

// ------------------------------------------------------------ titles

TEST(Title, Extraction) {
  EXPECT_EQ(ExtractTitle("<html><head><title>Hello</title></head></html>"), "Hello");
  EXPECT_EQ(ExtractTitle("<TITLE id=\"t\">\n  Multi\n\tline   title \r\n</TITLE>"), "Multi line title");
  EXPECT_EQ(ExtractTitle("<title>A &amp; B &lt;c&gt; &quot;d&quot; &#39;e&#39; &apos;f&apos;</title>"),
            "A & B <c> \"d\" 'e' 'f'");
  EXPECT_EQ(ExtractTitle("<title>DS218&nbsp;-&nbsp;Synology&nbsp;DiskStation</title>"), "DS218 - Synology DiskStation");
  EXPECT_EQ(ExtractTitle("<title>&#x41;&#66;&#169; &middot; &unknown; & done</title>"),
            "AB\u00a9 \u00b7 &unknown; & done");
  EXPECT_EQ(ExtractTitle("<titlebar>no</titlebar><title>yes</title>"), "yes");
  EXPECT_EQ(ExtractTitle("<title>unterminated<body>x"), "unterminated");
  EXPECT_EQ(ExtractTitle("<title></title>"), "");
  EXPECT_EQ(ExtractTitle("{\"title\": \"json\"}"), "");
  EXPECT_EQ(ExtractTitle(""), "");
  EXPECT_EQ(ExtractTitle("<title>&#0;&#xD800;&#99999999;</title>"), "\ufffd\ufffd&#99999999;");
}

TEST(Title, CutTo200Characters) {
  std::string long_title;
  for (int i = 0; i < 300; ++i) long_title += "\u00e9";  // two bytes each
  std::string title = ExtractTitle("<title>" + long_title + "</title>");
  EXPECT_EQ(title.size(), 400u);
  EXPECT_EQ(title, long_title.substr(0, 400));
  EXPECT_EQ(ExtractTitle("<title>" + std::string(500, 'x') + "</title>").size(), 200u);
}

}  // namespace
}  // namespace cmdb::discovery::http
