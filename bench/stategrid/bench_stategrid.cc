// State Grid 2021 solar stations (Chen & Xu, Scientific Data 9:577, 2022): daily grid accuracy and
// qualification rates of (a) day-ahead persistence (D-1) and (b) the physical PV model driven by the
// measured irradiance, scored by `seed-job evaluate` on CSV files this program writes.
//
// usage: bench_stategrid <stategrid_solar folder> [--site N] [--keep DIR]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>
#include <fcntl.h>
#include <unistd.h>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "kernels/pvwatts.h"
#include "kernels/solar_model.h"
#include "kernels/solar_position.h"

namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kChinaOffsetMinutes = 8 * 60;  // the files' times are China local time, UTC+8

struct Site {
  int number = 0;
  double capacity = 0;
  std::string path;
  std::vector<int64_t> time;  // Unix seconds
  std::vector<double> power, poa, ghi, dni, air_temp;
};

// "2019-01-01 00:15:00" in UTC+8 -> Unix seconds. The files carry no offset; the dataset paper says
// China local time.
int64_t ParseLocalTime(const std::string& text, const std::string& where) {
  int y, mo, d, h, mi, s;
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
    throw std::runtime_error(where + ": time '" + text + "' is not 'YYYY-MM-DD HH:MM:SS'");
  }
  using namespace std::chrono;
  const sys_days day{year{y} / month{static_cast<unsigned>(mo)} / static_cast<unsigned>(d)};
  return duration_cast<seconds>(day.time_since_epoch()).count() + h * 3600 + mi * 60 + s -
         kChinaOffsetMinutes * 60;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    const size_t comma = line.find(',', begin);
    out.push_back(line.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
    if (comma == std::string::npos) return out;
    begin = comma + 1;
  }
}

Site LoadSite(const fs::path& path) {
  static const std::regex name_re(R"(Solar_station_site_(\d+)_Nominal_capacity-(\d+)MW\.csv)");
  std::smatch m;
  const std::string name = path.filename().string();
  if (!std::regex_match(name, m, name_re)) throw std::runtime_error("unexpected file name " + name);
  Site site;
  site.number = std::stoi(m[1]);
  site.capacity = std::stod(m[2]);
  site.path = path.string();
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = Split(line);
  auto find = [&](const std::string& prefix) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    }
    return -1;
  };
  const int c_power = find("Power"), c_poa = find("Total solar"), c_ghi = find("Global horizontal"),
            c_dni = find("Direct normal"), c_temp = find("Air temperature");
  if (c_power < 0 || c_poa < 0) throw std::runtime_error(name + ": no 'Power (MW)' or 'Total solar irradiance' column");
  long line_no = 1;
  auto cell = [&](const std::vector<std::string>& f, int c) {
    if (c < 0) return kNaN;
    if (static_cast<size_t>(c) >= f.size() || f[c].empty()) return kNaN;
    try {
      return std::stod(f[c]);
    } catch (const std::exception&) {
      throw std::runtime_error(name + ":" + std::to_string(line_no) + ": not a number '" + f[c] + "'");
    }
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = Split(line);
    site.time.push_back(ParseLocalTime(f[0], name + ":" + std::to_string(line_no)));
    site.power.push_back(cell(f, c_power));
    site.poa.push_back(cell(f, c_poa));
    site.ghi.push_back(cell(f, c_ghi));
    site.dni.push_back(cell(f, c_dni));
    site.air_temp.push_back(cell(f, c_temp));
  }
  return site;
}

// Writes `values` at `times` as a seed CSV with one column.
void WriteSeries(const std::string& path, const std::vector<int64_t>& times, const std::string& column,
                 const std::vector<double>& values) {
  seed::io::Frame frame = seed::io::MakeFrame(times, kChinaOffsetMinutes);
  frame.Set(column, values);
  seed::io::WriteCsv(path, frame, 6);
}

struct Score {
  double accuracy = kNaN, qualification = kNaN, rmse = kNaN;
  int days = 0;
};

