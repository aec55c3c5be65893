// Text for HTML (and Graphviz's HTML-like labels): &, <, >, " and ' as
// entities, control characters as spaces. Shared by the impact picture
// (impact_dot.cc) and the status report page (report_render.cc).
#pragma once

#include <string>
#include <string_view>

namespace cmdbctl {

// With `keep_line_breaks`, line feeds and tabs stay as they are (HTML text
// wraps them as white space; a title attribute shows them).
inline std::string HtmlEscaped(std::string_view text, bool keep_line_breaks = false) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: {
        const bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        const bool kept = keep_line_breaks && (c == '\n' || c == '\t');
        out += control && !kept ? ' ' : c;
      }
    }
  }
  return out;
}

}  // namespace cmdbctl
