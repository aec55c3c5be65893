// Load and checks that the process-level tests share: writers creating
// CIs until stopped (each outcome counted, each acknowledged id kept),
// counting which ids read back, waiting for health.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "support/raw_call.h"

namespace cmdb::testing {

// Polls health until it is `want` (1 SERVING, 2 NOT_SERVING); the seconds
// it took, or -1 after `limit`.
inline double WaitForHealth(grpc::Channel& channel, int want, std::chrono::seconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    if (HealthStatus(channel) == want) return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

// Writers creating CIs until stopped; each outcome is counted by code and
// each acknowledged id kept.
class Writers {
 public:
  Writers(std::shared_ptr<grpc::Channel> channel, std::string token, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, channel, token, t] {
        auto stub = v1::CmdbService::NewStub(channel);
        for (int i = 0; !stop_.load(); ++i) {
          grpc::ClientContext ctx;
          ctx.AddMetadata("authorization", "Bearer " + token);
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
          v1::CreateCIRequest req;
          req.mutable_ci()->set_class_name("server");
          req.mutable_ci()->set_name("w" + std::to_string(t) + "-" + std::to_string(i));
          v1::ConfigurationItem out;
          const auto start = std::chrono::steady_clock::now();
          grpc::Status st = stub->CreateCI(&ctx, req, &out);
          const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::lock_guard lock(mu_);
          ++codes_[st.error_code()];
          slowest_ = std::max(slowest_, took);
          if (st.ok()) acknowledged_.push_back(out.id());
          if (!st.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      });
    }
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  std::map<grpc::StatusCode, int> codes() {
    std::lock_guard lock(mu_);
    return codes_;
  }
  std::vector<std::string> acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }
  double slowest() {
    std::lock_guard lock(mu_);
    return slowest_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<grpc::StatusCode, int> codes_;
  std::vector<std::string> acknowledged_;
  double slowest_ = 0;
};

// Every id in `ids` reads back.
inline int CountPresent(v1::CmdbService::Stub& stub, const std::string& token, const std::vector<std::string>& ids) {
  int present = 0;
  for (const auto& id : ids) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::GetCIRequest req;
    req.set_id(id);
    v1::ConfigurationItem out;
    if (stub.GetCI(&ctx, req, &out).ok()) ++present;
  }
  return present;
}

}  // namespace cmdb::testing
