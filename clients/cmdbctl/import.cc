// `cmdbctl import FILE`: create the CIs and relationships of a JSON Lines
// or CSV file (formats in import_records.h) through BatchWrite.
//
// The whole file is read and checked first, so a malformed line writes
// nothing. A file of at most --batch-size items and kMaxBatchBytes is
// written in one BatchWrite (all or nothing). A larger one goes in batches
// (each at most --batch-size items and kMaxBatchBytes), each its own
// transaction: first the CIs (parents before their dependents), whose refs
// map to the new ids, then the relationships, which use those ids as
// endpoints.
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "calls.h"
#include "cli_util.h"
#include "commands.h"
#include "import_records.h"
#include "json_format.h"

namespace cmdbctl {
namespace {

using Stub = v1::CmdbService::Stub;

// Well under the server's message limit (16 MiB by default).
constexpr size_t kMaxBatchBytes = 8 << 20;

struct ImportOptions {
  std::string file, format;
  int batch_size = 5000;
  ChangeFlags change;
};

struct Summary {
  int64_t cis = 0;
  int64_t relationships = 0;
  std::map<std::string, std::string> ids;  // ref -> id
};

ImportRecords ReadRecords(Session& session, const ImportOptions& o) {
  ClassSchemas schemas(session.client());
  ImportRecords records;
  ReadInput(o.file, [&](std::istream& in) {
    records = InputFormat(o.file, o.format) == "csv"
                  ? ReadCsv(in, [&](const std::string& c) -> const AttributeTypes& { return schemas.TypesOf(c); })
                  : ReadJsonLines(in);
    CheckReferences(records);
  });
  return records;
}

// File lines of the items of one BatchWrite, to name them in errors.
struct BatchLines {
  std::vector<int> creates;
  std::vector<int> relationships;
};

// Runs one BatchWrite; an error about item "creates[K]" or
// "relationships[K]" gets the file line of that item.
v1::BatchWriteResponse Write(Session& session, const ImportOptions& o, v1::BatchWriteRequest* request,
                             const BatchLines& lines) {
  *request->mutable_change() = o.change.Proto();
  try {
    return session.client().Call(&Stub::BatchWrite, *request);
  } catch (const Error& e) {
    throw WithEntryLine(e, o.file, {{"creates", &lines.creates}, {"relationships", &lines.relationships}});
  }
}

// Adds `ci` with its parent named by `refs` of this batch, else by the id
// created for a ref in an earlier batch, else by the id in the file.
void AddCreate(const ImportCi& ci, const Summary& summary, const std::set<std::string>& refs,
               v1::BatchWriteRequest* request, BatchLines* lines) {
  auto* out = request->add_creates();
  *out = ci.create;
  if (refs.contains(ci.parent)) {
    out->set_parent_ref(ci.parent);
  } else if (!ci.parent.empty()) {
    const auto it = summary.ids.find(ci.parent);
    out->mutable_ci()->set_parent_id(it != summary.ids.end() ? it->second : ci.parent);
  }
  lines->creates.push_back(ci.line);
}

// Adds `rel` with its endpoints named by the id created for a ref (in an
// earlier batch), else by `refs` of this batch, else by the id in the file.
void AddRelation(const ImportRelation& rel, const Summary& summary, const std::set<std::string>& refs,
                 v1::BatchWriteRequest* request, BatchLines* lines) {
  auto* out = request->add_relationships();
  const auto created_id = [&](const std::string& end) {
    const auto it = summary.ids.find(end);
    return it != summary.ids.end() ? it->second : end;
  };
  if (refs.contains(rel.from)) {
    out->set_source_ref(rel.from);
  } else {
    out->set_source_id(created_id(rel.from));
  }
  if (refs.contains(rel.to)) {
    out->set_target_ref(rel.to);
  } else {
    out->set_target_id(created_id(rel.to));
  }
  out->set_type(rel.type);
  *out->mutable_attributes() = rel.attributes;
  lines->relationships.push_back(rel.line);
}

void Record(const v1::BatchWriteResponse& response, Summary* summary) {
  for (const auto& created : response.created()) {
    if (!created.ref().empty()) summary->ids[created.ref()] = created.id();
  }
  summary->cis += response.created_size();
  summary->relationships += response.relationships_size();
}

// A file that fits in one batch: everything in one transaction.
void WriteAtOnce(Session& session, const ImportOptions& o, const ImportRecords& records, Summary* summary) {
  v1::BatchWriteRequest request;
  BatchLines lines;
  std::set<std::string> refs;
  for (const auto& ci : records.cis) {
    if (!ci.create.ref().empty()) refs.insert(ci.create.ref());
  }
  for (const auto& ci : records.cis) AddCreate(ci, *summary, refs, &request, &lines);
  for (const auto& rel : records.relations) AddRelation(rel, *summary, refs, &request, &lines);
  Record(Write(session, o, &request, lines), summary);
}

size_t RelationBytes(const ImportRelation& rel) {
  return rel.attributes.ByteSizeLong() + rel.from.size() + rel.type.size() + rel.to.size();
}

size_t RecordBytes(const ImportRecords& records) {
  size_t bytes = 0;
  for (const auto& ci : records.cis) bytes += ci.create.ByteSizeLong();
  for (const auto& rel : records.relations) bytes += RelationBytes(rel);
  return bytes;
}

// A larger file: CIs in batches, parents before their dependents, then
// relationships in batches.
void WriteInBatches(Session& session, const ImportOptions& o, const ImportRecords& records, Summary* summary) {
  const size_t batch = static_cast<size_t>(o.batch_size);
  const std::vector<ImportCi> cis = ParentsFirst(records.cis);
  for (size_t start = 0, end = 0; start < cis.size(); start = end) {
    v1::BatchWriteRequest request;
    BatchLines lines;
    size_t bytes = 0;
    for (end = start; end < cis.size() && end - start < batch; ++end) {
      bytes += cis[end].create.ByteSizeLong();
      if (end > start && bytes > kMaxBatchBytes) break;
    }
    std::set<std::string> refs;
    for (size_t i = start; i < end; ++i) {
      if (!cis[i].create.ref().empty()) refs.insert(cis[i].create.ref());
    }
    for (size_t i = start; i < end; ++i) AddCreate(cis[i], *summary, refs, &request, &lines);
    Record(Write(session, o, &request, lines), summary);
    std::cerr << "created " << summary->cis << "/" << records.cis.size() << " CIs\n";
  }
  for (size_t start = 0, end = 0; start < records.relations.size(); start = end) {
    v1::BatchWriteRequest request;
    BatchLines lines;
    size_t bytes = 0;
    for (end = start; end < records.relations.size() && end - start < batch; ++end) {
      bytes += RelationBytes(records.relations[end]);
      if (end > start && bytes > kMaxBatchBytes) break;
      AddRelation(records.relations[end], *summary, {}, &request, &lines);
    }
    Record(Write(session, o, &request, lines), summary);
    std::cerr << "created " << summary->relationships << "/" << records.relations.size() << " relationships\n";
  }
}

void PrintSummary(const Session& session, const Summary& summary) {
  if (session.json()) {
    Json ids = Json::object();
    for (const auto& [ref, id] : summary.ids) ids[ref] = id;
    PrintJson({{"created", summary.cis}, {"relationships", summary.relationships}, {"ids", ids}});
  } else {
    std::cout << "created " << summary.cis << " CIs, " << summary.relationships << " relationships\n";
  }
}

void RunImport(Session& session, const ImportOptions& o) {
  const ImportRecords records = ReadRecords(session, o);
  Summary summary;
  try {
    if (records.cis.size() + records.relations.size() <= static_cast<size_t>(o.batch_size) &&
        RecordBytes(records) <= kMaxBatchBytes) {
      WriteAtOnce(session, o, records, &summary);
    } else {
      WriteInBatches(session, o, records, &summary);
    }
  } catch (const Error&) {
    if (summary.cis + summary.relationships > 0) {
      std::cerr << "cmdbctl: import stopped; earlier batches are committed: " << summary.cis << " CIs, "
                << summary.relationships << " relationships\n";
    }
    throw;
  }
  PrintSummary(session, summary);
}

}  // namespace

void AddImportCommand(CLI::App& app, Session& session) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = app.add_subcommand("import", "Create CIs and relationships from a JSON Lines or CSV file");
  cmd->add_option("FILE", o->file, "The file (- for stdin)")->required();
  cmd->add_option("--format", o->format, "jsonl or csv (default: csv for *.csv, else jsonl)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_option("--batch-size", o->batch_size, "Items per BatchWrite (one transaction each)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunImport(session, *o); });
}

}  // namespace cmdbctl
