#include "core/caller.h"

namespace cmdb {
namespace {

thread_local std::string_view current_caller;

}  // namespace

CallerScope::CallerScope(std::string_view name) : previous_(current_caller) { current_caller = name; }

CallerScope::~CallerScope() { current_caller = previous_; }

std::string_view CallerScope::Current() { return current_caller; }

}  // namespace cmdb
