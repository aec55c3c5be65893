// FactsFromWalk: what the classifier matches, read from a device's walk
// (SNMPv2-MIB system, ENTITY-MIB, IF-MIB) and the probes.
#include <string>
#include <string_view>

#include "classify/classifier.h"
#include "classify/text_util.h"

namespace cmdb::discovery {

namespace {

// Text of an OCTET STRING as the classifier wants it: cut at the first NUL,
// trimmed, one pair of surrounding double quotes removed.
std::string CleanText(std::string_view raw) {
  if (size_t nul = raw.find('\0'); nul != std::string_view::npos) raw = raw.substr(0, nul);
  raw = text::Strip(raw);
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    raw = text::Strip(raw.substr(1, raw.size() - 2));
  }
  return std::string(raw);
}

std::string ValueText(const Value& v) {
  switch (v.type) {
    case ValueType::kOctetString:
      return CleanText(v.bytes);
    case ValueType::kInteger:
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      return text::Cat(v.integer);
    case ValueType::kObjectId:
      return v.oid.ToString();
    default:
      return {};
  }
}

Oid Child(const Oid& base, std::initializer_list<uint32_t> arcs) {
  Oid out = base;
  out.arcs.insert(out.arcs.end(), arcs);
  return out;
}

}  // namespace

DeviceFacts FactsFromWalk(const DeviceWalk& walk, const Probes& probes) {
  DeviceFacts facts;
  static const Oid kSystem{{1, 3, 6, 1, 2, 1, 1}};
  if (const Value* v = walk.Get(Child(kSystem, {1, 0})); v != nullptr && v->type == ValueType::kOctetString) {
    facts.sys_descr = CleanText(v->bytes);
  }
  if (const Value* v = walk.Get(Child(kSystem, {2, 0})); v != nullptr && v->type == ValueType::kObjectId) {
    facts.sys_object_id = v->oid;
  }
  if (const Value* v = walk.Get(Child(kSystem, {7, 0})); v != nullptr && v->type == ValueType::kInteger) {
    facts.sys_services = static_cast<int>(v->integer);
  }

  // ENTITY-MIB entPhysicalEntry columns (single-arc index).
  static const Oid kEntry{{1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1}};
  const Oid descr_col = Child(kEntry, {2});
  const Oid class_col = Child(kEntry, {5});
  const Oid model_col = Child(kEntry, {13});
  std::optional<uint32_t> chosen;
  for (const Varbind& vb : walk.Subtree(class_col)) {
    if (vb.oid.arcs.size() == class_col.arcs.size() + 1 && vb.value.type == ValueType::kInteger &&
        vb.value.integer == 3) {
      chosen = vb.oid.arcs.back();  // Subtree is in OID order: lowest index first
      break;
    }
  }
  if (!chosen) {
    for (const Varbind& vb : walk.Subtree(model_col)) {
      if (vb.oid.arcs.size() == model_col.arcs.size() + 1 && vb.value.type == ValueType::kOctetString &&
          !CleanText(vb.value.bytes).empty()) {
        chosen = vb.oid.arcs.back();
        break;
      }
    }
  }
  if (chosen) {
    if (const Value* v = walk.Get(Child(model_col, {*chosen})); v && v->type == ValueType::kOctetString) {
      facts.entity_model = CleanText(v->bytes);
    }
    if (const Value* v = walk.Get(Child(descr_col, {*chosen})); v && v->type == ValueType::kOctetString) {
      facts.entity_descr = CleanText(v->bytes);
    }
  }

  static const Oid kIfType{{1, 3, 6, 1, 2, 1, 2, 2, 1, 3}};
  for (const Varbind& vb : walk.Subtree(kIfType)) {
    if (vb.value.type == ValueType::kInteger) facts.if_types.push_back(static_cast<int>(vb.value.integer));
  }
  std::sort(facts.if_types.begin(), facts.if_types.end());
  facts.if_types.erase(std::unique(facts.if_types.begin(), facts.if_types.end()), facts.if_types.end());

  for (const Oid& subtree : probes.subtrees) {
    if (!walk.Subtree(subtree).empty()) facts.present_subtrees.push_back(subtree);
  }
  for (const Oid& oid : probes.values) {
    if (const Value* v = walk.Get(oid)) {
      std::string text = ValueText(*v);
      if (!text.empty()) facts.probe_values.emplace(oid, std::move(text));
    }
  }
  return facts;
}

}  // namespace cmdb::discovery
