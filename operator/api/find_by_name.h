#pragma once
// Lookup by `name` in the small lists of a spec (params, outputs, tasks): the first match, or null.
#include <string>
#include <vector>

namespace seed::api {

template <class T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace seed::api
