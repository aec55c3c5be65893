// Every lab device against the hand-checked expectations (tests/lab/
// expected.toml): its recording decoded, classified with the shipped rules
// and mapped to the reconciliation payload exactly as the worker does, then
// compared field by field with what discovery must find: class,
// manufacturer, model, serial, OS and version, and the counts of
// interfaces, addresses and neighbours.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <toml++/toml.h>

#include "classify/classifier.h"
#include "findings/findings.h"
#include "mib/decoders.h"
#include "support/snmprec.h"

namespace cmdb::discovery {
namespace {

struct Expected {
  std::string address, file, class_name, manufacturer, model, serial, os_name, os_version;
  int64_t interfaces = 0, ipv4 = 0, ipv6 = 0, lldp = 0, cdp = 0;
};

void PrintTo(const Expected& e, std::ostream* os) { *os << e.address << " " << e.file; }

std::vector<Expected> LoadExpectations() {
  std::vector<Expected> out;
  toml::table doc = toml::parse_file(std::string(CMDB_SOURCE_DIR) + "/tests/lab/expected.toml");
  const toml::array* devices = doc["device"].as_array();
  if (devices == nullptr) return out;
  for (const auto& node : *devices) {
    const toml::table& t = *node.as_table();
    Expected e;
    e.address = t["address"].value_or("");
    e.file = t["file"].value_or("");
    e.class_name = t["class"].value_or("");
    e.manufacturer = t["manufacturer"].value_or("");
    e.model = t["model"].value_or("");
    e.serial = t["serial"].value_or("");
    e.os_name = t["os_name"].value_or("");
    e.os_version = t["os_version"].value_or("");
    e.interfaces = t["interfaces"].value_or(int64_t{-1});
    e.ipv4 = t["ipv4_addresses"].value_or(int64_t{-1});
    e.ipv6 = t["ipv6_addresses"].value_or(int64_t{-1});
    e.lldp = t["lldp_neighbours"].value_or(int64_t{-1});
    e.cdp = t["cdp_neighbours"].value_or(int64_t{-1});
    out.push_back(std::move(e));
  }
  return out;
}

std::string Attr(const v1::ReconcileItem& item, const char* key) {
  auto it = item.attributes().fields().find(key);
  return it == item.attributes().fields().end() ? "" : it->second.string_value();
}

class LabExpectations : public ::testing::TestWithParam<Expected> {
 protected:
  static void SetUpTestSuite() {
    auto c = Classifier::Load(std::string(CMDB_SOURCE_DIR) + "/discovery/rules/classify.toml");
    ASSERT_TRUE(c.ok()) << c.status();
    classifier_ = new Classifier(std::move(*c));
  }
  static Classifier* classifier_;
};
Classifier* LabExpectations::classifier_ = nullptr;

TEST_P(LabExpectations, DeviceIsFoundAsExpected) {
  const Expected& e = GetParam();
  auto walk = testing::LoadSnmprec(testing::LabRecordingDir() + "/" + e.file);
  ASSERT_TRUE(walk.ok()) << walk.status();
  const mib::Inventory inv = mib::DecodeInventory(*walk);
  const Classification cls = classifier_->Classify(FactsFromWalk(*walk, classifier_->probes()));
  const v1::ReconcileRequest req = BuildFindings(inv, cls, {e.address, 1767225600});
  ASSERT_GT(req.items_size(), 0);
  const v1::ReconcileItem& device = req.items(0);
  ASSERT_EQ(device.ref(), "device");
  const std::string rules = [&] {
    std::string s;
    for (const auto& r : cls.matched_rules) s += r + " ";
    return s;
  }();
  EXPECT_EQ(device.class_name(), e.class_name) << rules;
  EXPECT_EQ(Attr(device, "manufacturer"), e.manufacturer) << rules;
  EXPECT_EQ(Attr(device, "model"), e.model) << rules;
  EXPECT_EQ(Attr(device, "serial_number"), e.serial);
  EXPECT_EQ(Attr(device, "os_name"), e.os_name) << rules;
  EXPECT_EQ(Attr(device, "os_version"), e.os_version) << rules;
  EXPECT_EQ(Attr(device, "management_ip"), e.address);

  int interfaces = 0, addresses = 0;
  for (const auto& item : req.items()) {
    if (item.parent_ref() != "device") continue;
    interfaces += item.class_name() == "interface";
    addresses += item.class_name() == "ip_address";
  }
  EXPECT_EQ(interfaces, e.interfaces);
  int v4 = 0, v6 = 0, own = 0;
  for (const auto& ip : inv.ip_addresses) {
    (ip.family == mib::IpFamily::kIpv4 ? v4 : v6) += 1;
    own += !ip.loopback && !ip.link_local;
  }
  EXPECT_EQ(v4, e.ipv4);
  EXPECT_EQ(v6, e.ipv6);
  EXPECT_EQ(addresses, own) << "every address but loopback and link-local becomes an ip_address CI";
  EXPECT_EQ(static_cast<int64_t>(inv.lldp_neighbors.size()), e.lldp);
  EXPECT_EQ(static_cast<int64_t>(inv.cdp_neighbors.size()), e.cdp);
}

INSTANTIATE_TEST_SUITE_P(Lab, LabExpectations, ::testing::ValuesIn(LoadExpectations()),
                         [](const ::testing::TestParamInfo<Expected>& info) {
                           const std::string& f = info.param.file;
                           std::string name = f.substr(0, f.size() - std::string(".snmprec").size());
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(LabExpectationsFile, CoversEveryRecording) { EXPECT_EQ(LoadExpectations().size(), 44u); }

}  // namespace
}  // namespace cmdb::discovery
