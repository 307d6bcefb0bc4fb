// The feature grammar, derived quantities, NWP runs, neighbours and the hourly-to-15-min grid rule.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "io/csv.h"
#include "io/input_error.h"
#include "kernels/feature_grammar.h"
#include "kernels/features.h"
#include "kernels/met_derived.h"
#include "kernels/nwp_runs.h"

namespace seed::kernels {
namespace {

constexpr int64_t kT0 = 1704067200;  // 2024-01-01T00:00:00Z

// Each derived quantity against a value computed by hand from its formula.
TEST(MetDerived, HandComputedValues) {
  EXPECT_DOUBLE_EQ(WindSpeed(3, 4), 5);
  // Wind from the north blows southward (v < 0): direction 0; from the east (u < 0): 90 degrees.
  EXPECT_NEAR(WindDirSin(0, -5), 0, 1e-12);
  EXPECT_NEAR(WindDirCos(0, -5), 1, 1e-12);
  EXPECT_NEAR(WindDirSin(-5, 0), 1, 1e-12);
  EXPECT_NEAR(WindDirCos(-5, 0), 0, 1e-12);
  EXPECT_EQ(WindDirSin(0, 0), 0);
  // ln(7/5) / ln(100/10) = 0.336472 / 2.302585.
  EXPECT_NEAR(ShearExponent(5, 7, 10, 100), 0.146128036, 1e-8);
  EXPECT_TRUE(std::isnan(ShearExponent(0.2, 7, 10, 100)));
  EXPECT_TRUE(std::isnan(ShearExponent(5, 7, 10, 10)));
  // ICAO standard atmosphere at sea level: 15 degC, 1013.25 hPa -> 1.2250 kg/m3; units by magnitude.
  EXPECT_NEAR(MoistAirDensity(15, 1013.25), 1.2250, 5e-4);
  EXPECT_NEAR(MoistAirDensity(288.15, 101325), 101325 / (287.058 * 288.15), 1e-12);
  // Saturated air at 30 degC, 1000 hPa: e_s = 610.94 exp(17.625*30/273.04) = 4236.65 Pa (tables: 4.24 kPa),
  // rho = (100000 - e)/(287.058*303.15) + e/(461.495*303.15) = 1.13074.
  EXPECT_NEAR(SaturationVapourPressure(303.15), 4236.65, 0.01);
  EXPECT_NEAR(MoistAirDensityRh(30, 1000, 100), 1.130737, 1e-6);
  EXPECT_NEAR(MoistAirDensityRh(30, 1000, 0), 100000 / (287.058 * 303.15), 1e-9);
  // Dew point 10 degC: e = 1226.02 Pa; at 20 degC, 1000 hPa -> 1.182832.
  EXPECT_NEAR(MoistAirDensityDewPoint(20, 1000, 10), 1.182832, 1e-6);
  // 3.6 MJ/m2 over an hour is a mean 1000 W/m2.
  EXPECT_DOUBLE_EQ(AccumulationRate(3.6e6, 0, 3600), 1000);
  EXPECT_DOUBLE_EQ(AccumulationRate(5.4e6, 3.6e6, 1800), 1000);
  // 1361 (1 + 0.033) at perihelion-day 0 with the sun overhead; nothing at night.
  EXPECT_NEAR(ExtraterrestrialHorizontal(0, 1), 1405.913, 1e-9);
  EXPECT_EQ(ExtraterrestrialHorizontal(100, -0.2), 0);
}

TEST(FeatureGrammar, ParsesNamesCallsAndSuffixes) {
  FeatureExpr e = ParseFeature("ws@-1h");
  ASSERT_EQ(e.kind, FeatureExpr::Kind::kShift);
  EXPECT_EQ(e.seconds, -3600);
  EXPECT_EQ(e.args.at(0).name, "ws");
  e = ParseFeature("speed(u100,v100)~3h@run-12h");
  ASSERT_EQ(e.kind, FeatureExpr::Kind::kRunShift);
  EXPECT_EQ(e.seconds, 12 * 3600);
  ASSERT_EQ(e.args.at(0).kind, FeatureExpr::Kind::kRolling);
  EXPECT_EQ(e.args[0].seconds, 3 * 3600);
  const FeatureExpr& call = e.args[0].args.at(0);
  ASSERT_EQ(call.kind, FeatureExpr::Kind::kCall);
  EXPECT_EQ(call.name, "speed");
  EXPECT_EQ(call.args.at(1).name, "v100");
  e = ParseFeature("shear(ws10,ws100,10,100)");
  EXPECT_EQ(e.args.at(2).kind, FeatureExpr::Kind::kNumber);
  EXPECT_EQ(e.args[3].number, 100);
  e = ParseFeature("west/ws@+30min");
  EXPECT_EQ(e.seconds, 1800);
  EXPECT_EQ(e.args.at(0).name, "west/ws");
  EXPECT_EQ(ParseFeature("100u").name, "100u");  // an ECMWF short name is a column, not a number
}

TEST(FeatureGrammar, BadNamesSayWhatIsWrong) {
  auto message = [](const char* text) {
    try {
      ParseFeature(text);
    } catch (const io::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("ws@1h").find("expected + or -"), std::string::npos);
  EXPECT_NE(message("ws~3").find("needs a unit"), std::string::npos);
  EXPECT_NE(message("speed(u)").find("takes 2 arguments, got 1"), std::string::npos);
  EXPECT_NE(message("spede(u,v)").find("unknown function 'spede'"), std::string::npos);
  EXPECT_NE(message("speed(u,v").find("expected ',' or ')'"), std::string::npos);
  EXPECT_NE(message("ws)").find("unexpected ')'"), std::string::npos);
  std::string deep = "ws";
  for (int k = 0; k < 40; ++k) deep = "acc(" + deep + ")";
  EXPECT_NE(message(deep.c_str()).find("nested more than 32 deep"), std::string::npos);
}

TEST(FeatureGrammar, GlobsExpandAgainstTheColumns) {
  const std::vector<std::string> columns = {"u10", "v10", "u100", "v100", "t2m", "b/u10"};
  EXPECT_EQ(ExpandFeatureList("col:u*,speed(u10,v10),t2m", columns),
            (std::vector<std::string>{"u10", "u100", "speed(u10,v10)", "t2m"}));
  EXPECT_EQ(ExpandFeatureList("col:*/u*", columns), (std::vector<std::string>{"b/u10"}));
  EXPECT_THROW(ExpandFeatureList("col:ssrd*", columns), io::UsageError);
  EXPECT_THROW(ExpandFeatureList("ws,,t2m", columns), io::UsageError);
}

// 15-min rows of u, v, t (degC), p (hPa) and a direction-less speed column.
io::Frame Quarterly(size_t n) {
  std::vector<int64_t> time;
  for (size_t k = 0; k < n; ++k) time.push_back(kT0 + 900 * static_cast<int64_t>(k));
  io::Frame f = io::MakeFrame(time, 0);
  f.source = "nwp.csv";
  std::vector<double> u, v, ws;
  for (size_t k = 0; k < n; ++k) {
    u.push_back(static_cast<double>(k));
    v.push_back(-2.0);
    ws.push_back(1.0 + static_cast<double>(k));
  }
  f.Set("u100", u);
  f.Set("v100", v);
  f.Set("ws", ws);
  f.Set("t2m", std::vector<double>(n, 15));
  f.Set("sp", std::vector<double>(n, 1013.25));
  return f;
}

TEST(Features, ColumnsDerivedOffsetsAndRollingMeans) {
  const io::Frame nwp = Quarterly(12);
  const std::vector<std::string> names = {"u100",     "speed(u100,v100)", "ws@+1h",
                                          "ws~30min", "rho(t2m,sp)",      "dir_cos(u100,v100)"};
  const std::vector<double> x = BuildFeatures(nwp, names, FeatureSource{});
  const size_t c = names.size();
  EXPECT_EQ(x[3 * c + 0], 3);
  EXPECT_DOUBLE_EQ(x[3 * c + 1], std::sqrt(9.0 + 4.0));
  EXPECT_EQ(x[3 * c + 2], 8);                         // ws four quarters later
  EXPECT_TRUE(std::isnan(x[9 * c + 2]));              // past the end
  EXPECT_DOUBLE_EQ(x[3 * c + 3], (3 + 4 + 5) / 3.0);  // rows 2..4
  EXPECT_DOUBLE_EQ(x[0 * c + 3], (1 + 2) / 2.0);      // the window is cut at the start
  EXPECT_NEAR(x[5 * c + 4], 1.2250, 5e-4);
  EXPECT_NEAR(x[0 * c + 5], 1.0, 1e-12);  // u = 0, v = -2: from the north
  // ws@+1h is ws_next.
  const std::vector<double> next = BuildFeatures(nwp, {"ws_next"}, FeatureSource{});
  for (size_t r = 0; r < nwp.Rows(); ++r) {
    if (std::isnan(next[r])) {
      EXPECT_TRUE(std::isnan(x[r * c + 2]));
    } else {
      EXPECT_EQ(next[r], x[r * c + 2]);
    }
  }
}

TEST(Features, AColumnNamedLikeADerivedBuiltinIsTheColumn) {
  // GEFCom2012's files carry u, v, ws and a wd that points where the wind blows to: the built-in u
  // (-ws sin wd) would be the column's negative. The column is what a user naming `u` means; ws,
  // ghi and t2m stay the configured source columns.
  io::Frame nwp = io::MakeFrame({kT0}, 0);
  nwp.Set("u", {2.34});
  nwp.Set("v", {-0.79});
  nwp.Set("ws", {2.47});
  nwp.Set("wd", {108.68});
  nwp.Set("ec_ws", {9});
  const std::vector<double> x =
      BuildFeatures(nwp, {"u", "v", "ws", "wd_sin", "dir_sin(u,v)"}, FeatureSource{});
  EXPECT_EQ(x[0], 2.34);
  EXPECT_EQ(x[1], -0.79);
  EXPECT_EQ(x[2], 2.47);
  EXPECT_NEAR(x[3], std::sin(108.68 * std::numbers::pi / 180), 1e-12);
  EXPECT_NEAR(x[4], -2.34 / std::hypot(2.34, 0.79), 1e-12);  // blowing from the west-north-west
  FeatureSource ec;
  ec.speed_column = "ec_ws";
  EXPECT_EQ(BuildFeatures(nwp, {"ws"}, ec)[0], 9);  // the source column, though a ws column exists
  const io::Frame plain = Quarterly(2);             // no u column: the built-in u from ws and wd
  EXPECT_THROW(BuildFeatures(plain, {"u"}, FeatureSource{}), io::InputError);  // needs wd, absent
}

TEST(Features, UnknownNamesListWhatExists) {
  const io::Frame nwp = Quarterly(4);
  try {
    BuildFeatures(nwp, {"speed(u100,w100)"}, FeatureSource{});
    FAIL() << "no error";
  } catch (const io::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown feature 'w100' in 'speed(u100,w100)'"), std::string::npos) << what;
    EXPECT_NE(what.find("u100, v100, ws, t2m, sp"), std::string::npos) << what;
    EXPECT_NE(what.find("hour_sin"), std::string::npos) << what;
  }
  EXPECT_THROW(CheckFeatureNames({"t2m", "nope"}, nwp.names, "nwp.csv"), io::InputError);
  EXPECT_NO_THROW(CheckFeatureNames({"t2m", "ws@run-12h", "lead_hours"}, nwp.names, "nwp.csv"));
  EXPECT_THROW(BuildFeatures(nwp, {"lead_hours"}, FeatureSource{}), io::InputError);  // no runs
}

TEST(Features, ClearSkyAndClearnessIndices) {
  std::vector<int64_t> time;
  for (int k = 0; k < 96; ++k) time.push_back(kT0 + 900 * k);
  io::Frame nwp = io::MakeFrame(time, 480);
  nwp.Set("ghi", std::vector<double>(96, 400));
  FeatureSource source;
  source.latitude = 39.9;
  source.longitude = 116.4;
  const std::vector<double> x =
      BuildFeatures(nwp, {"csi(ghi)", "clearsky_index", "kt(ghi)", "cos_zenith", "sun_elevation"}, source);
  size_t day = 0;
  for (size_t r = 0; r < 96; ++r) {
    EXPECT_EQ(x[r * 5], x[r * 5 + 1]) << r;  // csi of the GHI column is the built-in clear-sky index
    const double cosz = x[r * 5 + 3];
    const double doy = std::fmod(static_cast<double>(time[r]) / 86400.0, 365.2425);
    const double e0 = 1361 * (1 + 0.033 * std::cos(2 * std::numbers::pi * doy / 365)) * cosz;
    // csi by hand: Haurwitz GHI_cs = 1098 cos z exp(-0.059 / cos z) at the apparent zenith.
    const double clear = cosz > 0 ? 1098 * cosz * std::exp(-0.059 / cosz) : 0;
    EXPECT_NEAR(x[r * 5], clear > 10 ? std::min(1.5, 400 / clear) : 0.0, 1e-9) << r;
    if (e0 > 10) {
      ++day;
      EXPECT_NEAR(x[r * 5 + 2], std::min(1.5, 400 / e0), 1e-9) << r;
      EXPECT_GT(x[r * 5 + 4], 0);
    } else {
      EXPECT_EQ(x[r * 5 + 2], 0);
    }
  }
  EXPECT_GT(day, 20u);
}

// Two runs 12 h apart, hourly, 24 h each: run k's value at lead L is 100 k + L.
io::Frame RunsFile() {
  std::vector<int64_t> time;
  std::vector<double> issue, ws, acc;
  for (int run = 0; run < 2; ++run) {
    for (int lead = 1; lead <= 24; ++lead) {
      issue.push_back(static_cast<double>(kT0 + 43200 * run));
      time.push_back(kT0 + 43200 * run + 3600 * lead);
      ws.push_back(100.0 * run + lead);
      acc.push_back(3.6e6 * lead);  // 1000 W/m2 throughout
    }
  }
  io::Frame f = io::MakeFrame(time, 0);
  f.source = "runs.csv";
  f.Set("issue_time", issue);
  f.Set("ws", ws);
  f.Set("ssrd", acc);
  f.Set("ghi", ws);
  return f;
}

TEST(NwpRuns, SplitResampleAndRunFeatures) {
  NwpRuns nwp = SplitRuns(RunsFile());
  ASSERT_TRUE(nwp.has_issue);
  ASSERT_EQ(nwp.runs.size(), 2u);
  EXPECT_EQ(nwp.native_step, 3600);
  EXPECT_EQ(nwp.Names(), (std::vector<std::string>{"ws", "ssrd", "ghi"}));
  ResampleToGrid(nwp, 900, {});
  const io::Frame& run1 = nwp.runs[1].frame;
  ASSERT_EQ(run1.Rows(), 93u);  // 1 h .. 24 h by 15 min
  EXPECT_EQ(run1.time[1], kT0 + 43200 + 3600 + 900);
  EXPECT_DOUBLE_EQ(run1.Column("ws")[1], 101.25);  // state: linear
  EXPECT_DOUBLE_EQ(run1.Column("ghi")[1], 102);    // interval mean of (1 h, 2 h]: constant over it
  EXPECT_DOUBLE_EQ(run1.Column("ghi")[4], 102);
  EXPECT_DOUBLE_EQ(run1.Column("ghi")[5], 103);

  const std::vector<std::string> names = {"lead_hours", "ws@run-12h", "acc(ssrd)", "ws@-1h", "ws"};
  // Run 1 at valid time kT0 + 14 h (lead 2 h, row 4); run 0 covers it at lead 14 h.
  const std::vector<RunRow> rows = {{1, 4}, {0, 0}, {1, 0}};
  const std::vector<double> x = BuildFeatures(nwp, names, FeatureSource{}, rows);
  const size_t c = names.size();
  EXPECT_DOUBLE_EQ(x[0], 2);
  EXPECT_DOUBLE_EQ(x[1], 14);             // run 0's value at lead 14
  EXPECT_DOUBLE_EQ(x[2], 1000);           // J/m2 since the run start -> W/m2
  EXPECT_DOUBLE_EQ(x[3], 101);            // an hour earlier in the same run
  EXPECT_TRUE(std::isnan(x[1 * c + 1]));  // run 0 has no run 12 h before it
  EXPECT_DOUBLE_EQ(x[2 * c + 2], 1000);   // the first step: accumulated from 0 at the issue
  EXPECT_TRUE(std::isnan(x[2 * c + 3]));  // offsets stay within the run
}

TEST(NwpRuns, ResamplingLeavesHolesAndFineDataAlone) {
  // Hourly, then a 3-hourly step (long leads), then a 7 h hole.
  std::vector<int64_t> time = {kT0, kT0 + 3600, kT0 + 7200, kT0 + 5 * 3600, kT0 + 12 * 3600};
  io::Frame f = io::MakeFrame(time, 0);
  f.Set("t2m", {0, 4, 8, 14, 99});
  f.Set("ghi", {0, 100, 200, 300, 400});
  NwpRuns nwp = SplitRuns(f);
  ResampleToGrid(nwp, 900, {});
  const io::Frame& g = nwp.runs[0].frame;
  ASSERT_EQ(g.Rows(), 22u);  // 0..5 h by 15 min, then 12 h: the 7 h hole gets no points
  EXPECT_DOUBLE_EQ(g.Column("t2m")[5], 5);
  EXPECT_DOUBLE_EQ(g.Column("t2m")[12], 10);  // 3 h into the 3-hourly step: linear
  EXPECT_DOUBLE_EQ(g.Column("ghi")[9], 300);  // the 3-hour mean over (2 h, 5 h]
  EXPECT_EQ(g.time[20], kT0 + 5 * 3600);
  EXPECT_EQ(g.time.back(), kT0 + 12 * 3600);
  NwpRuns fine = SplitRuns(io::MakeFrame({kT0, kT0 + 900}, 0));
  ResampleToGrid(fine, 900, {});
  EXPECT_EQ(fine.runs[0].frame.Rows(), 2u);
}

TEST(NwpRuns, IntervalColumnsByName) {
  EXPECT_TRUE(IsIntervalColumn("ghi", {}));
  EXPECT_TRUE(IsIntervalColumn("ec_ghi", {}));
  EXPECT_TRUE(IsIntervalColumn("west/ec_dni", {}));
  EXPECT_FALSE(IsIntervalColumn("ssrd", {}));  // an accumulation: linear, then acc()
  EXPECT_FALSE(IsIntervalColumn("ec_ws", {}));
  EXPECT_TRUE(IsIntervalColumn("swflx", {"swflx"}));
}

TEST(NwpRuns, NeighboursJoinOnRunAndValidTime) {
  NwpRuns site = SplitRuns(RunsFile());
  io::Frame other = RunsFile();
  other.columns[1][0] = 555;  // run 0, lead 1
  other.time.pop_back();      // run 1 loses its last hour
  for (auto& column : other.columns) column.pop_back();
  JoinNeighbour(site, SplitRuns(other), "b");
  EXPECT_EQ(site.Names().back(), "b/ghi");
  EXPECT_EQ(site.runs[0].frame.Column("b/ws")[0], 555);
  EXPECT_EQ(site.runs[1].frame.Column("b/ws")[1], 102);
  EXPECT_TRUE(std::isnan(site.runs[1].frame.Column("b/ws")[23]));
  EXPECT_THROW(JoinNeighbour(site, SplitRuns(RunsFile()), "b"), io::InputError);  // b/ws twice
  NwpRuns plain = SplitRuns(io::MakeFrame({kT0}, 0));
  EXPECT_THROW(JoinNeighbour(plain, SplitRuns(RunsFile()), "c"), io::InputError);
}

TEST(NwpRuns, ForecastReadsTheLatestRunKnownAtTheIssueTime) {
  const NwpRuns nwp = SplitRuns(RunsFile());
  const int64_t t = kT0 + 14 * 3600;  // run 0 lead 14, run 1 lead 2
  EXPECT_EQ(ChooseRuns(nwp, {t}, kT0 + 43200, 0, 1000000)[0].run, 1);
  EXPECT_EQ(ChooseRuns(nwp, {t}, kT0 + 43199, 0, 1000000)[0].run, 0);  // run 1 is not out yet
  EXPECT_EQ(ChooseRuns(nwp, {t}, kNoIssue, 0, 1000000)[0].run, 1);
  EXPECT_EQ(ChooseRuns(nwp, {t}, kNoIssue, 3 * 3600, 1000000)[0].run, 0);  // lead 2 h is too short
  EXPECT_EQ(ChooseRuns(nwp, {t}, kT0 + 43200, 0, 3600)[0].run, -1);        // both leads too long
  const RunRow rr = ChooseRuns(nwp, {t}, kT0, 0, 1000000)[0];
  EXPECT_EQ(rr.run, 0);
  EXPECT_EQ(nwp.runs[0].frame.time[static_cast<size_t>(rr.row)], t);
  EXPECT_EQ(ChooseRuns(nwp, {kT0 - 3600}, kNoIssue, 0, 1000000)[0].run, -1);
}

}  // namespace
}  // namespace seed::kernels
