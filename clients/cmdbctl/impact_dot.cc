// Impact pictures in DOT, and SVG through Graphviz (see impact_dot.h).
#include "impact_dot.h"

#include <fcntl.h>
#include <google/protobuf/util/time_util.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "client.h"

extern char** environ;

namespace cmdbctl {
namespace {

namespace v1 = ::cmdb::v1;

// Colours: fill, border and edge per state; Graphviz colour syntax.
struct Palette {
  const char* fill;
  const char* border;
};
constexpr Palette kDown = {"#f6c1bd", "#b8322a"};
constexpr Palette kDegraded = {"#fde7ad", "#c58b00"};
constexpr Palette kServiceDown = {"#ee8f87", "#8e1f18"};
constexpr Palette kServiceDegraded = {"#f9cf66", "#8a6100"};
constexpr char kGroupFill[] = "#eeeeee";
constexpr char kTitleFont[] = "Helvetica";

bool Down(v1::ImpactState state) { return state == v1::IMPACT_STATE_DOWN; }

std::string StateWord(v1::ImpactState state) {
  switch (state) {
    case v1::IMPACT_STATE_DOWN:
      return "down";
    case v1::IMPACT_STATE_DEGRADED:
      return "degraded";
    default:
      return "affected";
  }
}

std::string CriticalityWord(v1::Criticality c) {
  switch (c) {
    case v1::CRITICALITY_LOW:
      return "low";
    case v1::CRITICALITY_MEDIUM:
      return "medium";
    case v1::CRITICALITY_HIGH:
      return "high";
    case v1::CRITICALITY_CRITICAL:
      return "critical";
    default:
      return "";
  }
}

const Palette& PaletteOf(v1::ImpactState state, bool service) {
  if (service) return Down(state) ? kServiceDown : kServiceDegraded;
  return Down(state) ? kDown : kDegraded;
}

// One CI of the picture (from `affected`, or from `services` when
// max_results left it out of `affected`).
struct Node {
  const v1::AffectedCi* ci = nullptr;
  bool service = false;
  std::string dot_id;  // its own node, or its group's when folded
  bool folded = false;
};

// One folded (class, state).
struct Group {
  std::string dot_id;
  std::string class_name;
  v1::ImpactState state = v1::IMPACT_STATE_UNSPECIFIED;
  int count = 0;
};

// An edge after folding: endpoints, relationship type, whether it skips
// CIs that are not drawn (dashed).
using EdgeKey = std::tuple<std::string, std::string, std::string, bool>;

struct Edge {
  int count = 0;
  v1::ImpactState state = v1::IMPACT_STATE_UNSPECIFIED;  // the affected end's
};

// "hv01", "hv01 and hv02", "hv01, hv02, hv03 and 4 more".
std::string RootNames(const v1::AnalyzeImpactResponse& response) {
  std::vector<std::string> names;
  for (const auto& ci : response.affected()) {
    if (ci.root()) names.push_back(ci.name().empty() ? ci.id() : ci.name());
  }
  const int total = std::max<int>(static_cast<int>(names.size()), response.root_ids_size());
  if (names.empty()) return "no CIs";
  constexpr size_t kShown = 3;
  std::string out;
  const size_t shown = std::min(names.size(), kShown);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && static_cast<int>(shown) == total) ? " and " : ", ";
    out += names[i];
  }
  if (total > static_cast<int>(shown)) out += " and " + std::to_string(total - static_cast<int>(shown)) + " more";
  return out;
}

