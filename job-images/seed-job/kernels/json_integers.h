#pragma once
// Integers read from a model file. nlohmann's get<unsigned>() converts a 2e20 or a 1.5 with a plain
// cast (undefined behaviour out of range) and wraps a -1 around; these refuse anything but an
// integer in T's range, with the field's name (std::invalid_argument, which the model readers turn
// into their own error).
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace seed::kernels {

template <typename T>
T ReadInteger(const nlohmann::json& value, const std::string& what) {
  const bool fits =
      value.is_number_unsigned()
          ? value.get<unsigned long long>() <= static_cast<unsigned long long>(std::numeric_limits<T>::max())
          : value.is_number_integer() && value.get<long long>() >= 0 &&
                static_cast<unsigned long long>(value.get<long long>()) <=
                    static_cast<unsigned long long>(std::numeric_limits<T>::max());
  if (!fits) {
    throw std::invalid_argument(what + " must be a whole number from 0 to " +
                                std::to_string(std::numeric_limits<T>::max()) + ", got " + value.dump());
  }
  return static_cast<T>(value.get<unsigned long long>());
}

template <typename T>
std::vector<T> ReadIntegers(const nlohmann::json& value, const std::string& what) {
  if (!value.is_array()) throw std::invalid_argument(what + " must be an array of whole numbers");
  std::vector<T> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i)
    out.push_back(ReadInteger<T>(value[i], what + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace seed::kernels
