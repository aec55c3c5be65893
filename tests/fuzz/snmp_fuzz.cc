// Fuzzes what the discovery worker makes of an SNMP agent's answers: the
// input is a device's walk (the encoding below), which goes through the MIB
// decoders (mib/decoders.h, DecodeInventory), the classifier with the
// shipped rules (classify/classifier.h, FactsFromWalk and Classify) and the
// findings (findings/findings.h, BuildFindings), as worker.cc chains them.
//
// Beyond "no crash", the payload must be one the server accepts: it keeps
// the promise of findings_check.h.
//
// Encoding, records until the input ends (a record cut short is dropped):
//   oid     a count byte (mod 33) and that many arcs, each a base-128 varint
//           (high bit: more bytes follow), as in BER;
//   type    a byte, mod 13: the ValueType in snmp/varbind.h's order;
//   value   kInteger, kCounter64: a varint, zigzag-decoded for kInteger;
//           kCounter32, kGauge32, kTimeTicks: a varint cut to 32 bits;
//           kOctetString, kIpAddress, kOpaque: a varint length, the bytes;
//           kObjectId: an oid as above; the others: nothing.
// Values take the shapes the SNMP engine (snmp/engine.cc) produces: an
// IpAddress that is not 4 bytes arrives as an OCTET STRING.
// corpus/snmp/ holds recordings from tests/lab/snmprec in this encoding
// (snmprec_to_seed.py makes more).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "classify/classifier.h"
#include "findings/findings.h"
#include "findings_check.h"
#include "fuzz_check.h"
#include "mib/decoders.h"
#include "snmp/varbind.h"

namespace {

namespace discovery = cmdb::discovery;
using discovery::ValueType;

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }

  std::optional<uint8_t> Byte() {
    if (empty()) return std::nullopt;
    return data_[pos_++];
  }

  std::optional<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::optional<uint8_t> b = Byte();
      if (!b) return std::nullopt;
      v |= static_cast<uint64_t>(*b & 0x7f) << shift;
      if ((*b & 0x80) == 0) return v;
    }
    return v;
  }

  std::optional<discovery::Oid> Oid() {
    std::optional<uint8_t> count = Byte();
    if (!count) return std::nullopt;
    discovery::Oid oid;
    for (int i = 0; i < *count % 33; ++i) {
      std::optional<uint64_t> arc = Varint();
      if (!arc) return std::nullopt;
      oid.arcs.push_back(static_cast<uint32_t>(*arc));
    }
    return oid;
  }

  std::optional<std::string> Bytes() {
    std::optional<uint64_t> n = Varint();
    if (!n || *n > size_ - pos_) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(data_ + pos_), *n);
    pos_ += *n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::optional<discovery::Varbind> ReadVarbind(Reader& in) {
  discovery::Varbind vb;
  std::optional<discovery::Oid> oid = in.Oid();
  std::optional<uint8_t> type = in.Byte();
  if (!oid || !type) return std::nullopt;
  vb.oid = std::move(*oid);
  vb.value.type = static_cast<ValueType>(*type % 13);
  switch (vb.value.type) {
    case ValueType::kInteger:
    case ValueType::kCounter64:
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks: {
      std::optional<uint64_t> v = in.Varint();
      if (!v) return std::nullopt;
      if (vb.value.type == ValueType::kInteger) {
        vb.value.integer = static_cast<int64_t>(*v >> 1) ^ -static_cast<int64_t>(*v & 1);
      } else if (vb.value.type == ValueType::kCounter64) {
        vb.value.integer = static_cast<int64_t>(*v);
      } else {
        vb.value.integer = static_cast<uint32_t>(*v);
      }
      break;
    }
    case ValueType::kOctetString:
    case ValueType::kIpAddress:
    case ValueType::kOpaque: {
      std::optional<std::string> bytes = in.Bytes();
      if (!bytes) return std::nullopt;
      vb.value.bytes = std::move(*bytes);
      if (vb.value.type == ValueType::kIpAddress && vb.value.bytes.size() != 4) {
        vb.value.type = ValueType::kOctetString;
      }
      break;
    }
    case ValueType::kObjectId: {
      std::optional<discovery::Oid> value = in.Oid();
      if (!value) return std::nullopt;
      vb.value.oid = std::move(*value);
      break;
    }
    default: break;
  }
  return vb;
}

const discovery::Classifier& ShippedClassifier() {
  static const discovery::Classifier* const classifier = [] {
    auto loaded = discovery::Classifier::Load(CMDB_RULES_FILE);
    if (!loaded.ok()) cmdb::fuzz::Fail("the shipped rules do not load");
    return new discovery::Classifier(std::move(*loaded));
  }();
  return *classifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  std::vector<discovery::Varbind> varbinds;
  while (!in.empty()) {
    std::optional<discovery::Varbind> vb = ReadVarbind(in);
    if (!vb) break;
    varbinds.push_back(std::move(*vb));
  }
  const discovery::DeviceWalk walk(std::move(varbinds));

  const discovery::mib::Inventory inventory = discovery::mib::DecodeInventory(walk);
  const discovery::Classifier& classifier = ShippedClassifier();
  const discovery::Classification classification =
      classifier.Classify(discovery::FactsFromWalk(walk, classifier.probes()));
  const cmdb::v1::ReconcileRequest request =
      discovery::BuildFindings(inventory, classification, {.address = "192.0.2.1", .observed_unix_s = 1700000000});

  cmdb::fuzz::CheckFindings(request);
  return 0;
}
