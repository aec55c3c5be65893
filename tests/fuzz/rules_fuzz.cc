// Fuzzes the classification rules loader (classify/classifier.h,
// Classifier::FromText) with arbitrary text as the rules file: it must
// answer with a classifier or INVALID_ARGUMENT, never crash or throw. A
// classifier that loads is asked for its probes and classifies a device
// whose texts are empty, which runs each rule's conditions and outputs
// without giving a rule's own regex a long text to backtrack over (the
// rules file is the operator's, and matching time is its author's concern).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "classify/classifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cmdb::discovery::Classifier> classifier = cmdb::discovery::Classifier::FromText(text, "");
  if (!classifier.ok()) return 0;
  (void)classifier->rule_count();
  cmdb::discovery::DeviceFacts facts;
  facts.sys_object_id = *cmdb::discovery::Oid::Parse("1.3.6.1.4.1.9.1.1208");
  facts.sys_services = 6;
  facts.if_types = {6, 24};
  for (const cmdb::discovery::Oid& oid : classifier->probes().subtrees) facts.present_subtrees.push_back(oid);
  for (const cmdb::discovery::Oid& oid : classifier->probes().values) facts.probe_values[oid] = "";
  (void)classifier->Classify(facts);
  return 0;
}
