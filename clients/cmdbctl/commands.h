// The command groups of cmdbctl. Each Add* function registers its
// subcommands on `app`; a subcommand's callback runs the command against
// session.client(), prints the result (table or JSON, per session.output)
// to stdout and throws cmdbctl::Error on failure.
#pragma once

#include <CLI/CLI.hpp>

#include "session.h"

namespace cmdbctl {

void AddCiCommands(CLI::App& app, Session& session);        // ci create|get|update|list|delete|history|restore|merge
void AddRelCommands(CLI::App& app, Session& session);       // rel create|get|list|update|delete|types|type-create
void AddClassCommands(CLI::App& app, Session& session);     // class list|get|create|update|delete
void AddWatchCommand(CLI::App& app, Session& session);      // watch
void AddImportCommand(CLI::App& app, Session& session);     // import
void AddExportCommand(CLI::App& app, Session& session);     // export
void AddReconcileCommand(CLI::App& app, Session& session);  // reconcile
void AddRuleCommands(CLI::App& app, Session& session);      // ident get|set, recrule list|set|delete
void AddSourceAndDupCommands(CLI::App& app, Session& session);  // source list|set, dup list
void AddImpactCommands(CLI::App& app, Session& session);  // impact, rootcause, record ..., impact-rules ...
void AddAuditCommands(CLI::App& app, Session& session);   // audit rule ..., run, show, runs, ack, unack, acks, report
void AddBaselineCommands(CLI::App& app, Session& session);  // baseline create|list|show|delete|compare
// `audit report` (commands_report.cc), registered by AddAuditCommands.
void AddAuditReportCommand(CLI::App& audit, Session& session);

}  // namespace cmdbctl