std::string Plural(int n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The HTML-like label of a CI's node.
std::string NodeLabel(const Node& node) {
  const auto& ci = *node.ci;
  std::string kind;
  if (ci.root()) kind = "<b>ROOT</b> &#183; ";
  if (node.service) {
    kind += "<b>BUSINESS SERVICE</b>";
    const std::string criticality = CriticalityWord(ci.criticality());
    if (!criticality.empty()) kind += " &#183; " + criticality;
  } else {
    kind += HtmlEscaped(ci.class_name());
  }
  std::string label = "<b>" + HtmlEscaped(ci.name().empty() ? ci.id() : ci.name()) + "</b>";
  label += "<br/><font point-size=\"9\">" + kind + " &#183; " + StateWord(ci.state()) + "</font>";
  if (!ci.redundancy().empty()) {
    label += "<br/><font point-size=\"8\"><i>" + HtmlEscaped(ci.redundancy()) + "</i></font>";
  }
  return "<" + label + ">";
}

std::string GroupLabel(const Group& group) {
  return "<<b>" + std::to_string(group.count) + " &#215; " + HtmlEscaped(group.class_name) +
         "</b><br/><font point-size=\"9\">" + StateWord(group.state) + " &#183; folded</font>>";
}

// Characters per line of long title text (the risk formula).
constexpr size_t kTitleWidth = 110;

// `text` escaped, broken at spaces into left-aligned lines of at most
// `width` characters (longer words stay whole).
std::string Wrapped(const std::string& text, size_t width) {
  std::string out, line, word;
  std::istringstream words(text);
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += HtmlEscaped(line) + "<br align=\"left\"/>";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + HtmlEscaped(line);
}

// The title: subject, scenario, counts, risk, folding, legend.
std::string TitleLabel(const v1::AnalyzeImpactResponse& response, const DotOptions& options, int drawn, int folded,
                       int groups) {
  int down = 0, degraded = 0;
  for (const auto& total : response.totals()) {
    down += total.down();
    degraded += total.degraded();
  }
  const std::string subject = options.subject.empty() ? RootNames(response) : options.subject;
  std::string rows;
  const auto row = [&rows](const std::string& cells) { rows += "<tr>" + cells + "</tr>"; };
  const auto text_row = [&row](const std::string& html, int size) {
    row("<td align=\"left\" balign=\"left\"><font point-size=\"" + std::to_string(size) + "\">" + html +
        "</font></td>");
  };
  text_row("<b>Impact of " + HtmlEscaped(subject) + "</b>", 16);
  std::string line = "scenario: <b>" + HtmlEscaped(options.scenario) + "</b>";
  if (response.has_as_of()) {
    line += " &#183; as of " + HtmlEscaped(google::protobuf::util::TimeUtil::ToString(response.as_of()));
  }
  text_row(line, 11);
  line = "<b>" + Plural(response.affected_count(), "CI", "CIs") + " affected</b>: " + std::to_string(down) + " down, " +
         std::to_string(degraded) + " degraded &#183; " +
         Plural(response.services_size(), "business service", "business services");
  text_row(line, 11);
  const auto& risk = response.risk();
  line = "<b>risk " + std::to_string(risk.score()) + "/100";
  if (!risk.level().empty()) line += " (" + HtmlEscaped(risk.level()) + ")";
  line += "</b>";
  text_row(line, 11);
  if (!risk.formula().empty()) {
    std::map<std::string, double> terms(risk.terms().begin(), risk.terms().end());
    std::string values;
    for (const auto& [name, value] : terms) {
      std::ostringstream number;
      number << value;
      values += (values.empty() ? "" : ", ") + name + " = " + number.str();
    }
    text_row(Wrapped(risk.formula() + (values.empty() ? "" : "; here " + values), kTitleWidth), 9);
  }
  if (response.truncated()) {
    text_row("only the nearest " + std::to_string(response.affected_size()) + " of " +
                 std::to_string(response.affected_count()) + " affected CIs were requested (--max)",
             9);
  }
  if (folded > 0) {
    text_row(std::to_string(drawn) + " CIs drawn; " + std::to_string(folded) + " further CIs folded into " +
                 Plural(groups, "node", "nodes") + " by class and state",
             9);
  }
  const auto swatch = [](const std::string& text, const std::string& fill, const std::string& border, int width) {
    return "<td bgcolor=\"" + fill + "\" color=\"" + border + "\" border=\"" + std::to_string(width) +
           "\"><font point-size=\"9\">" + text + "</font></td>";
  };
  row("<td align=\"left\"><table border=\"0\" cellspacing=\"4\" cellpadding=\"3\"><tr>" +
      swatch("down", kDown.fill, kDown.border, 1) + swatch("degraded", kDegraded.fill, kDegraded.border, 1) +
      swatch("<b>ROOT</b>: bold double border", "white", "black", 2) +
      swatch("<b>BUSINESS SERVICE</b>", kServiceDown.fill, kServiceDown.border, 2) +
      (folded > 0 ? swatch("N &#215; class: folded CIs", kGroupFill, "#777777", 1) : "") + "</tr></table></td>");
  text_row("arrows: impact flows from an input to the CI it affects, labelled with the relationship type", 9);
  return "<<table border=\"0\" cellspacing=\"3\" cellpadding=\"2\">" + rows + "</table>>";
}

}  // namespace

