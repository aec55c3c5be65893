// Graphviz pictures of an impact analysis (cmdb.v1.AnalyzeImpactResponse),
// made to be pasted into a change record: `cmdbctl impact -o dot|svg`.
//
// The picture: business services at the top, the roots at the bottom
// (bold, double border, marked ROOT), every affected CI in between coloured
// by its state (down red, degraded amber), arrows in the direction impact
// flows (from an input to the CI it affects) labelled with the relationship
// type, and a title with what was analysed, the scenario, the counts, the
// risk and a legend. Above DotOptions::collapse_above CIs, the roots, the
// services, the CIs between them and a few of the nearest others stay, and
// the rest are folded into one node per (class, state) carrying its count,
// with their edges aggregated by type, so a large blast radius still gives
// a readable picture.
//
// ImpactDot is a pure function of its arguments; RenderSvg runs Graphviz.
#pragma once

#include <string>
#include <string_view>

#include "cmdb/v1/impact.pb.h"
#include "html_escape.h"  // HtmlEscaped, for DOT HTML-like labels

namespace cmdbctl {

struct DotOptions {
  // The scenario word as requested: outage, degraded or change.
  std::string scenario = "outage";
  // What was analysed, e.g. "change CHG0031337"; empty: the roots' names.
  std::string subject;
  // More CIs than this (roots and services included) are folded; 0: never.
  int collapse_above = 60;
  // When folding: how many other CIs stay besides the roots and the
  // services (those on the way from a root to a service first, then the
  // nearest), and at most how many of one class at one distance from the
  // roots (one rank of the picture), so that no rank grows too wide.
  int keep_nearest = 30;
  int per_rank = 8;
};

// The DOT text of the picture (a `digraph`). Node ids are generated
// (n0, n1, ... for CIs, g0, g1, ... for folded groups), never taken from
// the data; names, classes and relationship types are escaped. The same
// response and options always give the same text.
std::string ImpactDot(const cmdb::v1::AnalyzeImpactResponse& response, const DotOptions& options);

// Runs `program -Tsvg` (found on PATH) with `dot` on its standard input and
// returns what it prints (the SVG document). Throws cmdbctl::Error:
// FAILED_PRECONDITION naming the program when it cannot be started (not
// installed), INTERNAL with its error output when it fails.
std::string RenderSvg(const std::string& dot, const std::string& program = "dot");

// `text` as a DOT double-quoted string, quotes included: `"` and `\` are
// escaped, a line break becomes \n, other control characters a space.
std::string DotQuoted(std::string_view text);

}  // namespace cmdbctl