// Runs `seed-job evaluate` in process and reads back its results file.
Score Evaluate(const std::string& forecast, const std::string& actual, double capacity, const std::string& mask,
               const std::string& results_path) {
  CLI::App app{"seed-job"};
  seed::commands::AddEvaluate(app);
  std::vector<std::string> args = {"evaluate",   "--forecast",   forecast,   "--actual", actual,
                                   "--capacity", std::to_string(capacity), "--night-mask", mask};
  std::reverse(args.begin(), args.end());
  ::setenv("SEED_RESULTS_FILE", results_path.c_str(), 1);
  // The subcommand's own summary goes to stdout; keep the bench's table readable.
  std::fflush(stdout);
  const int saved = ::dup(1);
  const int null_fd = ::open("/dev/null", O_WRONLY);
  ::dup2(null_fd, 1);
  try {
    app.parse(args);
  } catch (...) {
    std::fflush(stdout);
    ::dup2(saved, 1);
    ::close(saved);
    ::close(null_fd);
    throw;
  }
  std::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  ::close(null_fd);
  const nlohmann::json r = nlohmann::json::parse(seed::io::ReadFile(results_path));
  return {r["accuracy"].get<double>(), r["qualification"].get<double>(), r["rmse"].get<double>(), r["days"].get<int>()};
}

// Plant output per MW of DC rating at each point: the physical model with the measured plane-of-array
// ("total") irradiance and air temperature, no inverter yet. Linear in the DC rating, so the fit below
// only rescales it.
std::vector<double> DcPerUnitRating(const Site& s) {
  seed::kernels::PvSystem sys;
  sys.dc_capacity = 1.0;
  sys.losses = 0.0;  // folded into the fitted DC rating
  std::vector<double> out(s.time.size(), kNaN);
  for (size_t i = 0; i < s.time.size(); ++i) {
    if (!std::isfinite(s.poa[i])) continue;
    seed::kernels::SolarWeather w;
    w.unix_seconds = s.time[i];
    w.poa = std::max(s.poa[i], 0.0);
    w.air_temp_c = s.air_temp[i];  // missing (site 3) -> 20 degC
    out[i] = seed::kernels::RunSolarModel(sys, w).pdc;
  }
  return out;
}

double AcOutput(double dc_per_unit, double rating, double capacity) {
  return seed::kernels::PvwattsAc(dc_per_unit * rating, capacity / 0.96);
}

// Least-squares DC rating (MW) on the fit rows, by golden-section search: the inverter clipping makes
// the fit non-linear but the error stays unimodal in the rating.
double FitDcRating(const std::vector<double>& unit, const std::vector<double>& power, size_t begin, size_t end,
                   double capacity) {
  auto sse = [&](double rating) {
    double s = 0;
    for (size_t i = begin; i < end; ++i) {
      if (!std::isfinite(unit[i]) || !std::isfinite(power[i])) continue;
      const double e = AcOutput(unit[i], rating, capacity) - power[i];
      s += e * e;
    }
    return s;
  };
  double lo = 0.2 * capacity, hi = 3.0 * capacity;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = sse(a), fb = sse(b);
  for (int it = 0; it < 80; ++it) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = sse(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = sse(b);
    }
  }
  return (lo + hi) / 2;
}

// The sites' coordinates are not published; estimate them from the irradiance record on the fit rows.
struct Location {
  double latitude = 0, longitude = 0;
};

// Longitude: the GHI-weighted mean hour angle is 0 at the right longitude (irradiance is symmetric
// about solar noon on average) and the hour angle grows one degree per degree of longitude; SPA at
// longitude 0 carries the equation of time. Hour angles are taken relative to the current guess so
// that they never wrap, starting from the UTC+8 zone meridian. Latitude: the sun's elevation at first
// and last light (GHI crossing 20 W/m2) stays nearly constant through the year only at the right
// latitude, so pick the latitude that minimises its variance over the days (0.5 degree grid, 18-54 N).
// Only the irradiance is used, never the power.
Location EstimateLocation(const Site& s) {
  std::vector<double> h0(s.time.size(), kNaN);
  std::vector<int64_t> first_light, last_light;
  for (size_t day = 0; day + 96 <= s.time.size(); day += 96) {
    int64_t first = -1, last = -1;
    for (size_t i = day; i < day + 96; ++i) {
      const double g = s.ghi[i];
      if (!std::isfinite(g) || g <= 0) continue;
      seed::kernels::SpaInput in;
      in.unix_seconds = s.time[i] - 450;  // the middle of the quarter hour
      h0[i] = seed::kernels::SolarPositionSpaDetail(in).h;
      if (g > 20) {
        if (first < 0) first = s.time[i] - 450;
        last = s.time[i] - 450;
      }
    }
    if (first >= 0 && last > first) {
      first_light.push_back(first);
      last_light.push_back(last);
    }
  }
  Location loc;
  loc.longitude = 120;
  for (int iteration = 0; iteration < 3; ++iteration) {
    double sum_w = 0, sum_wh = 0;
    for (size_t i = 0; i < h0.size(); ++i) {
      if (!std::isfinite(h0[i])) continue;
      double h = std::fmod(h0[i] + loc.longitude + 540.0, 360.0) - 180.0;  // in [-180, 180)
      sum_w += s.ghi[i];
      sum_wh += s.ghi[i] * h;
    }
    loc.longitude -= sum_wh / sum_w;
  }
  double best = std::numeric_limits<double>::infinity();
  for (double lat = 18; lat <= 54; lat += 0.5) {
    double sum = 0, sum_sq = 0;
    size_t n = 0;
    for (const auto* v : {&first_light, &last_light}) {
      for (int64_t t : *v) {
        seed::kernels::SpaInput in;
        in.unix_seconds = t;
        in.latitude = lat;
        in.longitude = loc.longitude;
        const double e = seed::kernels::SolarPositionSpa(in).elevation;
        sum += e;
        sum_sq += e * e;
        ++n;
      }
    }
    const double var = sum_sq / static_cast<double>(n) - (sum / static_cast<double>(n)) * (sum / static_cast<double>(n));
    if (var < best) {
      best = var;
      loc.latitude = lat;
    }
  }
  return loc;
}

