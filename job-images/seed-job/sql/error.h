#pragma once
// The one error type of the sql room. `transient` says whether the same query may succeed when
// tried again (a dropped connection, a server not accepting connections yet, a statement
// timeout); everything else (a bad DSN, a refused login, an unknown column) is the user's to fix.
// Messages never contain a password.
#include <stdexcept>
#include <string>

namespace seed::sql {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, bool transient) : std::runtime_error(message), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

}  // namespace seed::sql
