#include "kernels/model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include "io/atomic_file.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "io/time.h"
#include "kernels/ensemble.h"
#include "kernels/gbdt.h"
#include "kernels/gbdt_thread_pool.h"
#include "kernels/json_integers.h"
#include "kernels/power_curve.h"
#include "kernels/pv_physical.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"

namespace seed::kernels {
namespace {

nlohmann::json SourceToJson(const FeatureSource& s) {
  nlohmann::json j = {{"speedColumn", s.speed_column},
                      {"directionColumn", s.direction_column},
                      {"spreadColumn", s.spread_column},
                      {"ghiColumn", s.ghi_column},
                      {"temperatureColumn", s.temperature_column},
                      {"latitude", s.latitude},
                      {"longitude", s.longitude},
                      {"altitude", s.altitude},
                      {"tilt", s.tilt},
                      {"azimuth", s.azimuth},
                      {"dcAcRatio", s.dc_ac_ratio}};
  // Written only when set, so artifacts without them keep their layout.
  if (!s.interval_columns.empty()) j["intervalColumns"] = s.interval_columns;
  if (!s.neighbours.empty()) j["neighbours"] = s.neighbours;
  return j;
}

FeatureSource SourceFromJson(const nlohmann::json& j) {
  FeatureSource s;
  s.speed_column = j.at("speedColumn").get<std::string>();
  s.direction_column = j.at("directionColumn").get<std::string>();
  s.spread_column = j.at("spreadColumn").get<std::string>();
  s.ghi_column = j.at("ghiColumn").get<std::string>();
  s.temperature_column = j.at("temperatureColumn").get<std::string>();
  s.latitude = j.at("latitude").get<double>();
  s.longitude = j.at("longitude").get<double>();
  s.altitude = j.at("altitude").get<double>();
  s.tilt = j.at("tilt").get<double>();
  s.azimuth = j.at("azimuth").get<double>();
  if (j.contains("intervalColumns"))
    s.interval_columns = j.at("intervalColumns").get<std::vector<std::string>>();
  if (j.contains("neighbours")) s.neighbours = j.at("neighbours").get<std::vector<std::string>>();
  s.dc_ac_ratio = j.value("dcAcRatio", 1.0);  // absent in artifacts older than the pvwatts model
  return s;
}

}  // namespace

std::string QuantileColumn(double tau) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, std::round(tau * 1e6) / 1e4).ptr;
  return "p" + std::string(buf, end);
}

std::string ModelChecksum(const nlohmann::json& json_without_checksum) {
  return "sha256:" + io::Sha256Hex(json_without_checksum.dump());
}

namespace {

// The artifact's members but its checksum and the two large ones, scores and parameters.
nlohmann::json SmallMembers(const ModelArtifact& a) {
  nlohmann::json small = {
      {"format", kModelFormat},
      {"formatVersion", kModelFormatVersion},
      {"kind", a.kind},
      {"features", a.features},
      {"featureSource", SourceToJson(a.source)},
      {"quantiles", a.quantiles},
      {"capacityMw", a.capacity_mw},
      {"trainingWindow",
       {{"start", io::FormatRfc3339(a.train_start, 0, true)}, {"end", io::FormatRfc3339(a.train_end, 0, true)}, {"rows", a.train_rows}}},
  };
  if (a.point != "median") small["point"] = a.point;  // written only when set, so older artifacts keep their layout
  return small;
}

// value.dump(), with the elements of value's arrays of objects (a gbdt artifact's quantile models,
// megabytes of numbers) serialised side by side.
std::string DumpSideBySide(const nlohmann::json& value) {
  if (!value.is_object()) return value.dump();
  std::string text = "{";
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it != value.begin()) text += ',';
    text += nlohmann::json(it.key()).dump() + ":";
    const nlohmann::json& member = it.value();
    if (!member.is_array() || member.size() < 2 || !member[0].is_object()) {
      text += member.dump();
      continue;
    }
    std::vector<std::future<std::string>> parts;
    for (const nlohmann::json& element : member) {
      parts.push_back(std::async(std::launch::async, [&element] { return element.dump(); }));
    }
    text += '[';
    for (size_t k = 0; k < parts.size(); ++k) {
      if (k > 0) text += ',';
      text += parts[k].get();
    }
    text += ']';
  }
  return text += '}';
}