// Plant DC output per MW of rating from the measured GHI alone through the whole chain: SPA, Erbs,
// Hay-Davies onto a south-facing plane tilted at the latitude, ASHRAE incidence loss, SAPM, PVWatts.
std::vector<double> DcPerUnitRatingFromGhi(const Site& s, const Location& loc) {
  seed::kernels::PvSystem sys;
  sys.latitude = loc.latitude;
  sys.longitude = loc.longitude;
  sys.tilt = std::round(loc.latitude);
  sys.azimuth = 180;
  sys.dc_capacity = 1.0;
  sys.losses = 0.0;
  std::vector<double> out(s.time.size(), kNaN);
  for (size_t i = 0; i < s.time.size(); ++i) {
    if (!std::isfinite(s.ghi[i])) continue;
    seed::kernels::SolarWeather w;
    // Interval averages: the sun at the middle of the quarter hour the value describes (the row's
    // time and the 15 minutes before it, as the power is logged).
    w.unix_seconds = s.time[i] - 450;
    w.ghi = std::max(s.ghi[i], 0.0);
    w.air_temp_c = s.air_temp[i];
    out[i] = seed::kernels::RunSolarModel(sys, w).pdc;
  }
  return out;
}

size_t FirstIndexAtOrAfter(const Site& s, int64_t t) {
  return static_cast<size_t>(std::lower_bound(s.time.begin(), s.time.end(), t) - s.time.begin());
}

