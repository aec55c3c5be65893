#include "api/interceptors.h"

#include <atomic>
#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "core/strings.h"

namespace cmdb::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

spdlog::logger& Logger() {
  static auto logger = [] {
    auto l = spdlog::get("request");
    return l ? l : spdlog::default_logger();
  }();
  return *logger;
}

// Refusals for busy threads since the last line about them, and when that was.
std::atomic<int64_t> busy_refusals{0};
std::atomic<int64_t> busy_logged_at{0};

void CountBusyRefusal(std::string_view method, int max_threads) {
  busy_refusals.fetch_add(1);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  int64_t last = busy_logged_at.load();
  if (now - last < 1000 || !busy_logged_at.compare_exchange_strong(last, now)) return;
  Logger().warn(
      "method={} status=RESOURCE_EXHAUSTED: all {} request threads busy; refused {} calls since the last "
      "such line (raise --max-threads, or add cmdbd instances)",
      method, max_threads, busy_refusals.exchange(0));
}

class RequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  RequestInterceptor(grpc::experimental::ServerRpcInfo* info, int max_threads)
      : info_(info), max_threads_(max_threads) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (unparsed_ && status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty()) {
        const grpc::Status refused(grpc::StatusCode::INVALID_ARGUMENT,
                                   "request: not a valid message (a string field holds invalid UTF-8, or "
                                   "messages nest deeper than the parser allows)");
        Logger().warn("method={} status=INVALID_ARGUMENT error={}", info_->method(), refused.error_message());
        methods->ModifySendStatus(refused);
      } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && status.error_message().empty()) {
        CountBusyRefusal(info_->method(), max_threads_);
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         StrCat("server busy: all ", max_threads_, " request threads are in use; retry with backoff")));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  int max_threads_;
  bool unparsed_ = false;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(int max_threads) : max_threads_(max_threads) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new RequestInterceptor(info, max_threads_);
  }

 private:
  int max_threads_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> RequestInterceptors(
    int max_threads) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<Factory>(max_threads));
  return out;
}

}  // namespace cmdb::api
