#pragma once
// The report's anemometer-tower section, from the JSON `seed-job tower` writes: a wind rose (SVG),
// the turbulence intensity curve against the IEC 61400-1 categories (SVG), and tables of the
// shear exponents and Weibull fits.
#include <nlohmann/json.hpp>
#include <string>

namespace seed::commands {

// Throws io::InputError naming `source` when the JSON is not a tower statistics file.
std::string TowerSection(const nlohmann::json& tower, const std::string& source);

}  // namespace seed::commands
