// ENTITY-MIB entPhysicalTable and the choice of the chassis.
#include <algorithm>
#include <cctype>
#include <tuple>

#include "mib/decoders.h"
#include "mib/internal.h"

namespace cmdb::discovery::mib {

using namespace internal;

namespace {

constexpr int kClassContainer = 5, kClassPowerSupply = 6, kClassFan = 7, kClassSensor = 8, kClassModule = 9,
              kClassPort = 10, kClassStack = 11, kClassCpu = 12, kClassChassis = 3;

std::optional<std::string> Usable(const std::optional<std::string>& text) {
  if (!text || IsPlaceholderIdentifier(*text)) return std::nullopt;
  return text;
}

std::optional<std::string> ModelOf(const Entity& e) {
  if (auto m = Usable(e.model_name)) return m;
  if (e.descr) {
    std::string first = e.descr->substr(0, e.descr->find('\n'));
    if (auto m = Usable(CleanLine(first))) return m;
  }
  return std::nullopt;
}

StackMember MemberOf(const Entity& e) {
  return {.entity_index = e.index,
          .relative_position = e.relative_position,
          .model = ModelOf(e),
          .serial = Usable(e.serial)};
}

Chassis ChassisOf(const Entity& e) {
  Chassis c;
  c.entity_index = e.index;
  c.physical_class = e.physical_class;
  c.model = ModelOf(e);
  c.serial = Usable(e.serial);
  if (e.descr) c.descr = CleanLine(*e.descr);
  c.hardware_rev = e.hardware_rev;
  c.firmware_rev = e.firmware_rev;
  c.software_rev = e.software_rev;
  c.manufacturer = e.mfg_name;
  return c;
}

}  // namespace

bool IsPlaceholderIdentifier(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return true;
  if (text.front() == '<' && text.back() == '>') return true;
  if (text.size() > 1 && std::all_of(text.begin(), text.end(), [&](char c) { return c == text.front(); })) {
    return true;
  }
  static constexpr std::string_view kPlaceholders[] = {"n/a",
                                                       "na",
                                                       "none",
                                                       "unknown",
                                                       "not available",
                                                       "not specified",
                                                       "default",
                                                       "default string",
                                                       "builtin",
                                                       "to be filled by o.e.m.",
                                                       "serial",
                                                       "null",
                                                       "-",
                                                       "0"};
  std::string lower = AsciiLower(text);
  return std::find(std::begin(kPlaceholders), std::end(kPlaceholders), lower) != std::end(kPlaceholders);
}

std::vector<Entity> DecodeEntities(const DeviceWalk& walk) {
  static const Oid kEntry = O("1.3.6.1.2.1.47.1.1.1.1");
  Table t = ReadTable(walk, kEntry, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  std::vector<Entity> out;
  for (const auto& [index, row] : t.rows) {
    if (index.size() != 1 || index[0] == 0) continue;
    Entity e;
    e.index = index[0];
    e.descr = Text(t.Get(row, 2));
    e.vendor_type = ObjectId(t.Get(row, 3));
    if (auto n = NumberIn(t.Get(row, 4), 0, INT32_MAX)) e.contained_in = static_cast<uint32_t>(*n);
    if (auto n = NumberIn(t.Get(row, 5), 1, 12)) e.physical_class = static_cast<int>(*n);
    if (auto n = NumberIn(t.Get(row, 6), -1, INT32_MAX)) e.relative_position = static_cast<int>(*n);
    e.name = Line(t.Get(row, 7));
    e.hardware_rev = Line(t.Get(row, 8));
    e.firmware_rev = Line(t.Get(row, 9));
    e.software_rev = Line(t.Get(row, 10));
    e.serial = Line(t.Get(row, 11));
    e.mfg_name = Line(t.Get(row, 12));
    e.model_name = Line(t.Get(row, 13));
    e.alias = Line(t.Get(row, 14));
    e.asset_id = Line(t.Get(row, 15));
    if (auto n = NumberIn(t.Get(row, 16), 1, 2)) e.is_fru = *n == 1;
    bool any = e.descr || e.vendor_type || e.contained_in || e.physical_class || e.relative_position || e.name ||
               e.hardware_rev || e.firmware_rev || e.software_rev || e.serial || e.mfg_name || e.model_name ||
               e.alias || e.asset_id || e.is_fru;
    if (any) out.push_back(std::move(e));
  }
  return out;
}

std::optional<Chassis> DecodeChassis(const std::vector<Entity>& entities) {
  auto find = [&](uint32_t index) -> const Entity* {
    auto it = std::lower_bound(entities.begin(), entities.end(), index,
                               [](const Entity& e, uint32_t i) { return e.index < i; });
    return it != entities.end() && it->index == index ? &*it : nullptr;
  };
  auto is_chassis = [](const Entity* e) { return e != nullptr && e->physical_class == kClassChassis; };

  std::vector<const Entity*> tops;
  bool in_stack = false;
  for (const Entity& e : entities) {
    if (e.physical_class != kClassChassis) continue;
    const Entity* parent = e.contained_in && *e.contained_in != 0 ? find(*e.contained_in) : nullptr;
    if (parent == &e) parent = nullptr;  // contains itself: as if contained in nothing
    if (is_chassis(parent)) continue;
    if (parent != nullptr && parent->physical_class == kClassStack) in_stack = true;
    tops.push_back(&e);
  }
  if (!tops.empty()) {
    auto key = [](const Entity* e) {
      int pos = e->relative_position.value_or(-1);
      return std::make_tuple(pos < 0, pos, e->index);
    };
    std::stable_sort(tops.begin(), tops.end(), [&](const Entity* a, const Entity* b) { return key(a) < key(b); });
    const Entity* chosen = tops.front();
    for (const Entity* e : tops) {
      if (Usable(e->serial) || ModelOf(*e)) {
        chosen = e;
        break;
      }
    }
    Chassis c = ChassisOf(*chosen);
    c.is_stack = in_stack || tops.size() > 1;
    if (c.is_stack) {
      // The chosen chassis first, then the others in order.
      c.members.push_back(MemberOf(*chosen));
      for (const Entity* e : tops) {
        StackMember m = MemberOf(*e);
        if (e != chosen && (m.model || m.serial)) c.members.push_back(std::move(m));
      }
      for (const StackMember& m : c.members) {
        if (m.serial) c.member_serials.push_back(*m.serial);
      }
    } else if (c.serial) {
      c.member_serials.push_back(*c.serial);
    }
    return c;
  }
  // Fallback: an entity with a serial that is not a part of something else.
  const Entity* best = nullptr;
  for (const Entity& e : entities) {
    int cls = e.physical_class.value_or(0);
    if (cls == kClassModule || cls == kClassPort || cls == kClassSensor || cls == kClassPowerSupply ||
        cls == kClassFan || cls == kClassContainer || cls == kClassCpu || !Usable(e.serial)) {
      continue;
    }
    bool top = e.contained_in.value_or(0) == 0;
    if (best == nullptr || (top && best->contained_in.value_or(0) != 0)) best = &e;
    if (top) break;
  }
  if (best == nullptr) return std::nullopt;
  Chassis c = ChassisOf(*best);
  if (c.serial) c.member_serials.push_back(*c.serial);
  return c;
}

}  // namespace cmdb::discovery::mib
