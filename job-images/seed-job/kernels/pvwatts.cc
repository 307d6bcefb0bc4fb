#include "kernels/pvwatts.h"

#include <algorithm>
#include <cmath>

namespace seed::kernels {

double PvwattsDc(double poa_effective, double cell_temp_c, double pdc0, double gamma_pdc, double temp_ref) {
  return poa_effective * 0.001 * pdc0 * (1.0 + gamma_pdc * (cell_temp_c - temp_ref));
}

double PvwattsAc(double pdc, double pdc0, double eta_inv_nom, double eta_inv_ref) {
  if (!(pdc0 > 0)) return 0.0;
  const double pac0 = eta_inv_nom * pdc0;
  const double zeta = pdc / pdc0;
  // The efficiency curve is undefined at zero input; an idle inverter delivers nothing.
  if (!(zeta > 0)) return 0.0;
  const double eta = eta_inv_nom / eta_inv_ref * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
  return std::max(std::min(eta * pdc, pac0), 0.0);
}

double CellTemperatureSapm(double poa_global, double air_temp_c, double wind_speed, double a, double b,
                           double delta_t) {
  const double module = poa_global * std::exp(a + b * wind_speed) + air_temp_c;
  return module + poa_global / 1000.0 * delta_t;
}

}  // namespace seed::kernels
