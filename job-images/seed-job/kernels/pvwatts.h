#pragma once
// PV conversion: cell temperature and the PVWatts v5 DC and inverter models (pvlib.pvsystem.pvwatts_dc,
// pvlib.inverter.pvwatts, pvlib.temperature.sapm_cell). Units follow the caller (W or MW alike).

namespace seed::kernels {

// DC power: (G_poa_eff / 1000) pdc0 (1 + gamma (T_cell - T_ref)).
double PvwattsDc(double poa_effective, double cell_temp_c, double pdc0, double gamma_pdc, double temp_ref = 25.0);

// Inverter: efficiency curve of PVWatts v5, output capped at eta_inv_nom * pdc0 and floored at 0.
// pdc0 here is the inverter's DC input rating (its AC rating / eta_inv_nom).
double PvwattsAc(double pdc, double pdc0, double eta_inv_nom = 0.96, double eta_inv_ref = 0.9637);

// Sandia (King et al. 2004) module back-surface and cell temperature. Defaults: glass/cell/polymer
// sheet, open rack (a = -3.56, b = -0.075, dT = 3).
double CellTemperatureSapm(double poa_global, double air_temp_c, double wind_speed, double a = -3.56,
                           double b = -0.075, double delta_t = 3.0);

}  // namespace seed::kernels
