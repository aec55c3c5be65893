// cmdb-discovery: a discovery worker.
//
//   cmdb-discovery --server HOST:PORT --token T [--ca-cert FILE] [--rules FILE] [--http-rules FILE]
//
// Leases discovery jobs from cmdbd, sweeps their targets over SNMP or HTTP and writes
// what it finds through reconciliation. Run one or many, on one host or
// many. SIGTERM/SIGINT stop it gracefully: the current job's unfinished
// targets go back to the server for another worker. Every flag can also come
// from an environment variable (CMDB_<FLAG>).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "classify/classifier.h"
#include "worker/worker.h"

#ifndef CMDB_RULES_FILE
#define CMDB_RULES_FILE "/usr/share/cmdb/rules/classify.toml"
#endif
#ifndef CMDB_HTTP_RULES_FILE
#define CMDB_HTTP_RULES_FILE "/usr/share/cmdb/rules/http.toml"
#endif

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  cmdb::discovery::WorkerOptions options;
  std::string rules = CMDB_RULES_FILE;
  std::string http_rules = CMDB_HTTP_RULES_FILE;
  std::string enterprises;
  std::string log_level = "info";
  CLI::App app{"cmdb-discovery: discovery worker for cmdbd"};
  app.add_option("--server", options.server, "cmdbd address HOST:PORT")->envname("CMDB_SERVER")->capture_default_str();
  app.add_option("--token", options.token, "A token with the discovery role")->envname("CMDB_TOKEN");
  app.add_option("--ca-cert", options.ca_cert, "PEM root certificate: connect with TLS")->envname("CMDB_CA_CERT");
  app.add_flag("--tls", options.tls, "Connect with TLS using the system's roots")->envname("CMDB_TLS");
  app.add_option("--name", options.name, "This worker's name in run logs (default host:pid)")->envname("CMDB_WORKER_NAME");
  app.add_option("--rules", rules, "Classification rules (TOML)")->envname("CMDB_RULES")->capture_default_str();
  app.add_option("--http-rules", http_rules, "HTTP fingerprint rules (TOML)")
      ->envname("CMDB_HTTP_RULES")
      ->capture_default_str();
  app.add_option("--http-ca-file", options.http_ca_file,
                 "PEM file of CAs that HTTP certificates may chain to besides the system store (an internal PKI)")
      ->envname("CMDB_HTTP_CA_FILE");
  app.add_option("--enterprises", enterprises, "IANA enterprise-number registry (TSV; default: Wireshark's copy)")
      ->envname("CMDB_ENTERPRISES");
  app.add_flag("--once", options.once, "Exit when no job is waiting");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->envname("CMDB_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("worker", sink);
  spdlog::register_logger(logger);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
  spdlog::set_level(spdlog::level::from_str(log_level));

  auto classifier = cmdb::discovery::Classifier::Load(rules, enterprises);
  if (!classifier.ok()) {
    spdlog::critical("{}", std::string(classifier.status().message()));
    return 2;
  }
  spdlog::info("{} classification rules from {}", classifier->rule_count(), rules);
  auto fingerprints = cmdb::discovery::http::Fingerprints::Load(http_rules);
  if (!fingerprints.ok()) {
    spdlog::critical("{}", std::string(fingerprints.status().message()));
    return 2;
  }

  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: finishing (unfinished targets go back to the server)", sig);
    stop = true;
  });
  cmdb::discovery::Worker worker(options, std::move(*classifier), std::move(*fingerprints));
  const int rc = worker.Run(stop);
  if (!stop) {
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  const auto& s = worker.stats();
  spdlog::info("worker done: {} jobs, {} targets, {} devices, {} SNMP requests, {} varbinds, SNMP {:.2f} s, "
               "reconcile {:.2f} s",
               s.jobs.load(), s.targets.load(), s.devices.load(), s.pdus.load(), s.varbinds.load(),
               s.snmp_micros.load() / 1e6, s.reconcile_micros.load() / 1e6);
  return rc;
}
