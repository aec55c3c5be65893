// ListCIs: filters (class with subclasses, status, name prefix, attribute
// comparisons, text search), ordering and keyset pagination.
#include <set>

#include "service_fixture.h"

namespace cmdb::testing {
namespace {

using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

class CiListTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Create("server", "web01", {{"cpu_count", 4}, {"os_name", "Debian"}, {"serial_number", "FOC123"}});
    Create("server", "web02", {{"cpu_count", 16}, {"os_name", "Debian"}, {"management_ip", "10.1.0.2"}});
    Create("virtual_machine", "vm-db01", {{"cpu_count", 8}, {"vm_uuid", "4213-aa"}});
    Create("switch", "sw-core-1", {{"serial_number", "JAE0099"}, {"mac_addresses", {"00:1b:21:aa:bb:cc"}}});
    Create("router", "rtr-edge", {{"management_ip", "10.1.0.1"}});
    Ci planned = MakeCi("server", "web03-planned", {{"cpu_count", 2}});
    planned.status = "planned";
    planned.criticality = "high";
    EXPECT_TRUE(cis_->Create(Ctx(), planned, "").ok());
  }

  std::vector<std::string> Names(const std::string& filter, const std::string& order = "") {
    CiListQuery q;
    q.filter = filter;
    q.order_by = order;
    auto page = cis_->List(q);
    EXPECT_TRUE(page.ok()) << filter << ": " << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const auto& ci : page->cis) names.push_back(ci.name);
    }
    return names;
  }
};

TEST_F(CiListTest, ClassMatchesSubclassesAndClassExactDoesNot) {
  EXPECT_THAT(Names("class = server"), UnorderedElementsAreArray({"web01", "web02", "vm-db01", "web03-planned"}));
  EXPECT_THAT(Names("class_exact = server"), UnorderedElementsAreArray({"web01", "web02", "web03-planned"}));
  EXPECT_THAT(Names("class = network_device"), UnorderedElementsAreArray({"sw-core-1", "rtr-edge"}));
  EXPECT_THAT(Names("class != hardware"), ::testing::IsEmpty());
}

TEST_F(CiListTest, FieldComparisons) {
  EXPECT_THAT(Names("status = planned"), UnorderedElementsAreArray({"web03-planned"}));
  EXPECT_THAT(Names("name = \"web*\""), UnorderedElementsAreArray({"web01", "web02", "web03-planned"}));
  EXPECT_THAT(Names("name = web02"), UnorderedElementsAreArray({"web02"}));
  EXPECT_THAT(Names("name : CORE"), UnorderedElementsAreArray({"sw-core-1"}));
  EXPECT_THAT(Names("criticality >= medium"), UnorderedElementsAreArray({"web03-planned"}));
}

TEST_F(CiListTest, AttributeEqualityAndRanges) {
  EXPECT_THAT(Names("attributes.cpu_count >= 8"), UnorderedElementsAreArray({"web02", "vm-db01"}));
  EXPECT_THAT(Names("attributes.cpu_count < 8 AND class = server"), UnorderedElementsAreArray({"web01", "web03-planned"}));
  EXPECT_THAT(Names("attributes.os_name = Debian"), UnorderedElementsAreArray({"web01", "web02"}));
  EXPECT_THAT(Names("attributes.management_ip = 10.1.0.1"), UnorderedElementsAreArray({"rtr-edge"}));
  // Values are normalised like stored ones: a MAC in another notation matches list members.
  EXPECT_THAT(Names("attributes.mac_addresses : 001B.21AA.BBCC"), UnorderedElementsAreArray({"sw-core-1"}));
  EXPECT_THAT(Names("attributes.serial_number = \"FOC*\""), UnorderedElementsAreArray({"web01"}));
  EXPECT_THAT(Names("attributes.vm_uuid:*"), UnorderedElementsAreArray({"vm-db01"}));
}

TEST_F(CiListTest, BooleanCombinationsFollowAip160Precedence) {
  // OR binds tighter than AND.
  EXPECT_THAT(Names("class = server attributes.cpu_count = 4 OR attributes.cpu_count = 16"),
              UnorderedElementsAreArray({"web01", "web02"}));
  EXPECT_THAT(Names("(status = planned OR name = rtr-edge) AND NOT class = router"),
              UnorderedElementsAreArray({"web03-planned"}));
  EXPECT_THAT(Names("-class = hardware"), ::testing::IsEmpty());
}