std::string DotQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string ImpactDot(const v1::AnalyzeImpactResponse& response, const DotOptions& options) {
  // The CIs: affected ones, then services that max_results left out.
  std::vector<Node> nodes;
  std::map<std::string, size_t> by_id;
  std::set<std::string> service_ids;
  for (const auto& s : response.services()) service_ids.insert(s.id());
  for (const auto& ci : response.affected()) {
    if (by_id.contains(ci.id())) continue;
    by_id[ci.id()] = nodes.size();
    nodes.push_back({&ci, service_ids.contains(ci.id())});
  }
  for (const auto& s : response.services()) {
    if (by_id.contains(s.id())) continue;
    by_id[s.id()] = nodes.size();
    nodes.push_back({&s, true});
  }

  // Which stay when folding: the roots, the services, the CIs on the way
  // from a root to a service, then the nearest others (by distance, name,
  // id) while fewer than keep_nearest stay and fewer than per_rank of the
  // same class at the same distance (a rank of the picture) do.
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = *nodes[a].ci;
    const auto& y = *nodes[b].ci;
    if (x.distance() != y.distance()) return x.distance() < y.distance();
    return std::tie(x.name(), x.id()) < std::tie(y.name(), y.id());
  });
  const bool fold = options.collapse_above > 0 && static_cast<int>(nodes.size()) > options.collapse_above;
  std::vector<bool> keep(nodes.size(), !fold);
  if (fold) {
    int kept_others = 0;
    std::map<std::pair<std::string, int>, int> per_rank;  // (class, distance) -> kept
    const auto keep_node = [&](size_t i) {
      if (keep[i]) return;
      keep[i] = true;
      const auto& ci = *nodes[i].ci;
      if (ci.root() || nodes[i].service) return;
      ++kept_others;
      ++per_rank[{ci.class_name(), ci.distance()}];
    };
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].service && !nodes[i].ci->root()) continue;
      keep_node(i);
      // The chain it is affected through, back to a root.
      std::set<size_t> seen = {i};
      for (auto it = by_id.find(nodes[i].ci->via_id()); it != by_id.end() && seen.insert(it->second).second;
           it = by_id.find(nodes[it->second].ci->via_id())) {
        keep_node(it->second);
      }
    }
    for (size_t i : order) {
      const auto& ci = *nodes[i].ci;
      if (kept_others >= options.keep_nearest) break;
      if (per_rank[{ci.class_name(), ci.distance()}] < options.per_rank) keep_node(i);
    }
  }
  std::map<std::pair<std::string, int>, Group> groups;
  int folded = 0;
  for (size_t i : order) {
    Node& node = nodes[i];
    if (keep[i]) {
      node.dot_id = "n" + std::to_string(i);
      continue;
    }
    node.folded = true;
    ++folded;
    auto& group = groups[{node.ci->class_name(), node.ci->state()}];
    group.class_name = node.ci->class_name();
    group.state = node.ci->state();
    ++group.count;
  }
  int next_group = 0;
  for (auto& [key, group] : groups) group.dot_id = "g" + std::to_string(next_group++);
  for (auto& node : nodes) {
    if (node.folded) node.dot_id = groups.at({node.ci->class_name(), node.ci->state()}).dot_id;
  }

  // Edges: from the CI each one is affected through. When that CI is not
  // in the answer (cut by max_results), from the nearest one on its path
  // that is, dashed.
  std::map<EdgeKey, Edge> edges;
  for (const auto& node : nodes) {
    const auto& ci = *node.ci;
    if (ci.root() || ci.via_id().empty()) continue;
    std::string from;
    bool skips = false;
    if (auto it = by_id.find(ci.via_id()); it != by_id.end()) {
      from = nodes[it->second].dot_id;
    } else {
      for (int step = ci.path_size() - 2; step >= 0 && from.empty(); --step) {
        if (auto at = by_id.find(ci.path(step).ci_id()); at != by_id.end()) from = nodes[at->second].dot_id;
      }
      if (from.empty()) continue;
      skips = true;
    }
    if (from == node.dot_id) continue;  // inside one folded group
    auto& edge = edges[{from, node.dot_id, ci.via_relationship_type(), skips}];
    ++edge.count;
    edge.state = std::max(edge.state, ci.state());
  }

  std::ostringstream out;
  out << "digraph impact {\n";
  out << "  graph [rankdir=BT, labelloc=t, labeljust=l, fontname=\"" << kTitleFont
      << "\", nodesep=0.35, ranksep=0.6, newrank=true, outputorder=edgesfirst];\n";
  out << "  node [shape=box, style=\"rounded,filled\", fontname=\"" << kTitleFont
      << "\", fontsize=11, margin=\"0.15,0.06\"];\n";
  out << "  edge [fontname=\"" << kTitleFont << "\", fontsize=9, arrowsize=0.7];\n";
  out << "  label="
      << TitleLabel(response, options, static_cast<int>(nodes.size()) - folded, folded, static_cast<int>(groups.size()))
      << ";\n\n";

  std::vector<std::string> roots, services;
  for (size_t i : order) {
    const Node& node = nodes[i];
    if (node.folded) continue;
    const auto& ci = *node.ci;
    const Palette& palette = PaletteOf(ci.state(), node.service);
    out << "  " << node.dot_id << " [label=" << NodeLabel(node) << ", fillcolor=\"" << palette.fill << "\", color=\""
        << palette.border << "\"";
    if (node.service) out << ", style=\"filled,bold\"";  // square corners
    if (ci.root()) {
      out << ", penwidth=2.5, peripheries=2";
    } else if (node.service) {
      out << ", penwidth=2";
    }
    out << ", tooltip=" << DotQuoted(ci.class_name() + " " + ci.id()) << "];\n";
    if (ci.root()) {
      roots.push_back(node.dot_id);
    } else if (node.service) {
      services.push_back(node.dot_id);
    }
  }
  for (const auto& [key, group] : groups) {
    const Palette& palette = PaletteOf(group.state, false);
    out << "  " << group.dot_id << " [label=" << GroupLabel(group) << ", shape=box3d, style=\"filled,dashed\""
        << ", fillcolor=\"" << kGroupFill << "\", color=\"" << palette.border << "\", penwidth=1.5];\n";
  }
  // Roots at the bottom, services at the top (rankdir=BT).
  const auto same_rank = [&out](const char* rank, const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    out << "  { rank=" << rank << ";";
    for (const auto& id : ids) out << " " << id << ";";
    out << " }\n";
  };
  same_rank("min", roots);
  same_rank("max", services);
  out << "\n";
  for (const auto& [key, edge] : edges) {
    const auto& [from, to, type, skips] = key;
    std::string label = type;
    if (edge.count > 1) label += " \xC3\x97" + std::to_string(edge.count);  // U+00D7
    if (skips) label += " (via CIs not listed)";
    out << "  " << from << " -> " << to << " [label=" << DotQuoted(label) << ", color=\""
        << PaletteOf(edge.state, false).border << "\", fontcolor=\"" << PaletteOf(edge.state, false).border << "\"";
    if (edge.count > 1) out << ", penwidth=" << std::min(1.0 + edge.count / 10.0, 4.0);
    if (skips) out << ", style=dashed";
    out << "];\n";
  }
  out << "}\n";
  return out.str();
}

