// A fresh database per test with the services built on it.
#pragma once

#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/ci_service.h"
#include "service/class_service.h"
#include "service/relationship_service.h"
#include "db/sql.h"  // tests may run SQL to check what the services wrote
#include "support/test_cluster.h"

namespace cmdb::testing {

class ServiceTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    cis_ = std::make_unique<CiService>(db(), limits_);
    rels_ = std::make_unique<RelationshipService>(db(), limits_);
    classes_ = std::make_unique<ClassService>(db());
  }
  void TearDown() override {
    cis_.reset();
    rels_.reset();
    classes_.reset();
    DbTest::TearDown();
  }

  static WriteContext Ctx(std::string actor = "alice", std::string comment = "") {
    WriteContext c;
    c.actor = std::move(actor);
    c.comment = std::move(comment);
    return c;
  }

  static Ci MakeCi(std::string cls, std::string name, Json attributes = Json::object()) {
    Ci ci;
    ci.class_name = std::move(cls);
    ci.name = std::move(name);
    ci.attributes = std::move(attributes);
    return ci;
  }

  // Creates a CI and fails the test if that fails.
  Ci Create(std::string cls, std::string name, Json attributes = Json::object()) {
    auto ci = cis_->Create(Ctx(), MakeCi(std::move(cls), std::move(name), std::move(attributes)), "");
    EXPECT_TRUE(ci.ok()) << ci.status();
    return ci.ok() ? *ci : Ci{};
  }

  // Runs a statement in a write transaction (to prepare an estate); fails
  // the test when it fails.
  void ExecSql(const std::string& statement) {
    EXPECT_TRUE(db().Write(Ctx(), [&](db::Tx& tx) {
                      db::Sql(tx).exec(statement);
                      return absl::OkStatus();
                    })
                    .ok())
        << statement;
  }

  // Runs a query and returns the single integer it yields.
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) {
                      n = db::Sql(tx).exec1(sql)[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  Limits limits_;
  std::unique_ptr<CiService> cis_;
  std::unique_ptr<RelationshipService> rels_;
  std::unique_ptr<ClassService> classes_;
};

}  // namespace cmdb::testing
