// Record state words and the risk score of an impact answer.
#include "core/impact_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cctype>
#include <string>

namespace cmdb {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool IsOpenRecordState(std::string_view state) {
  static constexpr std::array<std::string_view, 9> kClosed = {
      "resolved", "closed", "cancelled", "canceled", "done", "successful", "completed", "implemented", "failed"};
  const std::string s = Lower(state);
  return std::find(kClosed.begin(), kClosed.end(), s) == kClosed.end();
}

bool IsFailedRecordState(std::string_view state) { return Lower(state) == "failed"; }

namespace {

double Weighted(const RiskItem& item) {
  const double weight = item.criticality >= 4 ? 8 : item.criticality == 3 ? 4 : item.criticality == 2 ? 2 : 1;
  return weight * (item.down ? 1.0 : 0.5);
}

}  // namespace

RiskInfo ComputeRisk(const RiskInputs& in) {
  double a = 0;
  for (const RiskItem& item : in.affected) a += Weighted(item);
  double s = 0;
  for (const RiskItem& item : in.services) s += Weighted(item);
  const double r = in.redundancy_exhausted;
  const double f = in.failed_changes * (in.change_scenario ? 2 : 1);
  const double raw = 20 * std::log10(1 + a + 10 * s + 5 * r) * (1 + 0.25 * f);
  RiskInfo risk;
  risk.score = static_cast<int>(std::min(100.0, std::round(raw)));
  risk.level = risk.score < 25 ? "low" : risk.score < 50 ? "medium" : risk.score < 75 ? "high" : "critical";
  risk.formula =
      "score = min(100, round(20 * log10(1 + A + 10*S + 5*R) * (1 + 0.25*F))); "
      "A = sum over affected CIs except the roots of weight(criticality) * (1 if down, 0.5 if degraded), "
      "weight critical 8, high 4, medium 2, low or unset 1; S = the same sum over affected business services; "
      "R = CIs whose redundancy is used up (one more loss takes them down); "
      "F = failed changes linked to the roots in the last 90 days (counted twice for a change)";
  risk.terms = {{"A", a}, {"S", s}, {"R", r}, {"F", f}};
  return risk;
}

}  // namespace cmdb