namespace {

// Closes the descriptors it holds when it goes.
struct Fds {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  ~Fds() {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) close(fd);
    }
  }
  static void Close(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

// SIGPIPE ignored while it lives (a program that exits early must not
// kill cmdbctl as it writes), the previous handling restored after.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &previous_);
  }
  ~IgnoreSigpipe() { sigaction(SIGPIPE, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

Error SystemError(const std::string& what) { return Error("INTERNAL", what + ": " + std::strerror(errno)); }

}  // namespace

std::string RenderSvg(const std::string& dot, const std::string& program) {
  Fds fds;
  if (pipe2(fds.in, O_CLOEXEC) != 0 || pipe2(fds.out, O_CLOEXEC) != 0 || pipe2(fds.err, O_CLOEXEC) != 0) {
    throw SystemError("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds.in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds.out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds.err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = program, format = "-Tsvg";
  char* argv[] = {arg0.data(), format.data(), nullptr};
  IgnoreSigpipe ignore_sigpipe;
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    if (spawned == ENOENT || spawned == EACCES) {
      throw Error("FAILED_PRECONDITION", "-o svg needs Graphviz: the program `" + program +
                                             "` was not found on PATH (install graphviz, or use -o dot)");
    }
    errno = spawned;
    throw SystemError("cannot run `" + program + "`");
  }
  Fds::Close(fds.in[0]);
  Fds::Close(fds.out[1]);
  Fds::Close(fds.err[1]);

  // Write the input while reading both outputs, so neither side blocks.
  std::string svg, errors;
  size_t written = 0;
  if (dot.empty()) Fds::Close(fds.in[1]);
  while (fds.out[0] >= 0 || fds.err[0] >= 0) {
    std::vector<pollfd> polled;
    if (fds.in[1] >= 0) polled.push_back({fds.in[1], POLLOUT, 0});
    if (fds.out[0] >= 0) polled.push_back({fds.out[0], POLLIN, 0});
    if (fds.err[0] >= 0) polled.push_back({fds.err[0], POLLIN, 0});
    if (poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw SystemError("poll");
    }
    for (const auto& p : polled) {
      if (p.revents == 0) continue;
      if (p.fd == fds.in[1]) {
        const ssize_t n = write(p.fd, dot.data() + written, dot.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EINTR && errno != EAGAIN) written = dot.size();  // it stopped reading
        if (written == dot.size()) Fds::Close(fds.in[1]);
        continue;
      }
      char buffer[65536];
      const ssize_t n = read(p.fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      int& fd = p.fd == fds.out[0] ? fds.out[0] : fds.err[0];
      if (n <= 0) {
        Fds::Close(fd);
      } else {
        (p.fd == fds.out[0] ? svg : errors).append(buffer, static_cast<size_t>(n));
      }
    }
  }
  Fds::Close(fds.in[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == '\r')) errors.pop_back();
    throw Error("INTERNAL", "`" + program + " -Tsvg` failed" + (errors.empty() ? "" : ": " + errors));
  }
  return svg;
}

}  // namespace cmdbctl
