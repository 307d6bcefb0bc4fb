#include "gefcom_data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace seed::bench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "YYYYMMDDHH" -> hours since 1970-01-01T00Z.
int64_t ParseHour(const std::string& text, const std::string& where) {
  if (text.size() != 10 || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    throw std::runtime_error(where + ": expected a YYYYMMDDHH date, got '" + text + "'");
  }
  const int64_t y = std::stoll(text.substr(0, 4));
  const unsigned m = std::stoul(text.substr(4, 2)), d = std::stoul(text.substr(6, 2));
  const int64_t h = std::stoll(text.substr(8, 2));
  return DaysFromCivil(y, m, d) * 24 + h;
}

void CivilFromHour(int64_t hour, int* month, int* hour_of_day) {
  int64_t z = (hour >= 0 ? hour : hour - 23) / 24;
  *hour_of_day = static_cast<int>(hour - z * 24);
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
}

double ParseValue(const std::string& cell, const std::string& where) {
  if (cell.empty() || cell == "NA") return kNaN;
  size_t used = 0;
  const double v = std::stod(cell, &used);
  if (used != cell.size()) throw std::runtime_error(where + ": not a number: '" + cell + "'");
  return v;
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path, const std::string& header) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != header)
    throw std::runtime_error(path + ":1: expected header '" + header + "', got '" + line + "'");
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();
    rows.push_back(std::move(cells));
  }
  return rows;
}

double Nwp(const GefcomData& d, int farm, int64_t issue_hour, int hors, int k) {
  if (hors < 1 || hors > kHorizons) return kNaN;
  const int64_t rel = issue_hour - d.first_hour;
  if (rel < 0 || rel % 12 != 0 || static_cast<size_t>(rel / 12) >= d.issues) return kNaN;
  return d.nwp[farm][((rel / 12) * kHorizons + hors - 1) * 4 + k];
}

double Power(const GefcomData& d, int farm, int64_t index) {
  return index < 0 || static_cast<size_t>(index) >= d.hours ? kNaN : d.power[farm][index];
}

std::vector<std::string> FeatureNames(bool with_power) {
  std::vector<std::string> names = {"u",      "v",      "ws",     "sin_wd", "cos_wd",  "ws2",           "ws3",
                                    "ws_hm1", "ws_hp1", "prev_u", "prev_v", "prev_ws", "ws_minus_prev", "h",
                                    "hour",   "month"};
  if (with_power) names.insert(names.end(), {"p0", "p1", "p3", "p_mean6", "p0_decay", "prev_ws_t0"});
  return names;
}

// One row for farm, window start t0 (hour index) and horizon h.
void AppendRow(const GefcomData& d, int farm, int64_t t0, int h, bool with_power, FeatureTable* table) {
  const int64_t issue = d.first_hour + t0, prev = issue - 12;
  const double u = Nwp(d, farm, issue, h, 0), v = Nwp(d, farm, issue, h, 1), ws = Nwp(d, farm, issue, h, 2);
  const double wd = Nwp(d, farm, issue, h, 3) * kPi / 180;
  const double prev_ws = Nwp(d, farm, prev, h + 12, 2);
  int month = 0, hour_of_day = 0;
  CivilFromHour(issue + h, &month, &hour_of_day);
  table->x.insert(
      table->x.end(),
      {u, v, ws, std::sin(wd), std::cos(wd), ws * ws, ws * ws * ws, Nwp(d, farm, issue, h - 1, 2),
       Nwp(d, farm, issue, h + 1, 2), Nwp(d, farm, prev, h + 12, 0), Nwp(d, farm, prev, h + 12, 1), prev_ws,
       ws - prev_ws, static_cast<double>(h), static_cast<double>(hour_of_day), static_cast<double>(month)});
  if (with_power) {
    const double p0 = Power(d, farm, t0);
    double sum = 0;
    int count = 0;
    for (int64_t k = t0 - 5; k <= t0; ++k) {
      const double p = Power(d, farm, k);
      if (!std::isnan(p)) {
        sum += p;
        ++count;
      }
    }
    table->x.insert(table->x.end(),
                    {p0, Power(d, farm, t0 - 1), Power(d, farm, t0 - 3), count ? sum / count : kNaN,
                     p0 * std::exp(-h / 6.0), Nwp(d, farm, prev, 12, 2)});
  }
  table->horizon.push_back(h);
  table->hour.push_back(t0 + h);
}

}  // namespace

