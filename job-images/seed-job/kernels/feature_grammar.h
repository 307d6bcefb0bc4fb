#pragma once
// The feature-name grammar: how a name given to `train --features` (and stored in the artifact)
// says what to compute. Parsing only; kernels/features.cc evaluates.
//
//   feature  := term suffix*
//   term     := name                       a built-in feature (ws, hour_sin, ...), else an NWP column
//             | site '/' column            a neighbour's column (train --nwp-neighbours)
//             | func '(' arg {',' arg} ')' a derived quantity, e.g. speed(u100,v100)
//   arg      := feature | number
//   suffix   := '@' ('+'|'-') duration     the value at valid time +/- duration, same run
//             | '@run-' duration           the same valid time from the run issued duration earlier
//             | '~' duration               centred rolling mean over duration, same run
//   duration := number ('s'|'min'|'h'|'d')
// and, only in a --features list, `col:GLOB` (fnmatch, e.g. col:u*) expands at train time to
// every NWP column whose name matches.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seed::kernels {

struct FeatureExpr {
  enum class Kind { kName, kNumber, kCall, kShift, kRunShift, kRolling };
  Kind kind = Kind::kName;
  std::string name;               // kName: the name (with any site/ prefix); kCall: the function
  double number = 0;              // kNumber
  int64_t seconds = 0;            // kShift (signed), kRunShift (how much earlier), kRolling (width)
  std::vector<FeatureExpr> args;  // kCall: arguments; suffixes: the one operand
};

// Throws io::InputError("feature 'text': what is wrong at which character, and the grammar").
FeatureExpr ParseFeature(std::string_view text);

// The derived functions: name, arity (min, max) and a one-line description.
struct FeatureFunction {
  const char* name;
  size_t min_args, max_args;
  const char* description;
};
const std::vector<FeatureFunction>& FeatureFunctions();

// Splits a comma-separated --features list at top-level commas (not those inside parentheses)
// and expands each `col:GLOB` against `columns` (in column order). Throws io::UsageError for a
// glob that matches nothing, listing the columns.
std::vector<std::string> ExpandFeatureList(const std::string& list, const std::vector<std::string>& columns);

}  // namespace seed::kernels