// What ToJson().dump() gives, without copying the large members into one JSON value and with every
// member serialised once: the hashed text is the other members joined in the object's (sorted)
// order, and the checksum member is then put where that order puts it.
std::string TextWithChecksum(const ModelArtifact& a) {
  const nlohmann::json small = SmallMembers(a);
  std::map<std::string, const nlohmann::json*> sorted;  // ordered as a JSON object's members
  for (auto it = small.begin(); it != small.end(); ++it) sorted[it.key()] = &it.value();
  sorted["scores"] = &a.scores;
  sorted["parameters"] = &a.parameters;
  std::string text = "{";
  size_t checksum_at = 1;  // the offset at which the checksum member goes
  bool before_checksum = false;  // whether the member before that offset sorts before "checksum"
  for (const auto& [key, value] : sorted) {
    if (text.size() > 1) text += ',';
    text += nlohmann::json(key).dump() + ":" + DumpSideBySide(*value);
    if (key < std::string("checksum")) {
      checksum_at = text.size();
      before_checksum = true;
    }
  }
  text += '}';
  const std::string member = "\"checksum\":" + nlohmann::json("sha256:" + io::Sha256Hex(text)).dump();
  text.insert(checksum_at, before_checksum ? "," + member : text.size() > 2 ? member + "," : member);
  return text;
}

}  // namespace

nlohmann::json ModelArtifact::ToJson() const {
  nlohmann::json j = SmallMembers(*this);
  j["scores"] = scores;
  j["parameters"] = parameters;
  j["checksum"] = ModelChecksum(j);
  return j;
}