GefcomData LoadGefcom(const std::string& folder) {
  GefcomData d;
  const std::string farms_header = "wp1,wp2,wp3,wp4,wp5,wp6,wp7";
  const auto train = ReadCsv(folder + "/train.csv", "date," + farms_header);
  const auto test = ReadCsv(folder + "/test.csv", "id,date," + farms_header);
  if (train.empty() || test.empty()) throw std::runtime_error(folder + ": train.csv or test.csv has no rows");
  d.first_hour = ParseHour(train.front()[0], folder + "/train.csv:2");
  if (d.first_hour % 12 != 0) throw std::runtime_error(folder + "/train.csv: must start at 00 or 12 UTC");
  int64_t last = d.first_hour;
  for (size_t i = 0; i < test.size(); ++i) {
    last = std::max(last, ParseHour(test[i].at(1), folder + "/test.csv:" + std::to_string(i + 2)));
  }
  d.hours = static_cast<size_t>(last - d.first_hour + kHorizons + 1);
  d.power.assign(kFarms, std::vector<double>(d.hours, kNaN));
  d.truth.assign(kFarms, std::vector<double>(d.hours, kNaN));
  d.in_train.assign(d.hours, 0);
  for (size_t i = 0; i < train.size(); ++i) {
    const std::string where = folder + "/train.csv:" + std::to_string(i + 2);
    if (train[i].size() != 8) throw std::runtime_error(where + ": expected 8 columns");
    const int64_t idx = ParseHour(train[i][0], where) - d.first_hour;
    if (idx < 0 || static_cast<size_t>(idx) >= d.hours)
      throw std::runtime_error(where + ": date out of range");
    d.in_train[idx] = 1;
    for (int f = 0; f < kFarms; ++f) d.power[f][idx] = ParseValue(train[i][f + 1], where);
  }
  for (size_t i = 0; i < test.size(); ++i) {
    const std::string where = folder + "/test.csv:" + std::to_string(i + 2);
    if (test[i].size() != 9) throw std::runtime_error(where + ": expected 9 columns");
    const int64_t hour = ParseHour(test[i][1], where);
    const int64_t idx = hour - d.first_hour;
    if (idx < 0 || d.in_train[idx]) throw std::runtime_error(where + ": test hour overlaps train.csv");
    d.test_hours.push_back(idx);
    for (int f = 0; f < kFarms; ++f) d.truth[f][idx] = ParseValue(test[i][f + 2], where);
  }
  d.issues = d.hours / 12 + 1;
  d.nwp.assign(kFarms, std::vector<double>(d.issues * kHorizons * 4, kNaN));
  for (int f = 0; f < kFarms; ++f) {
    const std::string path = folder + "/windforecasts_wf" + std::to_string(f + 1) + ".csv";
    const auto rows = ReadCsv(path, "date,hors,u,v,ws,wd");
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string where = path + ":" + std::to_string(i + 2);
      if (rows[i].size() != 6) throw std::runtime_error(where + ": expected 6 columns");
      const int64_t rel = ParseHour(rows[i][0], where) - d.first_hour;
      const int hors = std::stoi(rows[i][1]);
      if (rel < 0 || rel % 12 != 0 || static_cast<size_t>(rel / 12) >= d.issues || hors < 1 ||
          hors > kHorizons) {
        continue;  // outside the span we score
      }
      for (int k = 0; k < 4; ++k) {
        d.nwp[f][((rel / 12) * kHorizons + hors - 1) * 4 + k] = ParseValue(rows[i][k + 2], where);
      }
    }
  }
  return d;
}

FeatureTable TrainingRows(const GefcomData& d, int farm, bool with_power, size_t* starts) {
  FeatureTable table;
  table.names = FeatureNames(with_power);
  table.cols = table.names.size();
  size_t count = 0;
  for (int64_t t0 = 0; static_cast<size_t>(t0) < d.hours; t0 += 12) {  // index 0 is 00 UTC
    if (!d.in_train[t0]) continue;
    ++count;
    for (int h = 1; h <= kHorizons; ++h) {
      const int64_t target = t0 + h;
      if (static_cast<size_t>(target) >= d.hours || !d.in_train[target]) continue;
      if (!std::isnan(d.truth[farm][target]))
        throw std::logic_error("leak: a training target lies in test.csv");
      AppendRow(d, farm, t0, h, with_power, &table);
      table.y.push_back(d.power[farm][target]);
    }
  }
  if (starts) *starts = count;
  return table;
}

FeatureTable TestRows(const GefcomData& d, int farm, bool with_power, size_t* windows) {
  FeatureTable table;
  table.names = FeatureNames(with_power);
  table.cols = table.names.size();
  std::vector<int64_t> hours = d.test_hours;
  std::sort(hours.begin(), hours.end());
  size_t count = 0;
  for (size_t i = 0; i < hours.size();) {
    const int64_t t0 = hours[i] - 1;
    if (t0 < 0 || !d.in_train[t0] || t0 % 12 != 0) {
      throw std::runtime_error("test.csv: a window does not start right after a 00/12 UTC known hour");
    }
    ++count;
    size_t j = i;
    while (j < hours.size() && hours[j] - t0 <= kHorizons &&
           hours[j] == t0 + static_cast<int64_t>(j - i) + 1) {
      AppendRow(d, farm, t0, static_cast<int>(hours[j] - t0), with_power, &table);
      table.y.push_back(d.truth[farm][hours[j]]);
      ++j;
    }
    i = j;
  }
  if (windows) *windows = count;
  return table;
}

GefcomData HoldOutWindows(const GefcomData& d, int64_t spacing_hours) {
  GefcomData out = d;
  out.test_hours.clear();
  for (auto& farm : out.truth) std::fill(farm.begin(), farm.end(), kNaN);
  int64_t next = 0;
  for (int64_t t0 = 0; static_cast<size_t>(t0) + kHorizons < d.hours; t0 += 12) {
    if (t0 < next || !d.in_train[t0]) continue;
    bool known = true;
    for (int h = 1; h <= kHorizons && known; ++h) known = d.in_train[t0 + h];
    if (!known) continue;
    for (int h = 1; h <= kHorizons; ++h) {
      out.in_train[t0 + h] = 0;
      out.test_hours.push_back(t0 + h);
      for (int f = 0; f < kFarms; ++f) {
        out.truth[f][t0 + h] = d.power[f][t0 + h];
        out.power[f][t0 + h] = kNaN;
      }
    }
    next = t0 + spacing_hours;
  }
  return out;
}

}  // namespace seed::bench
