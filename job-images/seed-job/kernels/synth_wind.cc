#include "kernels/synth_wind.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>

#include "io/time.h"
#include "kernels/numeric.h"
#include "kernels/power_curve.h"
#include "kernels/synth_random.h"

namespace seed::kernels {
namespace {

using synth::Ar1;
using synth::IsSourceName;
using synth::kStepHours;
using synth::Rng;
using synth::Round;
using synth::StreamSeed;

double WrapSigned(double degrees) { return Wrap360(degrees + 180.0) - 180.0; }

struct WindNwpProfile {
  double ws_scale;      // multiplicative bias
  double ws_offset;     // additive bias, m/s
  double sector_amp;    // direction-dependent bias amplitude, m/s
  double sector_phase;  // degrees
  int lag_steps;        // timing error: the source sees the weather lag_steps quarters late (< 0: early)
  double noise_sd;      // m/s at the shortest lead
  double wd_bias;       // degrees
  double wd_noise;      // degrees
  double t2m_bias;      // °C
};

WindNwpProfile ProfileFor(size_t index, uint64_t seed) {
  static const std::array<WindNwpProfile, 3> kKnown = {{
      {0.93, 0.40, 0.6, 30, 4, 1.0, 6, 12, -1.0},     // a global model: slightly slow, 1 h late
      {1.12, -0.50, 0.8, 200, 8, 1.5, -12, 18, 0.8},  // a coarser global model: fast, 2 h late
      {1.05, 0.60, 0.5, 120, -4, 1.25, 9, 15, 0.3},   // a mesoscale model: 1 h early
  }};
  if (index < kKnown.size()) return kKnown[index];
  Rng rng(StreamSeed(seed, 1000 + index));
  return {0.9 + 0.25 * rng.Uniform(), -0.6 + 1.2 * rng.Uniform(), 0.8 * rng.Uniform(),
          360 * rng.Uniform(),        rng.Between(-8, 8),         0.9 + 0.8 * rng.Uniform(),
          -15 + 30 * rng.Uniform(),   10 + 10 * rng.Uniform(),    -1.5 + 3 * rng.Uniform()};
}

}  // namespace

double SynthTurbinePowerFraction(double wind_speed) {
  // A generic 2-3 MW pitch-regulated curve at 1.225 kg/m³, tabulated every 0.5 m/s from cut-in.
  static const std::array<double, 19> kTable = {0.000, 0.012, 0.030, 0.053, 0.083, 0.119, 0.162,
                                                0.212, 0.270, 0.335, 0.407, 0.485, 0.567, 0.650,
                                                0.731, 0.808, 0.877, 0.945, 1.000};
  if (!(wind_speed >= 3.0) || wind_speed >= 25.0) return 0;
  if (wind_speed >= 12.0) return 1;
  const double x = (wind_speed - 3.0) / 0.5;
  const size_t i = static_cast<size_t>(x);
  const double t = x - static_cast<double>(i);
  return kTable[i] + t * (kTable[i + 1] - kTable[i]);
}

SynthPlant SynthesizeWindPlant(const WindSynthOptions& options) {
  if (options.days < 1 || options.days > 3660) throw std::invalid_argument("days must be between 1 and 3660");
  if (!(options.capacity_mw > 0)) throw std::invalid_argument("capacity must be > 0 MW");
  if (options.turbines < 1 || options.turbines > 2000) {
    throw std::invalid_argument("turbines must be between 1 and 2000");
  }
  if (!(options.hub_height > 0) || !(options.altitude > -500 && options.altitude < 6000)) {
    throw std::invalid_argument("hub height must be > 0 and altitude between -500 and 6000 m");
  }
  for (const auto& source : options.nwp_sources) {
    if (!IsSourceName(source)) {
      throw std::invalid_argument("NWP source name '" + source +
                                  "' must be a short lowercase name (letters and digits, like ec or gfs)");
    }
  }
  const size_t n = static_cast<size_t>(options.days) * 96;
  std::vector<int64_t> times(n);
  for (size_t t = 0; t < n; ++t) times[t] = options.start + static_cast<int64_t>(t) * io::kQuarterHour;

  // --- weather: wind speed, direction, temperature, pressure ---------------------------------
  Rng weather(StreamSeed(options.seed, 1));
  Ar1 synoptic(30.0, weather), mesoscale(3.0, weather), veer(12.0, weather), temp_noise(36.0, weather),
      pressure_noise(48.0, weather);
  std::vector<double> wind(n), direction(n), temperature(n), pressure(n), density(n);
  int regime = 0;  // 0: prevailing north-westerly (winter monsoon), 1: southerly
  double mean_direction = 300;
  const double pressure_factor = std::pow(1 - 2.25577e-5 * options.altitude, 5.25588);
  for (size_t t = 0; t < n; ++t) {
    const double local_hours = static_cast<double>(times[t] + options.utc_offset_minutes * 60) / 3600.0;
    const double hour = std::fmod(local_hours, 24.0);
    const double doy = std::fmod(local_hours / 24.0, 365.2425);
    const double summer = std::max(0.0, std::cos(2 * kPi * (doy - 200) / 365.2425));

    const double slow = synoptic.Next(weather);
    const double gaussian = std::sqrt(0.8) * slow + std::sqrt(0.2) * mesoscale.Next(weather);
    const double u = std::clamp(NormalCdf(gaussian), 1e-9, 1 - 1e-9);
    const double scale = 8.0 * (1 + 0.10 * std::cos(2 * kPi * (doy - 95) / 365.2425));  // windy spring
    const double weibull = scale * std::sqrt(-std::log(1 - u));                         // k = 2
    const double diurnal = 1 + 0.10 * std::cos(2 * kPi * (hour - 2) / 24);  // night-time low-level jet
    wind[t] = weibull * diurnal;

    const double to_south = (1.0 / (96 * 6)) * (1 + 2 * summer);
    const double to_north = 1.0 / (96 * 2.5);
    if (weather.Chance(regime == 0 ? to_south : to_north)) regime = 1 - regime;
    const double target = regime == 0 ? 300 : 170;
    mean_direction =
        Wrap360(mean_direction + WrapSigned(target - mean_direction) * (1 - std::exp(-kStepHours / 6)));
    direction[t] = Wrap360(mean_direction + 25 * veer.Next(weather) + 6 * weather.Normal());

    temperature[t] = 3 - 17 * std::cos(2 * kPi * (doy - 20) / 365.2425) +
                     5 * std::cos(2 * kPi * (hour - 15) / 24) + 2.5 * temp_noise.Next(weather);
    const double sea_level =
        1013.25 + 8 * std::cos(2 * kPi * (doy - 15) / 365.2425) + 6 * pressure_noise.Next(weather) - 2 * slow;
    pressure[t] = sea_level * pressure_factor;
    density[t] = AirDensity(temperature[t], pressure[t]);
  }

  // --- turbines: speed differences, power curve, outages --------------------------------------
  const int nt = options.turbines;
  const double rated = options.capacity_mw / nt;
  Rng layout(StreamSeed(options.seed, 2));
  std::vector<double> speed_factor(static_cast<size_t>(nt)), wake_direction(static_cast<size_t>(nt)),
      wake_depth(static_cast<size_t>(nt));
  for (size_t i = 0; i < static_cast<size_t>(nt); ++i) {
    speed_factor[i] = std::clamp(1 + 0.04 * layout.Normal(), 0.88, 1.12);
    wake_direction[i] = 360 * layout.Uniform();
    wake_depth[i] = 0.12 * layout.Uniform();
  }
  Rng operation(StreamSeed(options.seed, 3));
  std::vector<std::vector<double>> turbine_power(static_cast<size_t>(nt), std::vector<double>(n));
  std::vector<int> down_left(static_cast<size_t>(nt), 0);
  std::vector<double> available(n), station(n);
  long outage_turbine_days = 0;
  constexpr double kCollectionLoss = 0.03;  // cables and transformers between turbines and the meter
  nlohmann::json curtailments = nlohmann::json::array();
  int curtail_left = 0;
  double curtail_limit = 0;
  size_t curtail_start = 0;
  for (size_t t = 0; t < n; ++t) {
    const double rho_factor = std::cbrt(density[t] / kReferenceAirDensity);
    double total = 0;
    int up = 0;
    for (size_t i = 0; i < static_cast<size_t>(nt); ++i) {
      if (t % 96 == 0 && down_left[i] == 0 && operation.Chance(0.006)) {
        int days_down = 1;
        while (days_down < 10 && operation.Chance(0.5)) ++days_down;
        down_left[i] = days_down * 96;
        outage_turbine_days += days_down;
      }
      const double wake =
          1 - wake_depth[i] *
                  std::pow(std::max(0.0, std::cos((direction[t] - wake_direction[i]) * kPi / 180)), 2);
      const double v = std::max(0.0, wind[t] * speed_factor[i] * wake + 0.35 * operation.Normal());
      double p = 0;
      if (down_left[i] > 0) {
        --down_left[i];
      } else {
        ++up;
        p = v >= 25 ? 0 : rated * SynthTurbinePowerFraction(v * rho_factor);
      }
      turbine_power[i][t] = p;
      total += p;
    }
    available[t] = up * rated;
    double meter = total * (1 - kCollectionLoss);
    // Dispatch curtailment (限电): events start mostly when the plant is producing well.
    if (curtail_left == 0 && meter > 0.3 * options.capacity_mw && operation.Chance(1.0 / (96 * 5))) {
      curtail_left = operation.Between(8, 48);
      curtail_limit = Round(options.capacity_mw * (0.25 + 0.45 * operation.Uniform()), 1);
      curtail_start = t;
    }
    if (curtail_left > 0) {
      // AGC holds the meter just under the limit, with a small control ripple.
      const double limit = curtail_limit - std::abs(0.002 * options.capacity_mw * operation.Normal());
      if (meter > limit) {
        const double scale = limit / meter;
        for (auto& column : turbine_power) column[t] *= scale;
        meter = limit;
      }
      if (--curtail_left == 0 || t + 1 == n) {
        curtailments.push_back(
            {{"from", io::FormatRfc3339(times[curtail_start], options.utc_offset_minutes)},
             {"to", io::FormatRfc3339(times[t] + io::kQuarterHour, options.utc_offset_minutes)},
             {"limit_mw", curtail_limit}});
      }
    }
    station[t] = meter;
  }

  // --- measurements (with sensor noise and, optionally, defects) --------------------------------
  Rng sensors(StreamSeed(options.seed, 4));
  io::Frame measurements = io::MakeFrame(times, options.utc_offset_minutes);
  std::vector<double> m_power(n), m_speed(n), m_dir(n), m_temp(n), m_pressure(n), m_available(n);
  for (size_t t = 0; t < n; ++t) {
    m_power[t] = Round(station[t], 3);
    m_speed[t] = Round(std::max(0.0, wind[t] * (1 + 0.02 * sensors.Normal()) + 0.15 * sensors.Normal()), 2);
    m_dir[t] = Round(Wrap360(direction[t] + 3 * sensors.Normal()), 1);
    if (m_dir[t] >= 360) m_dir[t] = 0;
    m_temp[t] = Round(temperature[t] + 0.2 * sensors.Normal(), 1);
    m_pressure[t] = Round(pressure[t] + 0.2 * sensors.Normal(), 1);
    m_available[t] = Round(available[t], 3);
  }
  nlohmann::json defects = {
      {"short_gaps", 0}, {"long_gaps", 0}, {"stuck_wind_speed", 0}, {"turbine_dropouts", 0}};
  if (options.defects) {
    Rng faults(StreamSeed(options.seed, 5));
    std::vector<std::vector<double>*> all = {&m_power, &m_speed, &m_dir, &m_temp, &m_pressure, &m_available};
    for (size_t t = 0; t < n; ++t) {
      int gap = 0;
      if (faults.Chance(0.002)) {
        gap = faults.Between(1, 4);
        defects["short_gaps"] = defects["short_gaps"].get<int>() + 1;
      } else if (faults.Chance(1.0 / (96 * 45))) {
        gap = faults.Between(12, 48);
        defects["long_gaps"] = defects["long_gaps"].get<int>() + 1;
      } else if (faults.Chance(1.0 / (96 * 60))) {
        const int run = faults.Between(16, 40);
        for (size_t k = t + 1; k < std::min(n, t + static_cast<size_t>(run)); ++k) m_speed[k] = m_speed[t];
        defects["stuck_wind_speed"] = defects["stuck_wind_speed"].get<int>() + 1;
        t += static_cast<size_t>(run);
        continue;
      }
      for (size_t k = t; k < std::min(n, t + static_cast<size_t>(gap)); ++k) {
        for (auto* column : all) (*column)[k] = kMissing;
      }
      t += static_cast<size_t>(gap);
    }
    for (auto& column : turbine_power) {
      for (size_t t = 0; t < n; ++t) {
        if (!faults.Chance(0.001)) continue;
        const size_t len = static_cast<size_t>(faults.Between(1, 8));
        for (size_t k = t; k < std::min(n, t + len); ++k) column[k] = kMissing;
        defects["turbine_dropouts"] = defects["turbine_dropouts"].get<int>() + 1;
        t += len;
      }
    }
  }
  measurements.Set("power_mw", std::move(m_power));
  measurements.Set("wind_speed", std::move(m_speed));
  measurements.Set("wind_dir", std::move(m_dir));
  measurements.Set("temperature_c", std::move(m_temp));
  measurements.Set("pressure_hpa", std::move(m_pressure));
  measurements.Set("available_mw", std::move(m_available));

  io::Frame turbines = io::MakeFrame(times, options.utc_offset_minutes);
  for (size_t i = 0; i < static_cast<size_t>(nt); ++i) {
    for (auto& p : turbine_power[i]) p = Round(p, 4);
    turbines.Set("wt" + std::to_string(i + 1) + "_mw", std::move(turbine_power[i]));
  }

  // --- NWP sources ------------------------------------------------------------------------------
  // NWP resolves the weather, not the turbulence: it follows a 2-hour running mean of the wind.
  std::vector<double> resolved(n);
  {
    double sum = 0;
    size_t count = 0;
    const size_t half = 4;
    size_t lo = 0, hi = 0;  // window [lo, hi)
    for (size_t t = 0; t < n; ++t) {
      while (hi < std::min(n, t + half + 1)) sum += wind[hi++], ++count;
      while (lo + half < t) sum -= wind[lo++], --count;
      resolved[t] = sum / static_cast<double>(count);
    }
  }
  io::Frame nwp = io::MakeFrame(times, options.utc_offset_minutes);
  nlohmann::json sources = nlohmann::json::array();
  for (size_t s = 0; s < options.nwp_sources.size(); ++s) {
    const WindNwpProfile profile = ProfileFor(s, options.seed);
    Rng rng(StreamSeed(options.seed, 100 + s));
    Ar1 ws_error(6.0, rng), wd_error(6.0, rng), t_error(12.0, rng);
    std::vector<double> ws(n), wd(n), t2m(n);
    for (size_t t = 0; t < n; ++t) {
      const auto lagged = static_cast<size_t>(
          std::clamp<long>(static_cast<long>(t) - profile.lag_steps, 0, static_cast<long>(n) - 1));
      const double local_hours = static_cast<double>(times[t] + options.utc_offset_minutes * 60) / 3600.0;
      const double lead_hours = 12 + std::fmod(local_hours, 24.0);  // issued 12:00 the day before
      const double horizon = 0.7 + 0.6 * lead_hours / 36;
      const double sector =
          profile.sector_amp * std::sin((direction[lagged] - profile.sector_phase) * kPi / 180);
      ws[t] = Round(std::max(0.0, profile.ws_scale * resolved[lagged] + profile.ws_offset + sector +
                                      profile.noise_sd * horizon * ws_error.Next(rng)),
                    2);
      wd[t] = Round(Wrap360(direction[lagged] + profile.wd_bias + profile.wd_noise * wd_error.Next(rng)), 1);
      if (wd[t] >= 360) wd[t] = 0;
      t2m[t] = Round(temperature[lagged] + profile.t2m_bias + 1.2 * t_error.Next(rng), 1);
    }
    const std::string& name = options.nwp_sources[s];
    nwp.Set(name + "_ws", std::move(ws));
    nwp.Set(name + "_wd", std::move(wd));
    nwp.Set(name + "_t2m", std::move(t2m));
    sources.push_back({{"name", name},
                       {"ws_scale", profile.ws_scale},
                       {"ws_offset", profile.ws_offset},
                       {"sector_bias_amplitude", profile.sector_amp},
                       {"lag_minutes", profile.lag_steps * 15},
                       {"noise_sd", profile.noise_sd},
                       {"wd_bias", profile.wd_bias}});
  }

  nlohmann::json curve = nlohmann::json::array();
  for (double v = 0; v <= 26.0; v += 0.5) curve.push_back({v, SynthTurbinePowerFraction(v) * rated});
  SynthPlant plant;
  plant.measurements = std::move(measurements);
  plant.nwp = std::move(nwp);
  plant.turbines = std::move(turbines);
  plant.site = {
      {"kind", "wind"},
      {"capacity_mw", options.capacity_mw},
      {"turbines", nt},
      {"turbine_rated_mw", rated},
      {"latitude", options.latitude},
      {"longitude", options.longitude},
      {"altitude", options.altitude},
      {"hub_height", options.hub_height},
      {"seed", options.seed},
      {"start", io::FormatRfc3339(options.start, options.utc_offset_minutes)},
      {"days", options.days},
      {"rows", n},
      {"cut_in", 3.0},
      {"rated_speed", 12.0},
      {"cut_out", 25.0},
      {"collection_loss", kCollectionLoss},
      {"turbine_power_curve",
       {{"columns", {"wind_speed", "power_mw"}}, {"air_density", kReferenceAirDensity}, {"points", curve}}},
      {"nwp_sources", sources},
      {"curtailment", curtailments},
      {"outage_turbine_days", outage_turbine_days},
      {"defects", defects}};
  return plant;
}

}  // namespace seed::kernels