namespace {

// The fast way to verify a file as SaveModel wrote it: its text without the checksum member is
// exactly the compact dump that was hashed, so hashing that text avoids copying and re-serialising
// the whole tree. Sound because the member must occur once (so it is the top-level one the parsed
// JSON holds) and SHA-256 has no known collisions. A file that was reformatted but not changed
// fails this and is verified the canonical way.
bool TextMatchesChecksum(std::string_view text, const std::string& recorded) {
  const std::string member = "\"checksum\":\"" + recorded + "\"";
  const size_t at = text.find(member);
  if (at == std::string_view::npos || text.find(member, at + 1) != std::string_view::npos) return false;
  size_t begin = at, end = at + member.size();
  if (end < text.size() && text[end] == ',') {
    ++end;
  } else if (begin > 0 && text[begin - 1] == ',') {
    --begin;
  }
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (end > text.size()) return false;
  std::string body;
  body.reserve(text.size() - (end - begin));
  body.append(text.substr(0, begin)).append(text.substr(end));
  return "sha256:" + io::Sha256Hex(body) == recorded;
}

// The checksum the text records (the value of its "checksum" member, found in the text itself) and
// whether the text matches it (see TextMatchesChecksum): computable before the JSON is parsed.
struct TextCheck {
  std::string recorded;
  bool matches = false;
};

TextCheck CheckText(std::string_view text) {
  constexpr std::string_view key = "\"checksum\":\"";
  const size_t at = text.find(key);
  if (at == std::string_view::npos) return {};
  const size_t end = text.find('"', at + key.size());
  if (end == std::string_view::npos) return {};
  TextCheck check{std::string(text.substr(at + key.size(), end - at - key.size()))};
  check.matches = TextMatchesChecksum(text, check.recorded);
  return check;
}

// Takes the JSON by value so the (large) parameters are moved into the artifact, not copied.
// text_check: the file's text checked as SaveModel wrote it, or null.
ModelArtifact Parse(nlohmann::json json, const std::string& source, const TextCheck* text_check) {
  const auto format = json.is_object() ? json.find("format") : json.end();
  if (format == json.end() || !format->is_string() || *format != kModelFormat) {
    throw io::InputError(source, "not a Seed model artifact (expected \"format\": \"" + std::string(kModelFormat) + "\")");
  }
  if (!json.contains("checksum") || !json["checksum"].is_string()) {
    throw io::InputError(source, "model artifact has no checksum; it was not written by seed-job train");
  }
  const std::string recorded = json["checksum"].get<std::string>();
  if (text_check == nullptr || !text_check->matches || text_check->recorded != recorded) {
    nlohmann::json body = json;
    body.erase("checksum");
    const std::string expected = ModelChecksum(body);
    if (recorded != expected) {
      throw io::InputError(source, "model checksum mismatch: the file was changed after training (recorded " +
                                       recorded + ", content hashes to " + expected + ")");
    }
  }
  ModelArtifact m;
  try {
    const int version = ReadInteger<int>(json.at("formatVersion"), "formatVersion");
    if (version != kModelFormatVersion) {
      throw io::InputError(source, "model format version " + std::to_string(version) + " is not supported (this seed-job reads version " +
                                       std::to_string(kModelFormatVersion) + ")");
    }
    m.kind = json.at("kind").get<std::string>();
    m.features = json.at("features").get<std::vector<std::string>>();
    m.source = SourceFromJson(json.at("featureSource"));
    m.quantiles = json.at("quantiles").get<std::vector<double>>();
    m.capacity_mw = json.at("capacityMw").get<double>();
    const auto& window = json.at("trainingWindow");
    m.train_start = io::ParseRfc3339(window.at("start").get<std::string>()).unix_seconds;
    m.train_end = io::ParseRfc3339(window.at("end").get<std::string>()).unix_seconds;
    m.train_rows = ReadInteger<size_t>(window.at("rows"), "trainingWindow.rows");
    m.point = json.value("point", "median");
    m.scores = std::move(json.at("scores"));
    m.parameters = std::move(json.at("parameters"));
  } catch (const nlohmann::json::exception& e) {
    throw io::InputError(source, std::string("malformed model artifact: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::InputError(source, std::string("malformed model artifact: ") + e.what());
  }
  if (!(m.capacity_mw > 0)) throw io::InputError(source, "model capacityMw must be positive");
  if (m.quantiles.empty() || !std::is_sorted(m.quantiles.begin(), m.quantiles.end()) ||
      std::find(m.quantiles.begin(), m.quantiles.end(), 0.5) == m.quantiles.end()) {
    throw io::InputError(source, "model quantiles must be a sorted, non-empty list holding 0.5");
  }
  if (m.point != "median" && m.point != "mean") {
    throw io::InputError(source, "model point must be \"median\" or \"mean\", not \"" + m.point + "\"");
  }
  return m;
}

}  // namespace

ModelArtifact ParseModel(const nlohmann::json& json, const std::string& source) { return Parse(json, source, nullptr); }

ModelArtifact LoadModel(const std::string& path) {
  const std::string text = io::ReadFile(path);
  // The text is hashed while it is parsed (both single-threaded). The future's destructor waits
  // for the hash, so `text` outlives it also when parsing throws.
  std::future<TextCheck> check = std::async(std::launch::async, [&text] { return CheckText(text); });
  nlohmann::json json = io::ParseJson(text, path);
  const TextCheck text_check = check.get();
  return Parse(std::move(json), path, &text_check);
}

void SaveModel(const std::string& path, const ModelArtifact& model) {
  std::string text = TextWithChecksum(model);
  text += '\n';
  io::WriteFileAtomic(path, text);
}

// Fewer rows than this are predicted on the calling thread: starting threads would cost more.
constexpr size_t kMinRowsPerPool = 1024;

struct Predictor::Impl {
  std::string kind;
  double capacity = 0;
  std::vector<double> quantiles;
  size_t num_features = 0;
  size_t median = 0;        // index of 0.5 in quantiles
  bool point_mean = false;  // the point forecast is the quantile function's mean, not the median
  std::vector<size_t> anchors;   // the levels fitted (indices into quantiles); the rest are interpolated
  std::vector<GbdtModel> gbdt;  // gbdt: one per anchor; gbdt-mean: the one model of the mean
  std::vector<double> calibration;  // gbdt: conformal shift per anchor (0 when absent)
  RidgeModel ridge;
  PowerCurve curve;
  ResidualQuantiles residuals;  // point models (gbdt-mean, linear, powercurve, pvwatts)
  PvPhysicalModel pv;  // pvwatts
  // ensemble: the members, the artifact's feature columns each reads (in its own order; empty when
  // it reads them all as they are) and their weights.
  std::vector<Predictor> members;
  std::vector<std::vector<size_t>> member_columns;
  std::vector<double> weights;
};

namespace {

// The tree models of parameters["models"]: `fitted` when given (moved from), else decoded side by
// side (each is single-threaded work).
std::vector<GbdtModel> TreeModels(const nlohmann::json& models, std::vector<GbdtModel>* fitted) {
  if (!models.is_array()) throw std::invalid_argument("\"models\" must be a list of tree models");
  if (fitted != nullptr) {
    if (fitted->size() != models.size()) throw std::invalid_argument("the fitted tree models do not match \"models\"");
    return std::move(*fitted);
  }
  if (models.empty()) return {};
  std::vector<std::future<GbdtModel>> decoded;
  for (size_t q = 1; q < models.size(); ++q) {
    decoded.push_back(std::async(std::launch::async, [&models, q] { return GbdtModel::FromJson(models[q]); }));
  }
  std::optional<GbdtModel> first;
  std::exception_ptr error;
  try {
    first = GbdtModel::FromJson(models[0]);
  } catch (...) {
    error = std::current_exception();
  }
  for (auto& d : decoded) d.wait();  // no thread outlives the JSON it reads, even on an error
  if (error) std::rethrow_exception(error);
  std::vector<GbdtModel> out;
  out.push_back(std::move(*first));
  for (auto& d : decoded) out.push_back(d.get());
  return out;
}

// An ensemble member as an artifact of its own: the ensemble's site, quantiles and capacity, the
// member's kind, features and parameters.
ModelArtifact MemberArtifact(const ModelArtifact& ensemble, const nlohmann::json& member) {
  ModelArtifact m;
  m.kind = member.at("kind").get<std::string>();
  if (m.kind == "ensemble") throw std::invalid_argument("an ensemble member cannot be an ensemble");
  m.features = member.at("features").get<std::vector<std::string>>();
  m.source = ensemble.source;
  m.quantiles = ensemble.quantiles;
  m.capacity_mw = ensemble.capacity_mw;
  m.parameters = member.at("parameters");
  return m;
}

}  // namespace

Predictor::Predictor(const ModelArtifact& model) : Predictor(model, nullptr) {}

Predictor::Predictor(const ModelArtifact& model, std::vector<GbdtModel> fitted) : Predictor(model, &fitted) {}

Predictor::Predictor(const ModelArtifact& model, std::vector<GbdtModel>* fitted) : impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.kind = model.kind;
  p.capacity = model.capacity_mw;
  p.quantiles = model.quantiles;
  p.num_features = model.features.size();
  p.point_mean = model.point == "mean";
  p.median = static_cast<size_t>(std::find(p.quantiles.begin(), p.quantiles.end(), 0.5) - p.quantiles.begin());
  try {
    if (p.median == p.quantiles.size()) throw std::invalid_argument("the quantiles must hold 0.5");
    const auto& params = model.parameters;
    if (p.kind == "gbdt") {
      const auto& models = params.at("models");
      if (params.contains("anchors")) {
        p.anchors = ReadIntegers<size_t>(params.at("anchors"), "parameters.anchors");
        const bool valid = !p.anchors.empty() && std::is_sorted(p.anchors.begin(), p.anchors.end()) &&
                           std::adjacent_find(p.anchors.begin(), p.anchors.end()) == p.anchors.end() &&
                           p.anchors.back() < p.quantiles.size();
        if (!valid) throw std::invalid_argument("gbdt anchors must be increasing indices into the quantiles");
      } else {
        for (size_t q = 0; q < p.quantiles.size(); ++q) p.anchors.push_back(q);
      }
      if (!models.is_array() || models.size() != p.anchors.size()) {
        throw std::invalid_argument("gbdt artifact needs one model per anchor quantile");
      }
      p.gbdt = TreeModels(models, fitted);
      p.calibration.assign(p.anchors.size(), 0.0);
      if (params.contains("calibration")) {
        p.calibration = params.at("calibration").get<std::vector<double>>();
        if (p.calibration.size() != p.anchors.size()) {
          throw std::invalid_argument("gbdt calibration needs one shift per anchor quantile");
        }
      }
    } else if (p.kind == "gbdt-mean") {
      const auto& models = params.at("models");
      if (!models.is_array() || models.size() != 1) throw std::invalid_argument("gbdt-mean artifact needs one tree model");
      p.gbdt = TreeModels(models, fitted);
      p.residuals = ResidualQuantiles::FromJson(params.at("residuals"));
    } else if (p.kind == "linear") {
      p.ridge = RidgeModel::FromJson(params.at("ridge"));
      if (p.ridge.coef.size() != p.num_features) throw std::invalid_argument("linear model has the wrong number of coefficients");
      p.residuals = ResidualQuantiles::FromJson(params.at("residuals"));
    } else if (p.kind == "powercurve") {
      if (model.features.empty() || model.features[0] != "ws") throw std::invalid_argument("power curve model needs feature 'ws' first");
      p.curve = PowerCurve::FromJson(params.at("curve"));
      p.residuals = ResidualQuantiles::FromJson(params.at("residuals"));
    } else if (p.kind == "pvwatts") {
      if (model.features != std::vector<std::string>{"pvwatts"}) {
        throw std::invalid_argument("pvwatts model needs the one feature 'pvwatts'");
      }
      p.pv = PvPhysicalModel::FromJson(params);
      p.residuals = p.pv.residuals;
    } else if (p.kind == "ensemble") {
      const auto& members = params.at("members");
      if (!members.is_array() || members.empty() || members.size() > kMaxEnsembleMembers) {
        throw std::invalid_argument("an ensemble needs 1 to " + std::to_string(kMaxEnsembleMembers) + " members");
      }
      double total = 0;
      for (const auto& member : members) {
        const ModelArtifact artifact = MemberArtifact(model, member);
        std::vector<size_t> columns;
        for (const std::string& name : artifact.features) {
          const auto at = std::find(model.features.begin(), model.features.end(), name);
          if (at == model.features.end()) throw std::invalid_argument("ensemble member reads feature '" + name + "', which the artifact does not list");
          columns.push_back(static_cast<size_t>(at - model.features.begin()));
        }
        bool identity = columns.size() == p.num_features;
        for (size_t c = 0; c < columns.size() && identity; ++c) identity = columns[c] == c;
        if (identity) columns.clear();
        const double weight = member.at("weight").get<double>();
        if (!(weight >= 0)) throw std::invalid_argument("ensemble weights must be numbers >= 0");
        total += weight;
        p.members.emplace_back(artifact);
        p.member_columns.push_back(std::move(columns));
        p.weights.push_back(weight);
      }
      if (!(std::abs(total - 1) < 1e-6)) throw std::invalid_argument("ensemble weights must sum to 1");
    } else {
      throw std::invalid_argument("unknown model kind '" + p.kind +
                                  "' (expected gbdt, gbdt-mean, linear, powercurve, pvwatts or ensemble)");
    }
    for (const GbdtModel& m : p.gbdt) {
      if (m.num_features() != p.num_features) {
        throw std::invalid_argument("gbdt model expects a different number of features than the artifact lists");
      }
    }
    if (p.kind != "gbdt") {
      for (size_t q = 0; q < p.quantiles.size(); ++q) p.anchors.push_back(q);
    }
    if (p.kind != "gbdt" && p.kind != "ensemble" && p.residuals.taus.size() != p.quantiles.size()) {
      throw std::invalid_argument("residual quantiles do not match the artifact's quantiles");
    }
  } catch (const nlohmann::json::exception& e) {
    throw io::InputError("", std::string("malformed model parameters: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::InputError("", std::string("malformed model parameters: ") + e.what());
  }
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;

size_t Predictor::num_features() const { return impl_->num_features; }
const std::vector<double>& Predictor::quantiles() const { return impl_->quantiles; }

void Predictor::Predict(const double* row, double* out) const {
  const Impl& p = *impl_;
  if (p.kind == "ensemble") {
    PredictBatch(row, 1, out);
    return;
  }
  std::vector<double> anchor_values(p.anchors.size());
  if (p.kind == "gbdt") {
    for (size_t a = 0; a < p.anchors.size(); ++a) anchor_values[a] = p.gbdt[a].Predict(row) + p.calibration[a];
  } else if (p.kind == "pvwatts") {
    anchor_values = p.pv.Apply(row[0]);
  } else {
    const double point = p.kind == "gbdt-mean" ? p.gbdt[0].Predict(row)
                         : p.kind == "linear"  ? p.ridge.Predict(row)
                                               : p.curve.Predict(row[0]);
    anchor_values = p.residuals.Apply(point);
  }
  Finish(anchor_values.data(), out);
}

double Predictor::Point(const double* quantile_values) const {
  const Impl& p = *impl_;
  return p.point_mean ? QuantileFunctionMean(p.quantiles, quantile_values) : quantile_values[p.median];
}

void Predictor::PredictBatch(const double* rows, size_t n, double* out, int threads) const {
  const Impl& p = *impl_;
  const size_t nq = p.quantiles.size();
  if (p.kind == "ensemble") {
    std::vector<std::vector<double>> outputs(p.members.size(), std::vector<double>(n * nq));
    std::vector<double> gathered;
    for (size_t m = 0; m < p.members.size(); ++m) {
      const std::vector<size_t>& columns = p.member_columns[m];
      const double* input = rows;
      if (!columns.empty()) {  // the member reads some of the columns, in its own order
        gathered.resize(n * columns.size());
        for (size_t r = 0; r < n; ++r) {
          for (size_t c = 0; c < columns.size(); ++c) gathered[r * columns.size() + c] = rows[r * p.num_features + columns[c]];
        }
        input = gathered.data();
      }
      p.members[m].PredictBatch(input, n, outputs[m].data(), threads);
    }
    std::vector<const double*> row_outputs(p.members.size());
    for (size_t r = 0; r < n; ++r) {
      for (size_t m = 0; m < p.members.size(); ++m) row_outputs[m] = outputs[m].data() + r * nq;
      CombineQuantiles(row_outputs, p.weights, nq, out + r * nq);
    }
    return;
  }
  if (p.kind == "gbdt-mean") {
    std::vector<double> points(n);
    p.gbdt[0].PredictBatch(rows, n, p.num_features, points.data(), n < kMinRowsPerPool ? 1 : threads);
    for (size_t r = 0; r < n; ++r) {
      std::vector<double> anchor_values = p.residuals.Apply(points[r]);
      Finish(anchor_values.data(), out + r * nq);
    }
    return;
  }
  if (p.kind != "gbdt") {
    for (size_t r = 0; r < n; ++r) Predict(rows + r * p.num_features, out + r * nq);
    return;
  }
  // Every quantile model's blocks are tasks of one pool: one start-up, and the threads stay busy
  // across the models.
  constexpr size_t block = GbdtModel::kPredictBlock;
  const size_t blocks = (n + block - 1) / block;
  const size_t na = p.anchors.size();
  std::vector<double> columns(n * na);  // anchor model a's raw output at columns[a * n + r]
  auto task = [&](size_t k) {
    const size_t q = k / blocks, begin = k % blocks * block;
    p.gbdt[q].PredictSerial(rows + begin * p.num_features, std::min(block, n - begin), p.num_features,
                            columns.data() + q * n + begin);
  };
  const size_t tasks = na * blocks;
  const int wanted = static_cast<int>(std::min<size_t>(GbdtThreadPool::Resolve(threads), tasks));
  if (wanted <= 1 || n < kMinRowsPerPool) {
    for (size_t k = 0; k < tasks; ++k) task(k);
  } else {
    GbdtThreadPool pool(wanted);
    pool.Run(tasks, task);
  }
  std::vector<double> anchor_values(na);
  for (size_t r = 0; r < n; ++r) {
    for (size_t a = 0; a < na; ++a) anchor_values[a] = columns[a * n + r] + p.calibration[a];
    Finish(anchor_values.data(), out + r * nq);
  }
}

void Predictor::FromModelOutputs(const std::vector<std::vector<double>>& model_outputs, size_t n, double* out) const {
  const Impl& p = *impl_;
  const size_t nq = p.quantiles.size();
  const size_t na = p.anchors.size();
  if (p.kind != "gbdt" || model_outputs.size() != na) {
    throw std::invalid_argument("FromModelOutputs needs a gbdt model and one output column per anchor quantile");
  }
  for (const auto& column : model_outputs) {
    if (column.size() != n) throw std::invalid_argument("FromModelOutputs: an output column has the wrong length");
  }
  std::vector<double> anchor_values(na);
  for (size_t r = 0; r < n; ++r) {
    for (size_t a = 0; a < na; ++a) anchor_values[a] = model_outputs[a][r] + p.calibration[a];
    Finish(anchor_values.data(), out + r * nq);
  }
}

void Predictor::Finish(double* anchor_values, double* out) const {
  const Impl& p = *impl_;
  // A missing input never becomes a number: the caller sees NaN in every quantile and reports it
  // (InterpolateQuantiles spreads a NaN anchor to every level).
  for (size_t a = 0; a < p.anchors.size(); ++a) {
    if (!std::isnan(anchor_values[a])) anchor_values[a] = std::clamp(anchor_values[a], 0.0, p.capacity);
  }
  // Sorted, then interpolated between anchors: quantiles never cross.
  InterpolateQuantiles(p.quantiles, p.anchors, anchor_values, out);
}

}  // namespace seed::kernels
