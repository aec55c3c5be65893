// `cmdbctl discovery schedule create|list|get|update|delete`.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands_discovery.h"
#include "discovery_views.h"

namespace cmdbctl {
namespace {

using Stub = DiscoveryClient::Stub;

// --- discovery schedule create / update -----------------------------------------

struct ScheduleFlags {
  std::string name, etag;
  std::optional<std::string> description, interval, cron;
  std::vector<std::string> targets, exclusions, credentials, protocols;
  std::vector<int> ports;
  CLI::Option *targets_opt = nullptr, *exclusions_opt = nullptr, *credentials_opt = nullptr;
  CLI::Option *protocols_opt = nullptr, *ports_opt = nullptr;
  bool enabled = false, disabled = false;
  LimitFlags limits;

  void AddTo(CLI::App* cmd, bool update) {
    cmd->add_option("NAME", name, "Schedule name: a-z, 0-9, '_', '.', '-'")->required();
    cmd->add_option("--description", description, "Description");
    targets_opt = AddListOption(cmd, "--target", &targets,
                                "Addresses to scan: 10.0.0.0/24, 10.0.1.5-10.0.1.20, 10.0.2.7, 2001:db8::/120 "
                                "(repeatable" + std::string(update ? "; replaces the list)" : ")"));
    exclusions_opt = AddListOption(cmd, "--exclude", &exclusions,
                                   "Addresses not to scan, same forms (repeatable" +
                                       std::string(update ? "; replaces the list, \"\" clears it)" : ")"));
    credentials_opt = AddListOption(cmd, "--credential", &credentials,
                                    "Credential names, tried in this order (repeatable" +
                                        std::string(update ? "; replaces the list)" : ")"));
    protocols_opt = AddListOption(
        cmd, "--protocol", &protocols,
        "What to probe: snmp, http, or snmp,http (default snmp" + std::string(update ? "; replaces the list)" : ")"));
    ports_opt = cmd->add_option("--port", ports,
                                "HTTP port to probe (repeatable; default 80, 443, 8080, 8443" +
                                    std::string(update ? "; replaces the list)" : ")"))
                    ->check(CLI::Range(1, 65535))
                    ->allow_extra_args(false);
    auto* interval_opt = cmd->add_option("--interval", interval, "Run every so often, e.g. 1h or 1d (at least 1m; 0: "
                                                                 "only by hand)")
                             ->check(kDuration);
    cmd->add_option("--cron", cron, "Run at these times: five cron fields in UTC, e.g. '0 3 * * *' (\"\": only by "
                                    "hand)")
        ->excludes(interval_opt);
    auto* enabled_opt = cmd->add_flag("--enabled", enabled, "Runs at its times" + std::string(update ? "" : " (default)"));
    cmd->add_flag("--disabled", disabled, "Runs only when started by hand")->excludes(enabled_opt);
    limits.AddTo(cmd, "--timeout,--snmp-timeout");
    if (update) cmd->add_option("--etag", etag, "Fail with ABORTED unless the schedule still has this etag");
    if (!update) targets_opt->required();
  }

  bool given(const CLI::Option* option) const { return option != nullptr && option->count() > 0; }

