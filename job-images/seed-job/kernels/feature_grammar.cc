#include "kernels/feature_grammar.h"

#include <fnmatch.h>

#include <charconv>

#include "io/input_error.h"

namespace seed::kernels {
namespace {

constexpr const char* kGrammarHint =
    " (grammar: NAME, SITE/COLUMN, FUNC(ARG,...), then any of @+1h, @-30min, @run-12h, ~3h; "
    "see the seed-job README)";

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '/';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  FeatureExpr Feature(bool is_arg) {
    if (++depth_ > 32) Fail("nested more than 32 deep");
    FeatureExpr expr = Term(is_arg);
    while (pos_ < text_.size() && (text_[pos_] == '@' || text_[pos_] == '~')) {
      FeatureExpr outer;
      if (text_[pos_] == '~') {
        ++pos_;
        outer.kind = FeatureExpr::Kind::kRolling;
        outer.seconds = Duration();
        if (outer.seconds <= 0) Fail("a rolling mean needs a positive width, e.g. ~3h");
      } else if (text_.substr(pos_, 5) == "@run-") {
        pos_ += 5;
        outer.kind = FeatureExpr::Kind::kRunShift;
        outer.seconds = Duration();
        if (outer.seconds <= 0) Fail("@run- needs a positive duration, e.g. @run-12h");
      } else {
        ++pos_;
        if (pos_ >= text_.size() || (text_[pos_] != '+' && text_[pos_] != '-')) {
          Fail("expected + or - after '@' (e.g. ws@+1h, ws@-1h, or ws@run-12h)");
        }
        const bool minus = text_[pos_++] == '-';
        outer.kind = FeatureExpr::Kind::kShift;
        outer.seconds = (minus ? -1 : 1) * Duration();
      }
      outer.args.push_back(std::move(expr));
      expr = std::move(outer);
    }
    --depth_;
    return expr;
  }

  void End() {
    if (pos_ != text_.size()) Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw io::InputError("", "feature '" + std::string(text_) + "': " + what + " at character " +
                                 std::to_string(pos_ + 1) + kGrammarHint);
  }

  std::string_view Name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  FeatureExpr Term(bool is_arg) {
    const size_t start = pos_;
    const std::string_view name = Name();
    if (name.empty()) Fail("expected a name");
    FeatureExpr expr;
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      expr.kind = FeatureExpr::Kind::kCall;
      expr.name = std::string(name);
      const FeatureFunction* fn = nullptr;
      for (const auto& f : FeatureFunctions()) {
        if (expr.name == f.name) fn = &f;
      }
      if (fn == nullptr) {
        std::string known;
        for (const auto& f : FeatureFunctions()) known += std::string(known.empty() ? "" : ", ") + f.name;
        pos_ = start;
        Fail("unknown function '" + expr.name + "' (functions: " + known + ")");
      }
      while (true) {
        expr.args.push_back(Feature(true));
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == ')') {
          ++pos_;
          break;
        }
        Fail("expected ',' or ')'");
      }
      if (expr.args.size() < fn->min_args || expr.args.size() > fn->max_args) {
        pos_ = start;
        Fail(expr.name + "() takes " + std::to_string(fn->min_args) +
             (fn->max_args == fn->min_args ? "" : " to " + std::to_string(fn->max_args)) +
             " arguments, got " + std::to_string(expr.args.size()));
      }
      return expr;
    }
    double number = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
    if (is_arg && ec == std::errc() && ptr == name.data() + name.size()) {
      expr.kind = FeatureExpr::Kind::kNumber;
      expr.number = number;
      return expr;
    }
    expr.name = std::string(name);
    return expr;
  }

  int64_t Duration() {
    const size_t start = pos_;
    while (pos_ < text_.size() && ((text_[pos_] >= '0' && text_[pos_] <= '9') || text_[pos_] == '.')) ++pos_;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (start == pos_ || ec != std::errc() || ptr != text_.data() + pos_)
      Fail("expected a duration such as 1h or 30min");
    const size_t unit_start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= 'a' && text_[pos_] <= 'z') ++pos_;
    const std::string_view unit = text_.substr(unit_start, pos_ - unit_start);
    double scale = 0;
    if (unit == "s") scale = 1;
    if (unit == "min") scale = 60;
    if (unit == "h") scale = 3600;
    if (unit == "d") scale = 86400;
    if (scale == 0) {
      pos_ = unit_start;
      Fail("a duration needs a unit: s, min, h or d");
    }
    return static_cast<int64_t>(value * scale + 0.5);
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

const std::vector<FeatureFunction>& FeatureFunctions() {
  static const std::vector<FeatureFunction> functions = {
      {"speed", 2, 2, "speed(u,v): wind speed sqrt(u^2 + v^2) from its components (m/s)"},
      {"dir_sin", 2, 2, "dir_sin(u,v): sine of the direction the wind blows from"},
      {"dir_cos", 2, 2, "dir_cos(u,v): cosine of the direction the wind blows from"},
      {"shear", 4, 4,
       "shear(ws_low,ws_high,h_low,h_high): power-law shear exponent ln(ws_high/ws_low)/ln(h_high/h_low)"},
      {"rho", 2, 3, "rho(t,p[,rh]): air density (kg/m3), ideal gas, moist with relative humidity rh (%)"},
      {"rho_td", 3, 3, "rho_td(t,p,td): air density (kg/m3) with humidity from the dew point td"},
      {"acc", 1, 1,
       "acc(x): an accumulation since the run start (J/m2) as the mean rate over the step before (W/m2)"},
      {"csi", 1, 1,
       "csi(x): clear-sky index, irradiance x over Haurwitz clear-sky GHI (0 at night, at most 1.5)"},
      {"kt", 1, 1,
       "kt(x): clearness index, irradiance x over extraterrestrial horizontal irradiance (0 at night)"},
  };
  return functions;
}

FeatureExpr ParseFeature(std::string_view text) {
  Parser parser(text);
  FeatureExpr expr = parser.Feature(false);
  parser.End();
  return expr;
}

std::vector<std::string> ExpandFeatureList(const std::string& list, const std::vector<std::string>& columns) {
  std::vector<std::string> items;
  int depth = 0;
  std::string current;
  for (char c : list) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(current);
      current.clear();
    } else if (c != ' ') {
      current += c;
    }
  }
  items.push_back(current);
  std::vector<std::string> out;
  for (const std::string& item : items) {
    if (item.empty()) throw io::UsageError("--features: an empty name in '" + list + "'");
    if (item.rfind("col:", 0) != 0) {
      out.push_back(item);
      continue;
    }
    const std::string pattern = item.substr(4);
    size_t matched = 0;
    for (const std::string& column : columns) {
      if (fnmatch(pattern.c_str(), column.c_str(), 0) == 0) {
        out.push_back(column);
        ++matched;
      }
    }
    if (matched == 0) {
      std::string have;
      for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c;
      throw io::UsageError("--features: '" + item + "' matches no NWP column (the columns are: " + have +
                           ")");
    }
  }
  return out;
}

}  // namespace seed::kernels