TEST_F(CiListTest, TextSearchLooksInNamesAndAttributeValues) {
  EXPECT_THAT(Names("jae00"), UnorderedElementsAreArray({"sw-core-1"}));  // serial, case-insensitive
  EXPECT_THAT(Names("\"10.1.0\""), UnorderedElementsAreArray({"web02", "rtr-edge"}));
  EXPECT_THAT(Names("db01"), UnorderedElementsAreArray({"vm-db01"}));
  EXPECT_THAT(Names("serial"), ::testing::IsEmpty());  // attribute names are not searched
  EXPECT_THAT(Names("100%"), ::testing::IsEmpty());    // wildcards are literal
}

TEST_F(CiListTest, BadFiltersNameTheProblem) {
  struct Case {
    const char* filter;
    const char* prefix;
  };
  for (const Case& c : std::vector<Case>{{"colour = red", "filter: unknown field"},
                                         {"attributes.colour = red", "filter: no class has an attribute"},
                                         {"class = spaceship", "filter: unknown class"},
                                         {"attributes.cpu_count > lots", "filter: attributes.cpu_count: expected a number"},
                                         {"status = exploded", "filter: unknown status"},
                                         {"(name = a", "filter: expected \")\""},
                                         {"name = \"open", "filter: unterminated string"},
                                         {"id = 42", "filter: id: not a UUID"},
                                         {"status > planned", "filter: operator > does not apply"}}) {
    CiListQuery q;
    q.filter = c.filter;
    auto page = cis_->List(q);
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << c.filter;
    EXPECT_THAT(std::string(page.status().message()), StartsWith(c.prefix)) << c.filter;
  }
}

TEST_F(CiListTest, OrderingAndKeysetPaginationVisitEveryCiOnce) {
  for (int i = 0; i < 37; ++i) Create("workstation", "ws" + std::to_string(100 + i), {{"cpu_count", i % 5}});
  for (const std::string order : {"name", "name desc", "attributes.cpu_count", "attributes.cpu_count desc",
                                  "create_time desc", "update_time", "class"}) {
    CiListQuery q;
    q.filter = "class = workstation";
    q.order_by = order;
    q.page_size = 5;
    std::vector<Ci> all;
    int pages = 0;
    do {
      auto page = cis_->List(q);
      ASSERT_TRUE(page.ok()) << order << ": " << page.status();
      EXPECT_LE(page->cis.size(), 5u);
      all.insert(all.end(), page->cis.begin(), page->cis.end());
      q.page_token = page->next_page_token;
      ++pages;
    } while (!q.page_token.empty() && pages < 50);
    ASSERT_EQ(all.size(), 37u) << order;
    std::set<std::string> ids;
    for (const auto& ci : all) ids.insert(ci.id);
    EXPECT_EQ(ids.size(), 37u) << order;
    for (size_t i = 1; i < all.size(); ++i) {
      if (order == "name") { EXPECT_LT(all[i - 1].name, all[i].name); }
      if (order == "name desc") { EXPECT_GT(all[i - 1].name, all[i].name); }
      if (order == "attributes.cpu_count") { EXPECT_LE(all[i - 1].attributes["cpu_count"], all[i].attributes["cpu_count"]); }
      if (order == "attributes.cpu_count desc") {
        EXPECT_GE(all[i - 1].attributes["cpu_count"], all[i].attributes["cpu_count"]);
      }
      if (order == "create_time desc") { EXPECT_GE(all[i - 1].created_at, all[i].created_at); }
    }
  }
}

TEST_F(CiListTest, PageSizeLimitsAndForeignTokens) {
  CiListQuery q;
  q.page_size = -1;
  EXPECT_EQ(cis_->List(q).status().code(), absl::StatusCode::kInvalidArgument);
  limits_.max_page_size = 2;
  q.page_size = 500;  // lowered to the maximum (AIP-158)
  auto page = cis_->List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->cis.size(), 2u);
  ASSERT_FALSE(page->next_page_token.empty());
  q.page_token = page->next_page_token;
  q.filter = "class = server";  // a different query
  EXPECT_THAT(std::string(cis_->List(q).status().message()), StartsWith("page_token:"));
  q.page_token = "%%%";
  EXPECT_THAT(std::string(cis_->List(q).status().message()), StartsWith("page_token:"));
  q.page_token = "";
  q.order_by = "colour";
  EXPECT_THAT(std::string(cis_->List(q).status().message()), StartsWith("order_by:"));
}

}  // namespace
}  // namespace cmdb::testing
