// What every command shares: the global flags and the client built from
// them once parsing is done.
#pragma once

#include <memory>
#include <string>

#include "client.h"

namespace cmdbctl {

struct Session {
  ClientOptions options;
  std::string output = "table";  // "table" or "json" (-o)

  bool json() const { return output == "json"; }

  // The client, created on first use (after the flags are parsed).
  Client& client() {
    if (!client_) client_ = std::make_unique<Client>(options);
    return *client_;
  }

 private:
  std::unique_ptr<Client> client_;
};

}  // namespace cmdbctl
