#include "kernels/synth_solar.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>

#include "io/time.h"
#include "kernels/clearsky.h"
#include "kernels/irradiance.h"
#include "kernels/numeric.h"
#include "kernels/solar_model.h"
#include "kernels/solar_position.h"
#include "kernels/synth_random.h"

namespace seed::kernels {
namespace {

using synth::Ar1;
using synth::IsSourceName;
using synth::kStepHours;
using synth::Rng;
using synth::Round;
using synth::StreamSeed;

// Day regimes: a Markov chain that mostly keeps yesterday's sky.
enum Regime { kClear = 0, kPartly = 1, kOvercast = 2 };
constexpr double kRegimeMean[] = {0.97, 0.7, 0.3};     // mean clear-sky index
constexpr double kRegimeSpread[] = {0.02, 0.22, 0.12};  // fast cloud fluctuation
constexpr double kTransition[3][3] = {{0.65, 0.25, 0.10}, {0.30, 0.45, 0.25}, {0.20, 0.40, 0.40}};

struct SolarNwpProfile {
  double ghi_scale, lag_steps, noise_sd, t2m_bias;
};

}  // namespace

SynthPlant SynthesizeSolarPlant(const SolarSynthOptions& o) {
  if (o.days < 1) throw std::invalid_argument("solar synth: days must be at least 1");
  if (!(o.capacity_mw > 0)) throw std::invalid_argument("solar synth: capacity_mw must be positive");
  if (!(o.dc_ac_ratio >= 0.5 && o.dc_ac_ratio <= 2.5)) throw std::invalid_argument("solar synth: dc_ac_ratio must be in 0.5..2.5");
  if (!(std::abs(o.latitude) <= 66)) throw std::invalid_argument("solar synth: latitude must be within +-66 degrees");
  if (!(std::abs(o.longitude) <= 180)) throw std::invalid_argument("solar synth: longitude must be within +-180 degrees");
  if (!(o.tilt >= 0 && o.tilt <= 90)) throw std::invalid_argument("solar synth: tilt must be 0..90 degrees");
  for (const std::string& s : o.nwp_sources) {
    if (!IsSourceName(s)) throw std::invalid_argument("solar synth: NWP source name '" + s + "' must be a short lowercase identifier");
  }

  const size_t n = static_cast<size_t>(o.days) * 96;
  std::vector<int64_t> times(n);
  for (size_t t = 0; t < n; ++t) times[t] = o.start + static_cast<int64_t>(t) * io::kQuarterHour;
  const int64_t offset_s = static_cast<int64_t>(o.utc_offset_minutes) * 60;

  PvSystem system;
  system.latitude = o.latitude;
  system.longitude = o.longitude;
  system.altitude_m = o.altitude;
  system.tilt = o.tilt;
  system.azimuth = o.azimuth;
  system.dc_capacity = o.capacity_mw * o.dc_ac_ratio;
  system.ac_capacity = o.capacity_mw;
  system.sky = SkyModel::kHayDavies;
  const double pressure = PressureFromAltitude(o.altitude);

  // --- weather ----------------------------------------------------------------------------------
  Rng sky(StreamSeed(o.seed, 1));
  std::vector<int> regime(static_cast<size_t>(o.days));
  int counts[3] = {0, 0, 0};
  regime[0] = kPartly;
  for (size_t d = 0; d < regime.size(); ++d) {
    if (d > 0) {
      const double u = sky.Uniform();
      const double* row = kTransition[regime[d - 1]];
      regime[d] = u < row[0] ? kClear : (u < row[0] + row[1] ? kPartly : kOvercast);
    }
    ++counts[regime[d]];
  }
  // Clear-sky index: a slow part that relaxes towards the day's regime (fronts take hours to pass),
  // plus fast cumulus-like fluctuations whose size depends on the regime.
  Ar1 fast(0.75, sky), slow_noise(4.0, sky), synoptic(48.0, sky), temp_noise(3.0, sky);
  std::vector<double> slow_index(n), clear_index(n), ghi(n), dni(n), dhi(n), temperature(n), zenith(n), cs_ghi(n);
  double slow = kRegimeMean[regime[0]];
  for (size_t t = 0; t < n; ++t) {
    const int64_t local = times[t] + offset_s;
    const size_t day = std::min(t / 96, regime.size() - 1);
    const double target = kRegimeMean[regime[day]];
    slow += (target - slow) * (1 - std::exp(-kStepHours / 3.0));
    slow_index[t] = std::clamp(slow + 0.05 * slow_noise.Next(sky), 0.05, 1.0);
    const double k = std::clamp(slow_index[t] + kRegimeSpread[regime[day]] * fast.Next(sky), 0.03, 1.15);
    clear_index[t] = k;

    SpaInput spa;
    spa.unix_seconds = times[t];
    spa.latitude = o.latitude;
    spa.longitude = o.longitude;
    spa.elevation_m = o.altitude;
    spa.pressure_hpa = pressure;
    const SolarPosition sun = SolarPositionSpa(spa);
    zenith[t] = sun.apparent_zenith;
    const double dni_extra = ExtraterrestrialDni(DayOfYearUtc(times[t]));
    const double am = AirmassAbsolute(AirmassRelativeKastenYoung(sun.apparent_zenith), pressure);
    const ClearSky cs = ClearSkyIneichen(sun.apparent_zenith, am, system.linke_turbidity, o.altitude, dni_extra);
    cs_ghi[t] = cs.ghi;
    ghi[t] = cs.ghi * k;
    const Decomposition split = DecomposeErbs(ghi[t], sun.apparent_zenith, dni_extra);
    dni[t] = split.dni;
    dhi[t] = split.dhi;

    // Seasonal mean (coldest mid-January), diurnal swing peaking at 15:00 local, larger under clear skies.
    const double doy = static_cast<double>(DayOfYearUtc(local));
    const double hour = static_cast<double>(((local % io::kDay) + io::kDay) % io::kDay) / 3600.0;
    const double seasonal = 10.0 - 14.0 * std::cos(2 * kPi * (doy - 15) / 365.0);
    const double swing = 4.0 + 5.0 * slow_index[t];
    temperature[t] = seasonal + swing * std::cos(2 * kPi * (hour - 15) / 24.0) + 3.0 * synoptic.Next(sky) +
                     0.3 * temp_noise.Next(sky);
  }

  // --- plant --------------------------------------------------------------------------------------
  Rng ops(StreamSeed(o.seed, 2));
  std::vector<double> power(n), available(n, o.capacity_mw);
  nlohmann::json outages = nlohmann::json::array();
  if (o.defects) {
    // A few inverter outages: one of 8 inverter blocks down for hours to days.
    for (size_t t = 0; t < n; ++t) {
      if (!ops.Chance(1.0 / (96.0 * 40))) continue;  // about one every 40 days
      const int blocks = ops.Between(1, 2);
      const size_t len = static_cast<size_t>(ops.Between(8, 96 * 3));
      for (size_t k = t; k < std::min(n, t + len); ++k) available[k] = o.capacity_mw * (1 - blocks / 8.0);
      outages.push_back({{"start", io::FormatRfc3339(times[t], o.utc_offset_minutes)},
                         {"hours", static_cast<double>(len) / 4},
                         {"available_mw", o.capacity_mw * (1 - blocks / 8.0)}});
      t += len;
    }
  }
  for (size_t t = 0; t < n; ++t) {
    SolarWeather w;
    w.unix_seconds = times[t];
    w.ghi = ghi[t];
    w.dni = dni[t];
    w.dhi = dhi[t];
    w.air_temp_c = temperature[t];
    w.wind_speed = 2.0;
    w.pressure_hpa = pressure;
    const double share = available[t] / o.capacity_mw;
    double p = RunSolarModel(system, w).pac * share;
    if (p > 0) {
      p = std::min(p * (1 + 0.01 * ops.Normal()), available[t]);
    } else {
      p = -0.001 * o.capacity_mw;  // night: the plant draws a little auxiliary power
    }
    power[t] = p;
  }

  // --- measurements, with sensor gaps -------------------------------------------------------------
  Rng sensors(StreamSeed(o.seed, 3));
  std::vector<double> m_power(n), m_ghi(n), m_dni(n), m_dhi(n), m_temp(n), m_available(n);
  for (size_t t = 0; t < n; ++t) {
    const bool day = ghi[t] > 0;
    m_power[t] = Round(power[t], 3);
    m_ghi[t] = day ? Round(std::max(ghi[t] * (1 + 0.02 * sensors.Normal()), 0.0), 1) : 0.0;
    m_dni[t] = day ? Round(std::max(dni[t] * (1 + 0.03 * sensors.Normal()), 0.0), 1) : 0.0;
    m_dhi[t] = day ? Round(std::max(dhi[t] * (1 + 0.03 * sensors.Normal()), 0.0), 1) : 0.0;
    m_temp[t] = Round(temperature[t] + 0.2 * sensors.Normal(), 1);
    m_available[t] = Round(available[t], 3);
  }
  int gaps = 0;
  if (o.defects) {
    Rng faults(StreamSeed(o.seed, 4));
    std::vector<std::vector<double>*> all = {&m_power, &m_ghi, &m_dni, &m_dhi, &m_temp, &m_available};
    for (size_t t = 0; t < n; ++t) {
      if (!faults.Chance(1.0 / (96.0 * 20))) continue;  // a logger gap about every 20 days
      const size_t len = static_cast<size_t>(faults.Between(1, 24));
      for (size_t k = t; k < std::min(n, t + len); ++k) {
        for (auto* column : all) (*column)[k] = kMissing;
      }
      ++gaps;
      t += len;
    }
  }
  io::Frame measurements = io::MakeFrame(times, o.utc_offset_minutes);
  measurements.Set("power_mw", std::move(m_power));
  measurements.Set("ghi", std::move(m_ghi));
  measurements.Set("dni", std::move(m_dni));
  measurements.Set("dhi", std::move(m_dhi));
  measurements.Set("temperature_c", std::move(m_temp));
  measurements.Set("available_mw", std::move(m_available));

  // --- NWP sources --------------------------------------------------------------------------------
  // NWP resolves the cloud regime, not individual clouds: it follows the slow clear-sky index, with a
  // source-specific scale, timing error and an error process that persists for hours.
  io::Frame nwp = io::MakeFrame(times, o.utc_offset_minutes);
  nlohmann::json sources = nlohmann::json::array();
  for (size_t s = 0; s < o.nwp_sources.size(); ++s) {
    Rng rng(StreamSeed(o.seed, 100 + s));
    const SolarNwpProfile profile{0.9 + 0.25 * rng.Uniform(), static_cast<double>(rng.Between(-4, 4)),
                             0.08 + 0.12 * rng.Uniform(), -1.5 + 3 * rng.Uniform()};
    Ar1 index_error(4.0, rng), t_error(12.0, rng);
    std::vector<double> g(n), t2m(n);
    for (size_t t = 0; t < n; ++t) {
      const auto lagged = static_cast<size_t>(
          std::clamp<long>(static_cast<long>(t) - static_cast<long>(profile.lag_steps), 0, static_cast<long>(n) - 1));
      const double k = std::clamp(slow_index[lagged] + profile.noise_sd * index_error.Next(rng), 0.03, 1.1);
      g[t] = Round(std::max(0.0, profile.ghi_scale * cs_ghi[t] * k), 1);
      t2m[t] = Round(temperature[lagged] + profile.t2m_bias + 1.0 * t_error.Next(rng), 1);
    }
    const std::string& name = o.nwp_sources[s];
    nwp.Set(name + "_ghi", std::move(g));
    nwp.Set(name + "_t2m", std::move(t2m));
    sources.push_back({{"name", name},
                       {"ghi_scale", profile.ghi_scale},
                       {"lag_minutes", profile.lag_steps * 15},
                       {"clear_index_noise_sd", profile.noise_sd},
                       {"t2m_bias", profile.t2m_bias}});
  }

  SynthPlant plant;
  plant.measurements = std::move(measurements);
  plant.nwp = std::move(nwp);
  plant.site = {{"kind", "solar"},
                {"capacity_mw", o.capacity_mw},
                {"dc_capacity_mw", system.dc_capacity},
                {"latitude", o.latitude},
                {"longitude", o.longitude},
                {"altitude", o.altitude},
                {"tilt", o.tilt},
                {"azimuth", o.azimuth},
                {"seed", o.seed},
                {"start", io::FormatRfc3339(o.start, o.utc_offset_minutes)},
                {"days", o.days},
                {"rows", n},
                {"model",
                 {{"clear_sky", "ineichen"},
                  {"linke_turbidity", system.linke_turbidity},
                  {"decomposition", "erbs"},
                  {"sky_diffuse", "hay-davies"},
                  {"albedo", system.albedo},
                  {"cell_temperature", "sapm open rack, wind 2 m/s"},
                  {"gamma_pdc", system.gamma_pdc},
                  {"dc_losses", system.losses},
                  {"eta_inv_nom", system.eta_inv_nom}}},
                {"regime_days", {{"clear", counts[kClear]}, {"partly_cloudy", counts[kPartly]}, {"overcast", counts[kOvercast]}}},
                {"nwp_sources", sources},
                {"outages", outages},
                {"defects", {{"logger_gaps", gaps}}}};
  return plant;
}

}  // namespace seed::kernels
