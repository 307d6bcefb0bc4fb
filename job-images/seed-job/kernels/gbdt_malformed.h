#pragma once
// The one error every structural check of a gbdt model throws, whether the model comes from a
// file (gbdt_model_json.cc) or is checked before prediction (gbdt_model.cc).
#include <stdexcept>
#include <string>

namespace seed::kernels {

[[noreturn]] inline void Malformed(const std::string& what) { throw std::invalid_argument("gbdt model: " + what); }

}  // namespace seed::kernels
