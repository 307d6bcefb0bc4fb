#pragma once
// The forecast report: one self-contained HTML page (inline CSS and SVG, no scripts, no external
// resources) that a plant engineer can open from a pod's workspace or attach to an e-mail.
#include <nlohmann/json.hpp>
#include <string>

#include "io/csv.h"

namespace seed::commands {

struct ReportInput {
  std::string title;
  double capacity_mw = 0;
  const io::Frame* forecast = nullptr;  // forecast_mw, optional p<percent> columns
  const io::Frame* actual = nullptr;    // power_mw
  const io::Frame* daily = nullptr;     // optional: evaluate's daily.csv
  int chart_days = 7;                   // the detailed chart shows the last N days
  int exclude_flags = 2 | 16;           // qc_flag bits not scored (long gaps, curtailment), as evaluate
  const nlohmann::json* tower = nullptr;  // optional: `seed-job tower` statistics
  std::string tower_source;               // its file name, for messages
};

std::string RenderReportHtml(const ReportInput& input);

}  // namespace seed::commands