void PrintRow(const Site& s, const std::string& forecast, const std::string& period, const Score& all,
              const Score& day) {
  std::printf("| %d | %.0f | %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %.4f |\n", s.number, s.capacity,
              forecast.c_str(), period.c_str(), all.days, 100 * all.accuracy, 100 * all.qualification,
              100 * day.accuracy, 100 * day.qualification, all.rmse);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"State Grid solar benchmark: persistence and the physical model scored by seed-job evaluate"};
  std::string folder, keep;
  int only_site = 0;
  app.add_option("folder", folder, "Folder with Solar_station_site_<n>_Nominal_capacity-<MW>MW.csv")->required();
  app.add_option("--site", only_site, "Only this site number");
  app.add_option("--keep", keep, "Write the CSV files here and keep them (default: a temporary folder)");
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.path().filename().string().rfind("Solar_station_site_", 0) == 0) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw std::runtime_error("no Solar_station_site_*.csv in " + folder);
    const fs::path dir = keep.empty() ? fs::temp_directory_path() / ("bench_stategrid_" + std::to_string(::getpid()))
                                      : fs::path(keep);
    fs::create_directories(dir);
    const std::string results = (dir / "results.json").string();

    std::printf("| site | MW | forecast | scored period | days | C_R all %% | Q_R all %% | C_R daytime %% | "
                "Q_R daytime %% | RMSE/Cap all |\n|---|---|---|---|---|---|---|---|---|---|\n");
    std::vector<std::string> notes;
    for (const fs::path& file : files) {
      Site s = LoadSite(file);
      if (only_site && s.number != only_site) continue;
      const std::string tag = "site" + std::to_string(s.number);
      const std::string actual = (dir / (tag + "_actual.csv")).string();
      WriteSeries(actual, s.time, "power_mw", s.power);

      // Fit on 2019 and score 2020; site 3 ends in July 2019, so it fits on January and scores the rest.
      const int64_t y2020 = ParseLocalTime("2020-01-01 00:00:00", "");
      const int64_t feb2019 = ParseLocalTime("2019-02-01 00:00:00", "");
      const bool has_2020 = s.time.back() >= y2020;
      const size_t split = FirstIndexAtOrAfter(s, has_2020 ? y2020 : feb2019);
      const std::string period = has_2020 ? "2020" : "2019-02..07";

      // (a) Persistence: the forecast for day D is what was measured on day D-1 at the same time.
      std::vector<int64_t> pt;
      std::vector<double> pv;
      for (size_t i = 0; i < s.time.size(); ++i) {
        const int64_t source = s.time[i] - 86400;
        const size_t k = FirstIndexAtOrAfter(s, source);
        if (k < s.time.size() && s.time[k] == source) {
          pt.push_back(s.time[i]);
          pv.push_back(s.power[k]);
        }
      }
      const std::string persist_all = (dir / (tag + "_persistence.csv")).string();
      WriteSeries(persist_all, pt, "forecast_mw", pv);
      PrintRow(s, "persistence D-1", "all days from day 2", Evaluate(persist_all, actual, s.capacity, "none", results),
               Evaluate(persist_all, actual, s.capacity, "power", results));
      const size_t psplit = static_cast<size_t>(std::lower_bound(pt.begin(), pt.end(), s.time[split]) - pt.begin());
      const std::string persist_test = (dir / (tag + "_persistence_test.csv")).string();
      WriteSeries(persist_test, std::vector<int64_t>(pt.begin() + psplit, pt.end()), "forecast_mw",
                  std::vector<double>(pv.begin() + psplit, pv.end()));
      PrintRow(s, "persistence D-1", period, Evaluate(persist_test, actual, s.capacity, "none", results),
               Evaluate(persist_test, actual, s.capacity, "power", results));

      // (b) Physical model on the measured plane-of-array irradiance, DC rating fitted before `split`.
      const std::vector<double> unit = DcPerUnitRating(s);
      const double rating = FitDcRating(unit, s.power, 0, split, s.capacity);
      std::vector<double> model(s.time.size(), kNaN);
      for (size_t i = split; i < s.time.size(); ++i) {
        if (std::isfinite(unit[i])) model[i] = AcOutput(unit[i], rating, s.capacity);
      }
      const std::string phys = (dir / (tag + "_physical.csv")).string();
      WriteSeries(phys, std::vector<int64_t>(s.time.begin() + split, s.time.end()), "forecast_mw",
                  std::vector<double>(model.begin() + split, model.end()));
      PrintRow(s, "physical model, measured POA", period, Evaluate(phys, actual, s.capacity, "none", results),
               Evaluate(phys, actual, s.capacity, "power", results));
      // (c) The whole chain from the measured GHI, at an estimated location.
      const Location loc = EstimateLocation(s);
      const std::vector<double> unit_ghi = DcPerUnitRatingFromGhi(s, loc);
      const double rating_ghi = FitDcRating(unit_ghi, s.power, 0, split, s.capacity);
      std::vector<double> model_ghi;
      for (size_t i = split; i < s.time.size(); ++i) {
        model_ghi.push_back(std::isfinite(unit_ghi[i]) ? AcOutput(unit_ghi[i], rating_ghi, s.capacity) : kNaN);
      }
      const std::string phys_ghi = (dir / (tag + "_physical_ghi.csv")).string();
      WriteSeries(phys_ghi, std::vector<int64_t>(s.time.begin() + split, s.time.end()), "forecast_mw", model_ghi);
      PrintRow(s, "physical model, measured GHI", period, Evaluate(phys_ghi, actual, s.capacity, "none", results),
               Evaluate(phys_ghi, actual, s.capacity, "power", results));

      char note[300];
      std::snprintf(note, sizeof note,
                    "site %d: fitted on %s: POA model DC rating %.1f MW (%.2f x nameplate); GHI model at an "
                    "estimated %.1f N %.1f E, tilt %.0f, DC rating %.1f MW (%.2f x)",
                    s.number, has_2020 ? "2019" : "January 2019", rating, rating / s.capacity, loc.latitude,
                    loc.longitude, std::round(loc.latitude), rating_ghi, rating_ghi / s.capacity);
      notes.push_back(note);
    }
    std::printf("\n");
    for (const std::string& n : notes) std::printf("%s\n", n.c_str());
    if (keep.empty()) fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_stategrid: %s\n", e.what());
    return 2;
  }
  return 0;
}
