// The principal a request runs for, on the thread that runs it. The api
// layer sets it around each handler; db::Database reads it so that a caller
// reading from a replica sees its own writes (read-your-writes).
#pragma once

#include <string_view>

namespace cmdb {

class CallerScope {
 public:
  // `name` must outlive the scope.
  explicit CallerScope(std::string_view name);
  ~CallerScope();
  CallerScope(const CallerScope&) = delete;
  CallerScope& operator=(const CallerScope&) = delete;

  // The innermost scope's name on this thread; "" outside any.
  static std::string_view Current();

 private:
  std::string_view previous_;
};

}  // namespace cmdb
