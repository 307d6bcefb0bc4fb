// seed-job report: a self-contained HTML report of a forecast against what was measured.
#include <cstdio>
#include <optional>

#include "commands/commands.h"
#include "commands/report_html.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "io/results.h"

namespace seed::commands {
namespace {

struct ReportFlags {
  std::string forecast_path, actual_path, daily_path, tower_path, out_path;
  std::string title = "Power forecast report";
  double capacity = 0;
  int chart_days = 7;
  int exclude_flags = 2 | 16 | 32;  // as evaluate
};

void Run(const ReportFlags& f) {
  if (!(f.capacity > 0)) throw io::UsageError("--capacity must be a positive number of MW");
  if (f.chart_days < 1) throw io::UsageError("--chart-days must be at least 1");
  const io::Frame forecast = io::ReadCsv(f.forecast_path, {.required = {"forecast_mw"}});
  const io::Frame actual = io::ReadCsv(f.actual_path, {.required = {"power_mw"}});
  std::optional<io::Frame> daily;
  if (!f.daily_path.empty()) daily = io::ReadCsv(f.daily_path, {.required = {"accuracy"}, .allow_no_rows = true});
  std::optional<nlohmann::json> tower;
  if (!f.tower_path.empty()) tower = io::ReadJsonFile(f.tower_path);
  const std::string html = RenderReportHtml({.title = f.title,
                                             .capacity_mw = f.capacity,
                                             .forecast = &forecast,
                                             .actual = &actual,
                                             .daily = daily ? &*daily : nullptr,
                                             .chart_days = f.chart_days,
                                             .exclude_flags = f.exclude_flags,
                                             .tower = tower ? &*tower : nullptr,
                                             .tower_source = f.tower_path});
  io::WriteFileAtomic(f.out_path, html);
  io::Results results;
  results.Set("report", f.out_path);
  results.Flush();
  std::printf("report: %s\n", f.out_path.c_str());
}

}  // namespace

void AddReport(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand("report", "Self-contained HTML report: forecast vs actual chart and metrics");
  cmd->add_option("--forecast", flags->forecast_path, "Forecast CSV (forecast_mw, p<percent> columns)")->required();
  cmd->add_option("--actual", flags->actual_path, "Measured CSV with power_mw")->required();
  cmd->add_option("--daily", flags->daily_path, "Daily metrics CSV from `seed-job evaluate --out`");
  cmd->add_option("--tower", flags->tower_path,
                  "Tower statistics JSON from `seed-job tower` (adds its charts)");
  cmd->add_option("--capacity", flags->capacity, "Plant capacity in MW")->required();
  cmd->add_option("--title", flags->title, "Report title")->capture_default_str();
  cmd->add_option("--chart-days", flags->chart_days, "Days shown in the detailed chart")->capture_default_str();
  cmd->add_option("--exclude-flags", flags->exclude_flags, "qc_flag bits of actuals not scored (as evaluate)")->capture_default_str();
  cmd->add_option("--out", flags->out_path, "HTML file to write")->required();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
