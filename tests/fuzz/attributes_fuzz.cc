// Fuzzes a CI's attributes the way the server receives them: the input is
// JSON text, read into a google.protobuf.Struct as a client would send it
// (util/struct_json.h, JsonToStruct), read back as the server does
// (StructToJson), then validated and normalised against each class of a
// small catalog (core/catalog.h: ValidateAttributes, ValidateCi) and checked
// as the free-form attributes of a relationship (CheckFreeAttributes).
//
// Beyond "no crash, no exception", three promises of struct_json.h are
// checked: a Struct made from JSON converts back (both directions apply the
// same rules), converting that JSON again gives the same Struct, and the
// text read without a DOM (JsonTextToStruct) gives the same Struct.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/strings/match.h"
#include "core/catalog.h"
#include "fuzz_catalog.h"
#include "fuzz_check.h"
#include "util/struct_json.h"

namespace {

using cmdb::Json;
namespace proto_util = cmdb::proto_util;

void CheckAgainstCatalog(const Json& attributes) {
  const cmdb::Catalog& catalog = cmdb::fuzz::FuzzCatalog();
  for (const char* cls : {"server", "switch", "application", "ci", "no_such_class"}) {
    for (bool check_required : {false, true}) {
      Json copy = attributes;
      (void)catalog.ValidateAttributes(cls, copy, check_required);
    }
    cmdb::Ci ci;
    ci.class_name = cls;
    ci.name = " web01 ";
    ci.attributes = attributes;
    if (catalog.ValidateCi(ci).ok()) {
      // Normalisation is idempotent: a validated CI validates unchanged.
      cmdb::Ci again = ci;
      if (!catalog.ValidateCi(again).ok() || again.attributes != ci.attributes) {
        cmdb::fuzz::Fail("a validated CI changes or fails when validated again");
      }
    }
  }
  (void)cmdb::CheckFreeAttributes(attributes, "attributes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return -1;

  google::protobuf::Struct message;
  const bool converts = proto_util::JsonToStruct(parsed, &message, "attributes").ok();
  // The text read straight into a Struct (as ListCIs reads stored JSON)
  // converts exactly when the DOM does, to the same Struct; except that it
  // refuses a repeated key, which the DOM resolves (the last one wins).
  google::protobuf::Struct from_text;
  const absl::Status text_status = proto_util::JsonTextToStruct(text, &from_text, "attributes");
  const bool repeated_key = absl::EndsWith(text_status.message(), "a key appears more than once");
  if (!repeated_key && text_status.ok() != converts) {
    cmdb::fuzz::Fail("JsonTextToStruct and JsonToStruct disagree on whether the text converts");
  }
  if (converts && text_status.ok() && !google::protobuf::util::MessageDifferencer::Equals(message, from_text)) {
    cmdb::fuzz::Fail("JsonTextToStruct gives another Struct than JsonToStruct");
  }
  if (!converts) return 0;
  absl::StatusOr<Json> attributes = proto_util::StructToJson(message, "attributes");
  if (!attributes.ok()) cmdb::fuzz::Fail("a Struct made from JSON does not convert back");
  google::protobuf::Struct again;
  if (!proto_util::JsonToStruct(*attributes, &again, "attributes").ok() ||
      !google::protobuf::util::MessageDifferencer::Equals(message, again)) {
    cmdb::fuzz::Fail("JSON -> Struct -> JSON -> Struct gives another Struct");
  }
  if (!proto_util::StructToJson<nlohmann::ordered_json>(message, "attributes").ok()) {
    cmdb::fuzz::Fail("a Struct converts to json but not to ordered_json");
  }

  CheckAgainstCatalog(*attributes);
  return 0;
}