  // The schedule with the flags given set; their field names go to `mask`
  // (nullptr: all fields are set, as for create).
  v1::DiscoverySchedule Proto(google::protobuf::FieldMask* mask) const {
    v1::DiscoverySchedule s;
    s.set_name(name);
    s.set_etag(etag);
    const auto changed = [&](const char* field) {
      if (mask != nullptr) mask->add_paths(field);
    };
    if (description) {
      s.set_description(*description);
      changed("description");
    }
    if (given(targets_opt)) {
      for (const auto& t : NonEmpty(targets)) s.add_targets(t);
      changed("targets");
    }
    if (given(exclusions_opt)) {
      for (const auto& t : NonEmpty(exclusions)) s.add_exclusions(t);
      changed("exclusions");
    }
    if (given(credentials_opt)) {
      for (const auto& c : NonEmpty(credentials)) s.add_credentials(c);
      changed("credentials");
    }
    if (given(protocols_opt)) {
      for (const auto& p : NonEmpty(protocols)) s.add_protocols(p);
      changed("protocols");
    }
    if (given(ports_opt)) {
      for (int port : ports) s.add_http_ports(port);
      changed("http_ports");
    }
    // An interval and a cron expression exclude each other: setting one
    // clears the other.
    if (interval || cron) {
      if (interval) {
        const auto d = ParseDuration(*interval, "--interval");
        if (d.seconds() > 0) *s.mutable_interval() = d;
      }
      if (cron) s.set_cron(*cron);
      changed("interval");
      changed("cron");
    }
    s.set_enabled(!disabled);
    if (enabled || disabled) changed("enabled");
    return s;
  }
};

void RunScheduleCreate(Session& session, const ScheduleFlags& o) {
  v1::CreateScheduleRequest request;
  *request.mutable_schedule() = o.Proto(nullptr);
  o.limits.ApplyTo(request.mutable_schedule()->mutable_limits(), "--timeout");
  DiscoveryClient client(session);
  PrintSchedule(session, client.Call(&Stub::CreateSchedule, request));
}

void RunScheduleUpdate(Session& session, const ScheduleFlags& o) {
  DiscoveryClient client(session);
  v1::UpdateScheduleRequest request;
  auto* mask = request.mutable_update_mask();
  *request.mutable_schedule() = o.Proto(mask);
  if (o.limits.any()) {
    // The limits are one field: start from the current ones, and make sure
    // they are still current when the update lands.
    v1::GetScheduleRequest get;
    get.set_name(o.name);
    const auto current = client.Call(&Stub::GetSchedule, get);
    auto* limits = request.mutable_schedule()->mutable_limits();
    *limits = current.limits();
    o.limits.ApplyTo(limits, "--timeout");
    mask->add_paths("limits");
    if (o.etag.empty()) request.mutable_schedule()->set_etag(current.etag());
  }
  if (mask->paths().empty()) {
    throw InvalidArgument(
        "nothing to update: give --description, --target, --exclude, --credential, --interval, --cron, "
        "--enabled, --disabled, --timeout, --retries, --probe-retries, --in-flight or --pps");
  }
  PrintSchedule(session, client.Call(&Stub::UpdateSchedule, request));
}

// --- discovery schedule list / get / delete -------------------------------------

void RunScheduleList(Session& session) {
  DiscoveryClient client(session);
  const auto response = client.Call(&Stub::ListSchedules, v1::ListSchedulesRequest());
  if (session.json()) {
    Json json = Json::array();
    for (const auto& s : response.schedules()) json.push_back(ScheduleJson(s));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "ENABLED", "WHEN", "NEXT_RUN", "LAST_RUN", "TARGETS", "CREDENTIALS"});
  for (const auto& s : response.schedules()) {
    table.AddRow({s.name(), s.enabled() ? "yes" : "no", WhenText(s),
                  TimeOrEmpty(s.has_next_run_time(), s.next_run_time()), s.last_run_id(), Joined(s.targets(), ","),
                  Joined(s.credentials(), ",")});
  }
  table.Print();
}

}  // namespace

void AddScheduleCommands(CLI::App* discovery, Session& session) {
  auto* schedule = discovery->add_subcommand("schedule", "Discovery schedules: what to scan, with what, and when");
  schedule->require_subcommand(1);

  auto create = std::make_shared<ScheduleFlags>();
  auto* create_cmd = schedule->add_subcommand("create", "Create a schedule (admin)");
  create->AddTo(create_cmd, /*update=*/false);
  create_cmd->callback([&session, create] { RunScheduleCreate(session, *create); });

  schedule->add_subcommand("list", "List schedules")->callback([&session] { RunScheduleList(session); });

  auto get_name = std::make_shared<std::string>();
  auto* get = schedule->add_subcommand("get", "Show a schedule");
  get->add_option("NAME", *get_name, "Schedule name")->required();
  get->callback([&session, get_name] {
    v1::GetScheduleRequest request;
    request.set_name(*get_name);
    DiscoveryClient client(session);
    PrintSchedule(session, client.Call(&Stub::GetSchedule, request));
  });

  auto update = std::make_shared<ScheduleFlags>();
  auto* update_cmd = schedule->add_subcommand("update", "Change a schedule (admin): only the fields given");
  update->AddTo(update_cmd, /*update=*/true);
  update_cmd->callback([&session, update] { RunScheduleUpdate(session, *update); });

  auto delete_name = std::make_shared<std::string>();
  auto* del = schedule->add_subcommand("delete", "Delete a schedule (admin); its past runs stay");
  del->add_option("NAME", *delete_name, "Schedule name")->required();
  del->callback([&session, delete_name] {
    v1::DeleteScheduleRequest request;
    request.set_name(*delete_name);
    DiscoveryClient client(session);
    client.Call(&Stub::DeleteSchedule, request);
    std::cerr << "deleted schedule " << *delete_name << "\n";
  });
}

}  // namespace cmdbctl
