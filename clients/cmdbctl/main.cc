// cmdbctl: the command-line client of cmdbd (the cmdb.v1 gRPC API).
//
//   cmdbctl [--server HOST:PORT] [--token T] [-o table|json] [--tls [--ca-cert FILE]]
//           [--timeout SECONDS] <command> ...
//
// Commands: ci, rel, class, watch, import, export, reconcile, ident,
// recrule, source, dup, credential, discovery, impact, rootcause, record,
// impact-rules (`cmdbctl <command> --help`).
// Exit status: 0 on success, 1 when a call fails or input is invalid (the
// error is printed as `cmdbctl: <GRPC_CODE_NAME>: <message>`), 2 on a usage
// error and when `discovery run --wait` stops waiting at --timeout-run.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "commands_discovery.h"
#include "session.h"

int main(int argc, char** argv) {
  cmdbctl::Session session;
  CLI::App app{"cmdbctl: command-line client of the CMDB server (cmdbd)"};
  app.fallthrough();  // global flags may come after the subcommand too
  app.require_subcommand(1);
  app.add_option("--server", session.options.server, "Server address HOST:PORT")
      ->envname("CMDB_SERVER")
      ->capture_default_str();
  app.add_option("--token", session.options.token, "API token, sent as `authorization: Bearer <token>`")
      ->envname("CMDB_TOKEN");
  app.add_option("-o,--output", session.output, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_flag("--tls", session.options.tls, "Connect with TLS");
  app.add_option("--ca-cert", session.options.ca_cert, "CA certificates (PEM) to verify the server; implies --tls")
      ->check(CLI::ExistingFile);
  app.add_option("--timeout", session.options.timeout_seconds, "Deadline of each call, in seconds")
      ->check(cmdbctl::kPositive)
      ->capture_default_str();

  cmdbctl::AddCiCommands(app, session);
  cmdbctl::AddRelCommands(app, session);
  cmdbctl::AddClassCommands(app, session);
  cmdbctl::AddWatchCommand(app, session);
  cmdbctl::AddImportCommand(app, session);
  cmdbctl::AddExportCommand(app, session);
  cmdbctl::AddReconcileCommand(app, session);
  cmdbctl::AddRuleCommands(app, session);
  cmdbctl::AddSourceAndDupCommands(app, session);
  cmdbctl::AddImpactCommands(app, session);
  cmdbctl::AddAuditCommands(app, session);
  cmdbctl::AddBaselineCommands(app, session);
  cmdbctl::AddCredentialCommands(app, session);
  cmdbctl::AddDiscoveryCommands(app, session);

  try {
    app.parse(argc, argv);  // runs the chosen command's callback
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const cmdbctl::Error& e) {
    std::cout.flush();
    std::cerr << "cmdbctl: " << e.code() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
