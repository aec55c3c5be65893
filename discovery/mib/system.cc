// SNMPv2-MIB system group.
#include <cctype>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

std::optional<std::string> HostnameOf(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  size_t label = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (label == 0 || out.back() == '-') return std::nullopt;
      label = 0;
      out.push_back('.');
      continue;
    }
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c == '-' && label > 0);
    if (!ok || ++label > 63) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.back() == '-') return std::nullopt;
  return out;
}

SystemInfo DecodeSystem(const DeviceWalk& walk) {
  static const Oid kDescr = O("1.3.6.1.2.1.1.1.0"), kObjectId = O("1.3.6.1.2.1.1.2.0"),
                   kUpTime = O("1.3.6.1.2.1.1.3.0"), kContact = O("1.3.6.1.2.1.1.4.0"), kName = O("1.3.6.1.2.1.1.5.0"),
                   kLocation = O("1.3.6.1.2.1.1.6.0"), kServices = O("1.3.6.1.2.1.1.7.0");
  SystemInfo sys;
  sys.descr = Text(walk.Get(kDescr));
  sys.object_id = ObjectId(walk.Get(kObjectId));
  if (sys.object_id && sys.object_id->arcs.empty()) sys.object_id.reset();
  if (auto ticks = NumberIn(walk.Get(kUpTime), 0, INT64_MAX)) sys.uptime_seconds = *ticks / 100;
  sys.contact = Line(walk.Get(kContact));
  sys.name = Line(walk.Get(kName));
  sys.location = Line(walk.Get(kLocation));
  if (sys.name) sys.hostname = HostnameOf(*sys.name);
  if (auto s = NumberIn(walk.Get(kServices), 0, 127)) sys.services = static_cast<int>(*s);
  return sys;
}

}  // namespace cmdb::discovery::mib
