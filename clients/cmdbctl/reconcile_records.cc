// Reading the input of `cmdbctl reconcile` (see reconcile_records.h).
#include "reconcile_records.h"

#include <map>
#include <set>

#include "enums.h"
#include "import_records.h"

namespace cmdbctl {
namespace {

const std::set<std::string> kItemColumns = {"class",       "name", "status", "owner",
                                            "criticality", "ref",  "parent", "source_key"};

// An item as read: its "parent" is resolved once every ref is known.
struct RawItem {
  int line = 0;
  v1::ReconcileItem item;
  std::string parent;
};

struct RawPayload {
  std::vector<RawItem> items;
  std::vector<ImportRelation> relations;
};

RawItem ItemFromJson(const Json& object) {
  CheckKeys(object, {"ref", "class", "name", "status", "owner", "criticality", "attributes", "parent", "source_key",
                     "observed_time"});
  RawItem raw;
  auto& item = raw.item;
  item.set_ref(StringField(object, "ref"));
  item.set_class_name(StringField(object, "class"));
  RequireNonEmpty(item.class_name(), "class");
  item.set_name(StringField(object, "name"));
  item.set_status(ParseStatus(StringField(object, "status"), "status"));
  item.set_owner(StringField(object, "owner"));
  item.set_criticality(ParseCriticality(StringField(object, "criticality"), "criticality"));
  if (object.contains("attributes")) JsonToStruct(object["attributes"], item.mutable_attributes(), "attributes");
  raw.parent = StringField(object, "parent");
  item.set_source_key(StringField(object, "source_key"));
  const std::string observed = StringField(object, "observed_time");
  if (!observed.empty()) *item.mutable_observed_time() = ParseTime(observed, "\"observed_time\"");
  return raw;
}

// Ref -> line of the item with that ref; throws on a ref used twice.
std::map<std::string, int> RefLines(const std::vector<RawItem>& items) {
  std::map<std::string, int> refs;
  for (const auto& raw : items) {
    const std::string& ref = raw.item.ref();
    if (ref.empty()) continue;
    const auto [it, added] = refs.emplace(ref, raw.line);
    if (!added) {
      throw InvalidArgument("line " + std::to_string(raw.line) + ": ref \"" + ref + "\" is already used on line " +
                            std::to_string(it->second));
    }
  }
  return refs;
}

// Hands `name` (the value of `key`) to `set_ref` when it is a ref of this
// file, else to `set_id` when it is a UUID; throws otherwise.
template <typename SetRef, typename SetId>
void SetEndpoint(const std::string& name, const std::string& key, const std::map<std::string, int>& refs,
                 SetRef set_ref, SetId set_id) {
  if (refs.contains(name)) {
    set_ref(name);
  } else if (IsUuid(name)) {
    set_id(name);
  } else {
    throw InvalidArgument("\"" + key + "\": \"" + name + "\" is neither the ref of an item in this file nor a CI id");
  }
}

v1::ReconcileRelation ResolveRelation(const ImportRelation& rel, const std::map<std::string, int>& refs) {
  v1::ReconcileRelation out;
  SetEndpoint(
      rel.from, "from", refs, [&](const std::string& ref) { out.set_from_ref(ref); },
      [&](const std::string& id) { out.set_from_id(id); });
  out.set_type(rel.type);
  SetEndpoint(
      rel.to, "to", refs, [&](const std::string& ref) { out.set_to_ref(ref); },
      [&](const std::string& id) { out.set_to_id(id); });
  *out.mutable_attributes() = rel.attributes;
  return out;
}

ReconcilePayload Resolve(RawPayload raw) {
  const std::map<std::string, int> refs = RefLines(raw.items);
  ReconcilePayload out;
  for (auto& r : raw.items) {
    if (!r.parent.empty()) {
      AtLine(r.line, [&] {
        SetEndpoint(
            r.parent, "parent", refs, [&](const std::string& ref) { r.item.set_parent_ref(ref); },
            [&](const std::string& id) { r.item.set_parent_id(id); });
      });
    }
    out.items.push_back(std::move(r.item));
    out.item_lines.push_back(r.line);
  }
  for (const auto& rel : raw.relations) {
    AtLine(rel.line, [&] { out.relations.push_back(ResolveRelation(rel, refs)); });
    out.relation_lines.push_back(rel.line);
  }
  return out;
}

}  // namespace

ReconcilePayload ReadReconcileJsonLines(std::istream& in) {
  RawPayload raw;
  ForEachJsonLine(in, [&](int line, const Json& object) {
    if (object.contains("relation")) {
      raw.relations.push_back(RelationFromJson(object));
      raw.relations.back().line = line;
    } else {
      raw.items.push_back(ItemFromJson(object));
      raw.items.back().line = line;
    }
  });
  return Resolve(std::move(raw));
}

ReconcilePayload ReadReconcileCsv(std::istream& in, const SchemaLookup& schema) {
  RawPayload raw;
  ForEachCsvRecord(in, kItemColumns, schema, [&](int line, const Json& object) {
    raw.items.push_back(ItemFromJson(object));
    raw.items.back().line = line;
  });
  return Resolve(std::move(raw));
}

}  // namespace cmdbctl
