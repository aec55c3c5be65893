// Enum words from the proto descriptors: the value name without the prefix
// its *_UNSPECIFIED value shows, in lowercase.
#include "enums.h"

#include <algorithm>
#include <cctype>

#include "client.h"

namespace cmdbctl {

std::string EnumValueWord(const google::protobuf::EnumDescriptor* d, int number) {
  if (number == 0) return "";
  const auto* value = d->FindValueByNumber(number);
  if (value == nullptr) return std::to_string(number);
  const std::string& zero = d->FindValueByNumber(0)->name();
  std::string word = value->name().substr(zero.size() - std::string("UNSPECIFIED").size());
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  return word;
}
namespace {

using google::protobuf::EnumDescriptor;

// "LIFECYCLE_STATUS_" for LifecycleStatus.
std::string Prefix(const EnumDescriptor* d) {
  const std::string& zero = d->FindValueByNumber(0)->name();
  return zero.substr(0, zero.size() - std::string("UNSPECIFIED").size());
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string Word(const EnumDescriptor* d, int number) {
  if (number == 0) return "";
  const auto* value = d->FindValueByNumber(number);
  if (value == nullptr) return std::to_string(number);  // from a newer server
  return Lower(value->name().substr(Prefix(d).size()));
}

int Number(const EnumDescriptor* d, const std::string& word, const std::string& what) {
  if (word.empty()) return 0;
  const auto* value = d->FindValueByName(Prefix(d) + Upper(word));
  if (value != nullptr && value->number() != 0) return value->number();
  std::string words;
  for (int i = 0; i < d->value_count(); ++i) {
    if (d->value(i)->number() == 0) continue;
    words += (words.empty() ? "" : ", ") + Word(d, d->value(i)->number());
  }
  throw InvalidArgument(what + ": unknown value \"" + word + "\" (expected one of: " + words + ")");
}

}  // namespace

std::string StatusText(cmdb::v1::LifecycleStatus value) { return Word(cmdb::v1::LifecycleStatus_descriptor(), value); }
std::string CriticalityText(cmdb::v1::Criticality value) { return Word(cmdb::v1::Criticality_descriptor(), value); }
std::string OperationText(cmdb::v1::ChangeOperation value) {
  return Word(cmdb::v1::ChangeOperation_descriptor(), value);
}
std::string AttributeTypeText(cmdb::v1::AttributeType value) {
  return Word(cmdb::v1::AttributeType_descriptor(), value);
}
std::string ImpactText(cmdb::v1::ImpactDirection value) { return Word(cmdb::v1::ImpactDirection_descriptor(), value); }
std::string ReconcileActionText(cmdb::v1::ReconcileAction value) {
  return Word(cmdb::v1::ReconcileAction_descriptor(), value);
}

cmdb::v1::LifecycleStatus ParseStatus(const std::string& word, const std::string& what) {
  return static_cast<cmdb::v1::LifecycleStatus>(Number(cmdb::v1::LifecycleStatus_descriptor(), word, what));
}
cmdb::v1::Criticality ParseCriticality(const std::string& word, const std::string& what) {
  return static_cast<cmdb::v1::Criticality>(Number(cmdb::v1::Criticality_descriptor(), word, what));
}
cmdb::v1::AttributeType ParseAttributeType(const std::string& word, const std::string& what) {
  return static_cast<cmdb::v1::AttributeType>(Number(cmdb::v1::AttributeType_descriptor(), word, what));
}
cmdb::v1::ImpactDirection ParseImpact(const std::string& word, const std::string& what) {
  return static_cast<cmdb::v1::ImpactDirection>(Number(cmdb::v1::ImpactDirection_descriptor(), word, what));
}

}  // namespace cmdbctl
