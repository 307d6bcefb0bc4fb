#pragma once

#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>

#include "kube/error.h"

namespace kube {

// A value or a kube::Error. The library never throws across its API; callers test ok() and read
// value() or error(). value() on an error throws std::logic_error: that is a programming mistake.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(runtime/explicit)
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(runtime/explicit)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { Check(); return std::get<0>(data_); }
  const T& value() const& { Check(); return std::get<0>(data_); }
  T&& value() && { Check(); return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on a value");
    return std::get<1>(data_);
  }

 private:
  void Check() const {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + std::get<1>(data_).ToString());
  }
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(runtime/explicit)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on success");
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace kube
