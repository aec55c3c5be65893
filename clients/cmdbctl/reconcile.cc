// `cmdbctl reconcile FILE --source NAME`: hand a source's findings (JSON
// Lines or CSV, formats in reconcile_records.h) to the server's
// identification and reconciliation, and show what it did with each item.
//
// The file is one payload, reconciled atomically: at most kMaxUnaryEntries
// items + relations and kMaxUnaryBytes go in one Reconcile call, more in one
// StreamReconcile stream of at most kChunkEntries and kChunkBytes per
// message (the server's message limit is 16 MiB by default). The call succeeds (exit 0) even when
// items are rejected or conflict; their results say why.
#include <iostream>
#include <map>

#include "calls.h"
#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "json_format.h"
#include "reconcile_records.h"
#include "table.h"

namespace cmdbctl {
namespace {

using RStub = v1::ReconciliationService::Stub;

// The server's limit for one Reconcile call (Limits::max_batch_items).
constexpr size_t kMaxUnaryEntries = 50000;
constexpr size_t kMaxUnaryBytes = 8 << 20;
constexpr size_t kChunkEntries = 5000;
constexpr size_t kChunkBytes = 4 << 20;

struct ReconcileOptions {
  std::string file, source, format;
  bool dry_run = false, complete = false, relations = false;
  ChangeFlags change;
};

ReconcilePayload ReadPayload(Session& session, const ReconcileOptions& o) {
  ClassSchemas schemas(session.client());
  ReconcilePayload payload;
  ReadInput(o.file, [&](std::istream& in) {
    payload =
        InputFormat(o.file, o.format) == "csv"
            ? ReadReconcileCsv(in, [&](const std::string& c) -> const AttributeTypes& { return schemas.TypesOf(c); })
            : ReadReconcileJsonLines(in);
  });
  if (payload.items.empty() && payload.relations.empty()) {
    throw InvalidArgument(o.file + ": nothing to reconcile (no items or relations)");
  }
  return payload;
}

// The fields the whole payload shares (sent in the first message).
v1::ReconcileRequest Header(const ReconcileOptions& o) {
  v1::ReconcileRequest request;
  request.set_source(o.source);
  request.set_dry_run(o.dry_run);
  request.set_complete_run(o.complete);
  *request.mutable_change() = o.change.Proto();
  return request;
}

size_t EntryCount(const ReconcilePayload& p) { return p.items.size() + p.relations.size(); }

size_t EntryBytes(const ReconcilePayload& p, size_t i) {
  return i < p.items.size() ? p.items[i].ByteSizeLong() : p.relations[i - p.items.size()].ByteSizeLong();
}

size_t PayloadBytes(const ReconcilePayload& p) {
  size_t bytes = 0;
  for (size_t i = 0; i < EntryCount(p); ++i) bytes += EntryBytes(p, i);
  return bytes;
}

// Entries from *start on (the items followed by the relations), at most
// kChunkEntries and kChunkBytes (but at least one); *start moves past them.
v1::ReconcileRequest NextChunk(const ReconcilePayload& p, size_t* start) {
  v1::ReconcileRequest chunk;
  size_t bytes = 0;
  size_t i = *start;
  for (; i < EntryCount(p) && i - *start < kChunkEntries; ++i) {
    bytes += EntryBytes(p, i);
    if (i > *start && bytes > kChunkBytes) break;
    if (i < p.items.size()) {
      *chunk.add_items() = p.items[i];
    } else {
      *chunk.add_relations() = p.relations[i - p.items.size()];
    }
  }
  *start = i;
  return chunk;
}

v1::ReconcileResponse SendStream(Client& client, const ReconcileOptions& o, const ReconcilePayload& p) {
  auto context = client.NewContext();
  v1::ReconcileResponse response;
  auto writer = client.reconcile_stub().StreamReconcile(context.get(), &response);
  for (size_t start = 0; start < EntryCount(p);) {
    const bool first = start == 0;
    v1::ReconcileRequest chunk = NextChunk(p, &start);
    if (first) chunk.MergeFrom(Header(o));
    if (!writer->Write(chunk)) break;  // the server ended the call; Finish says why
  }
  writer->WritesDone();
  ThrowIfError(writer->Finish());
  return response;
}

v1::ReconcileResponse Send(Client& client, const ReconcileOptions& o, const ReconcilePayload& p) {
  try {
    if (EntryCount(p) > kMaxUnaryEntries || PayloadBytes(p) > kMaxUnaryBytes) return SendStream(client, o, p);
    v1::ReconcileRequest request = Header(o);
    request.mutable_items()->Assign(p.items.begin(), p.items.end());
    request.mutable_relations()->Assign(p.relations.begin(), p.relations.end());
    return client.Call(&RStub::Reconcile, request);
  } catch (const Error& e) {
    if (e.code() == "DEADLINE_EXCEEDED") {
      throw Error(e.code(), std::string(e.what()) + " (raise --timeout for large payloads)");
    }
    throw WithEntryLine(e, o.file, {{"items", &p.item_lines}, {"relations", &p.relation_lines}});
  }
}

// --- output --------------------------------------------------------------

Json ItemsJson(const ReconcilePayload& p, const v1::ReconcileResponse& response) {
  Json items = Json::array();
  for (int i = 0; i < response.items_size(); ++i) {
    Json item = ItemResultJson(response.items(i));
    const size_t index = static_cast<size_t>(response.items(i).index());  // a stream may list some only
    if (index < p.item_lines.size()) item["line"] = p.item_lines[index];
    items.push_back(std::move(item));
  }
  return items;
}

std::string EndText(const std::string& ref, const std::string& id) { return ref.empty() ? id : ref; }

// "from -type-> to" as in the file.
std::string RelationText(const v1::ReconcileRelation& rel) {
  return EndText(rel.from_ref(), rel.from_id()) + " -" + rel.type() + "-> " + EndText(rel.to_ref(), rel.to_id());
}

Json RelationsJson(const ReconcilePayload& p, const v1::ReconcileResponse& response) {
  Json relations = Json::array();
  for (const auto& result : response.relations()) {
    Json rel = RelationResultJson(result);
    const size_t index = static_cast<size_t>(result.index());
    if (result.index() >= 0 && index < p.relations.size()) {
      const auto& sent = p.relations[index];
      rel["line"] = p.relation_lines[index];
      rel["from"] = EndText(sent.from_ref(), sent.from_id());
      rel["type"] = sent.type();
      rel["to"] = EndText(sent.to_ref(), sent.to_id());
    }
    relations.push_back(std::move(rel));
  }
  return relations;
}

// A value in a CHANGES cell: "(none)" when unset or null.
std::string ValueText(const google::protobuf::Value& value) {
  const Json json = ValueToJson(value);
  if (json.is_null()) return "(none)";
  return json == "" ? "\"\"" : CellText(json);
}

// "field: old -> new; ...; field: kept (reason)".
std::string ChangesText(const v1::ItemResult& item) {
  std::string out;
  const auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  for (const auto& c : item.diff()) {
    add(c.field() + ": " + ValueText(c.old_value()) + " -> " + ValueText(c.new_value()));
  }
  for (const auto& s : item.skipped()) add(s.field() + ": kept (" + s.reason() + ")");
  return out;
}

std::string ReasonText(const v1::ItemResult& item) {
  std::string out = item.reason().empty() ? item.matched_by() : item.reason();
  std::string candidates;
  for (const auto& id : item.candidate_ids()) candidates += (candidates.empty() ? "" : ", ") + id;
  if (!candidates.empty()) out += " (candidates: " + candidates + ")";
  return out;
}

void PrintTables(const ReconcilePayload& p, const v1::ReconcileResponse& response) {
  Table items({"REF", "ACTION", "CI", "MATCHED_BY/REASON", "CHANGES"});
  for (int i = 0; i < response.items_size(); ++i) {
    const auto& item = response.items(i);
    const size_t index = static_cast<size_t>(item.index());
    const bool has_line = index < p.item_lines.size();
    const std::string ref =
        item.ref().empty() && has_line ? "(line " + std::to_string(p.item_lines[index]) + ")" : item.ref();
    items.AddRow({ref, ReconcileActionText(item.action()), item.ci_id(), ReasonText(item), ChangesText(item)});
  }
  items.Print();
  if (response.relations().empty()) return;
  std::cout << "\n";
  Table relations({"RELATION", "ACTION", "ID", "REASON"});
  for (const auto& rel : response.relations()) {
    const size_t index = static_cast<size_t>(rel.index());
    const std::string text =
        index < p.relations.size() ? RelationText(p.relations[index]) : "#" + std::to_string(index);
    relations.AddRow({text, ReconcileActionText(rel.action()), rel.relationship_id(), rel.reason()});
  }
  relations.Print();
}

// "1 created, 2 unchanged" for the relation results (nonzero counts only).
std::string RelationCounts(const v1::ReconcileResponse& response) {
  std::map<std::string, int> counts;
  for (const auto& rel : response.relations()) ++counts[ReconcileActionText(rel.action())];
  std::string out;
  for (const auto& [action, n] : counts) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + action;
  return out;
}

void PrintSummary(const v1::ReconcileResponse& r) {
  const std::string head = r.dry_run()                ? "dry run, nothing written"
                           : r.changeset_id().empty() ? "no CI changed"
                                                      : "changeset " + r.changeset_id();
  std::cerr << head << ": " << r.created() << " created, " << r.updated() << " updated, " << r.unchanged()
            << " unchanged, " << r.conflicts() << " conflicts, " << r.rejected() << " rejected, " << r.marked_stale()
            << " marked stale";
  if (!r.relations().empty()) std::cerr << "; relations: " << RelationCounts(r);
  if (r.items_omitted() > 0 || r.relations_omitted() > 0) {
    std::cerr << " (not listed: " << r.items_omitted() << " item and " << r.relations_omitted()
              << " relation results; problems are listed first)";
  }
  std::cerr << "\n";
}

void PrintResult(const Session& session, const ReconcileOptions& o, const ReconcilePayload& p,
                 const v1::ReconcileResponse& response) {
  if (!session.json()) {
    PrintTables(p, response);
  } else if (o.relations) {
    PrintJson({{"items", ItemsJson(p, response)},
               {"relations", RelationsJson(p, response)},
               {"summary", ReconcileSummaryJson(response)}});
  } else {
    PrintJson(ItemsJson(p, response));
  }
  std::cout.flush();
  PrintSummary(response);
}

void RunReconcile(Session& session, const ReconcileOptions& o) {
  const ReconcilePayload payload = ReadPayload(session, o);
  PrintResult(session, o, payload, Send(session.client(), o, payload));
}

}  // namespace

void AddReconcileCommand(CLI::App& app, Session& session) {
  auto o = std::make_shared<ReconcileOptions>();
  auto* cmd = app.add_subcommand("reconcile", "Reconcile a source's findings (JSON Lines or CSV) into CIs, atomically");
  cmd->add_option("FILE", o->file, "The findings (- for stdin)")->required();
  cmd->add_option("--source", o->source, "Source name, e.g. snmp or csv-import (\"manual\" is reserved)")->required();
  cmd->add_option("--format", o->format, "jsonl or csv (default: csv for *.csv, else jsonl)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_flag("--dry-run", o->dry_run, "Show what would happen; write nothing");
  cmd->add_flag("--complete", o->complete,
                "The file is everything the source sees: CIs it reported before and not now count a missed run");
  cmd->add_flag("--relations", o->relations,
                "With -o json: print {\"items\", \"relations\", \"summary\"} instead of the items alone");
  o->change.AddTo(cmd);
  cmd->footer(
      "Large payloads (over 50000 items and relations) are streamed as one transaction; raise --timeout "
      "for them if needed.");
  cmd->callback([&session, o] { RunReconcile(session, *o); });
}

}  // namespace cmdbctl
