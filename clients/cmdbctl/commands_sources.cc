// `cmdbctl source ...` and `cmdbctl dup ...`: reconciliation sources with
// their staleness policies, and CIs that share an identifier (to merge with
// `cmdbctl ci merge`).
#include <iostream>
#include <limits>
#include <optional>

#include "cli_util.h"
#include "commands.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using RStub = v1::ReconciliationService::Stub;

// A staleness setting as a cell: "0" when off.
std::string DurationCell(const google::protobuf::Duration& d) {
  const std::string text = DurationText(d);
  return text.empty() ? "0" : text;
}

std::string LastRunCell(const v1::Source& s) { return s.has_last_run_time() ? TimeText(s.last_run_time()) : ""; }

std::vector<v1::Source> ListSources(Client& client) {
  const auto response = client.Call(&RStub::ListSources, v1::ListSourcesRequest());
  return {response.sources().begin(), response.sources().end()};
}

// --- source list / set ---------------------------------------------------

void RunSourceList(Session& session) {
  const auto sources = ListSources(session.client());
  if (session.json()) {
    Json json = Json::array();
    for (const auto& s : sources) json.push_back(SourceJson(s));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "STALE_AFTER_RUNS", "STALE_AFTER", "CIS", "STALE", "RUNS", "LAST_RUN"});
  for (const auto& s : sources) {
    table.AddRow({s.name(), std::to_string(s.stale_after_runs()), DurationCell(s.stale_after()),
                  std::to_string(s.ci_count()), std::to_string(s.stale_count()), std::to_string(s.runs()),
                  LastRunCell(s)});
  }
  table.Print();
}

struct SourceSetOptions {
  std::string name;
  std::optional<int32_t> stale_after_runs;
  std::optional<std::string> stale_after;
};

// The source's current policy (defaults for a new source) with the flags
// given applied: SetSourcePolicy replaces both settings.
v1::Source PolicyToSet(Session& session, const SourceSetOptions& o) {
  v1::Source policy;
  policy.set_name(o.name);
  for (const auto& s : ListSources(session.client())) {
    if (s.name() == o.name) {
      policy.set_stale_after_runs(s.stale_after_runs());
      *policy.mutable_stale_after() = s.stale_after();
    }
  }
  if (o.stale_after_runs) policy.set_stale_after_runs(*o.stale_after_runs);
  if (o.stale_after) *policy.mutable_stale_after() = ParseDuration(*o.stale_after, "--stale-after");
  return policy;
}

void PrintSource(const Session& session, const v1::Source& s) {
  if (session.json()) {
    PrintJson(SourceJson(s));
    return;
  }
  PrintKeyValues({{"name", s.name()},
                  {"stale_after_runs", std::to_string(s.stale_after_runs())},
                  {"stale_after", DurationCell(s.stale_after())},
                  {"cis", std::to_string(s.ci_count())},
                  {"stale", std::to_string(s.stale_count())},
                  {"runs", std::to_string(s.runs())},
                  {"last_run", LastRunCell(s)}});
}

void RunSourceSet(Session& session, const SourceSetOptions& o) {
  if (!o.stale_after_runs && !o.stale_after) {
    throw CLI::ValidationError("source set", "give --stale-after-runs or --stale-after (or both)");
  }
  v1::SetSourcePolicyRequest request;
  *request.mutable_source() = PolicyToSet(session, o);
  PrintSource(session, session.client().Call(&RStub::SetSourcePolicy, request));
}

void AddSourceCommands(CLI::App& app, Session& session) {
  auto* source = app.add_subcommand("source", "Reconciliation sources and their staleness policies");
  source->require_subcommand(1);
  source->add_subcommand("list", "List sources with their CIs and runs")->callback([&session] {
    RunSourceList(session);
  });
  auto o = std::make_shared<SourceSetOptions>();
  auto* set = source->add_subcommand("set", "Set when a source's CIs become stale (admin); other settings stay");
  set->add_option("NAME", o->name, "Source name")->required();
  set->add_option("--stale-after-runs", o->stale_after_runs,
                  "Stale after this many complete runs that did not report the CI (0: never by runs)")
      ->check(CLI::Range(0, std::numeric_limits<int32_t>::max()));
  set->add_option("--stale-after", o->stale_after, "Stale after this long unreported, e.g. 12h or 7d (0: never)")
      ->check(kDuration);
  set->callback([&session, o] { RunSourceSet(session, *o); });
}

// --- dup list --------------------------------------------------------------

// Every candidate, all pages; with `detect` the first call scans first.
std::vector<v1::DuplicateCandidate> ListAllDuplicates(Client& client, bool detect) {
  v1::ListDuplicateCandidatesRequest request;
  request.set_detect(detect);
  std::vector<v1::DuplicateCandidate> all;
  while (true) {
    const auto page = client.Call(&RStub::ListDuplicateCandidates, request);
    all.insert(all.end(), page.candidates().begin(), page.candidates().end());
    if (page.next_page_token().empty()) return all;
    request.set_detect(false);
    request.set_page_token(page.next_page_token());
  }
}

// "web01 (<id>), web01-old (<id>)".
std::string CisCell(const v1::DuplicateCandidate& c) {
  std::string out;
  for (int i = 0; i < c.ci_ids_size(); ++i) {
    const std::string name = i < c.names_size() ? c.names(i) : "";
    out += (out.empty() ? "" : ", ") + (name.empty() ? c.ci_ids(i) : name + " (" + c.ci_ids(i) + ")");
  }
  return out;
}

void RunDupList(Session& session, bool detect) {
  const auto candidates = ListAllDuplicates(session.client(), detect);
  if (session.json()) {
    Json json = Json::array();
    for (const auto& c : candidates) json.push_back(DuplicateCandidateJson(c));
    PrintJson(json);
    return;
  }
  Table table({"IDENTIFIER", "VALUE", "CIS", "DETECTED_BY"});
  for (const auto& c : candidates) table.AddRow({c.identifier(), c.value(), CisCell(c), c.detected_by()});
  table.Print();
}

void AddDupCommands(CLI::App& app, Session& session) {
  auto* dup = app.add_subcommand("dup", "Duplicate candidates: CIs that share an identifier");
  dup->require_subcommand(1);
  auto detect = std::make_shared<bool>(false);
  auto* list = dup->add_subcommand("list", "List duplicate candidates (merge them with `ci merge`)");
  list->add_flag("--detect", *detect, "Scan every identifier for CIs that share it first (editor)");
  list->callback([&session, detect] { RunDupList(session, *detect); });
}

}  // namespace

void AddSourceAndDupCommands(CLI::App& app, Session& session) {
  AddSourceCommands(app, session);
  AddDupCommands(app, session);
}

}  // namespace cmdbctl
