// Fuzzes page tokens (core/page_token.h), which clients hand back verbatim
// and so may forge: DecodePageToken on the text, and for a token that
// decodes, what List methods read from it (TokenString), and that its
// state re-encodes to a token of ours: one that decodes, and encodes again
// to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/page_token.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cmdb::Json> state = cmdb::DecodePageToken(token);
  if (!state.ok()) return 0;
  for (const char* key : {"f", "k", "i", "id", "a"}) (void)cmdb::TokenString(*state, key);
  const std::string encoded = cmdb::EncodePageToken(*state);
  absl::StatusOr<cmdb::Json> again = cmdb::DecodePageToken(encoded);
  if (!again.ok()) cmdb::fuzz::Fail("a re-encoded token does not decode");
  if (cmdb::EncodePageToken(*again) != encoded) cmdb::fuzz::Fail("a re-encoded token changes on a second round");
  return 0;
}
