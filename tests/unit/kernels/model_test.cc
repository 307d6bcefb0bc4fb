#include "kernels/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "gbdt_v1_json.h"
#include "io/atomic_file.h"
#include "io/input_error.h"
#include "kernels/gbdt.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"

namespace seed::kernels {
namespace {

// y = 3 + 2 x0 - x1, no noise.
ModelArtifact LinearArtifact() {
  std::vector<double> x, y;
  for (int i = 0; i < 200; ++i) {
    const double a = i % 17, b = (i * 7) % 11;
    x.insert(x.end(), {a, b});
    y.push_back(3 + 2 * a - b);
  }
  const RidgeModel ridge = FitRidge(x, 2, y, 1e-9);
  std::vector<double> point;
  for (size_t r = 0; r < y.size(); ++r) point.push_back(ridge.Predict(&x[r * 2]));
  ModelArtifact m;
  m.kind = "linear";
  m.features = {"ws", "ws2"};
  m.quantiles = {0.1, 0.5, 0.9};
  m.capacity_mw = 50;
  m.train_start = 1704067200;
  m.train_end = 1704067200 + 199 * 900;
  m.train_rows = 200;
  m.parameters = {{"ridge", ridge.ToJson()},
                  {"residuals", FitResidualQuantiles(point, y, m.quantiles, m.capacity_mw).ToJson()}};
  return m;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("seed-model-" + std::to_string(::getpid()) + "-" + name)).string();
}

TEST(Ridge, RecoversAnExactLinearRelation) {
  const ModelArtifact m = LinearArtifact();
  const RidgeModel ridge = RidgeModel::FromJson(m.parameters["ridge"]);
  const double row[] = {4, 5};
  EXPECT_NEAR(ridge.Predict(row), 3 + 8 - 5, 1e-6);
  const double missing[] = {std::nan(""), 5};  // a missing input takes the training mean
  EXPECT_TRUE(std::isfinite(ridge.Predict(missing)));
}

TEST(ResidualQuantiles, OffsetsAreTheEmpiricalQuantilesOfResiduals) {
  std::vector<double> point(101, 10.0), actual;
  for (int i = 0; i <= 100; ++i) actual.push_back(10.0 + (i - 50) * 0.1);  // residuals -5..5
  const ResidualQuantiles q = FitResidualQuantiles(point, actual, {0.1, 0.5, 0.9}, 100, 10, 50);
  const std::vector<double> values = q.Apply(20.0);
  EXPECT_NEAR(values[0], 20.0 - 4.0, 1e-9);
  EXPECT_NEAR(values[1], 20.0, 1e-9);
  EXPECT_NEAR(values[2], 20.0 + 4.0, 1e-9);
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(EmpiricalQuantile(v, 0.5), 2.5);
}

TEST(Model, SaveLoadRoundTripPredictsIdentically) {
  const ModelArtifact m = LinearArtifact();
  const std::string path = TempPath("roundtrip.json");
  SaveModel(path, m);
  const ModelArtifact back = LoadModel(path);
  EXPECT_EQ(back.kind, "linear");
  EXPECT_EQ(back.features, m.features);
  EXPECT_EQ(back.train_start, m.train_start);
  const Predictor a(m), b(back);
  const double row[] = {7, 3};
  double out_a[3], out_b[3];
  a.Predict(row, out_a);
  b.Predict(row, out_b);
  for (int q = 0; q < 3; ++q) EXPECT_EQ(out_a[q], out_b[q]);
  EXPECT_NEAR(out_a[1], 3 + 14 - 3, 1e-6);
  std::filesystem::remove(path);
}

TEST(Model, QuantilesAreSortedAndClippedToCapacity) {
  ModelArtifact m = LinearArtifact();
  // Residual offsets that would cross: the 0.9 offset below the 0.1 offset.
  m.parameters["residuals"]["offsets"] = std::vector<std::vector<double>>(10, {5.0, 0.0, -5.0});
  const Predictor p(m);
  const double high[] = {30, 0};  // 3 + 60 = 63 MW > 50 MW capacity
  double out[3];
  p.Predict(high, out);
  EXPECT_LE(out[0], out[1]);
  EXPECT_LE(out[1], out[2]);
  EXPECT_DOUBLE_EQ(out[2], 50);
}

TEST(Model, TamperedTruncatedAndForeignFilesAreRefused) {
  const std::string path = TempPath("tamper.json");
  SaveModel(path, LinearArtifact());
  std::string text = io::ReadFile(path);

  std::string tampered = text;
  const size_t at = tampered.find("\"capacityMw\":50");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 15, "\"capacityMw\":60");
  io::WriteFileAtomic(path, tampered);
  try {
    LoadModel(path);
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }

  io::WriteFileAtomic(path, text.substr(0, text.size() / 2));
  EXPECT_THROW(LoadModel(path), io::InputError);

  io::WriteFileAtomic(path, "{\"hello\": 1}");
  try {
    LoadModel(path);
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Seed model artifact"), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(Model, BadParametersAreInputErrorsNotCrashes) {
  ModelArtifact m = LinearArtifact();
  m.parameters["ridge"]["coef"] = {1.0};  // one coefficient for two features
  EXPECT_THROW(Predictor{m}, io::InputError);
  m = LinearArtifact();
  m.kind = "deepar";
  EXPECT_THROW(Predictor{m}, io::InputError);
}

TEST(Model, GbdtCalibrationShiftsEachQuantile) {
  // A tiny L2 tree ensemble stands in for each quantile's model; only the shifts differ.
  std::vector<double> x, y;
  for (int i = 0; i < 400; ++i) {
    x.push_back(i % 20);
    y.push_back(2.0 * (i % 20));
  }
  GbdtParams params;
  params.trees = 20;
  params.max_depth = 3;
  params.learning_rate = 0.3;
  params.min_child_weight = 1;
  params.threads = 1;
  const GbdtModel fitted = TrainGbdt(x.data(), 400, 1, y.data(), params);
  ModelArtifact m = LinearArtifact();
  m.kind = "gbdt";
  m.features = {"ws"};
  m.parameters = {{"models", {fitted.ToJson(), fitted.ToJson(), fitted.ToJson()}}};
  const double row[] = {10};
  double plain[3], shifted[3];
  Predictor(m).Predict(row, plain);
  m.parameters["calibration"] = {-3.0, 0.0, 4.0};
  Predictor(m).Predict(row, shifted);
  EXPECT_DOUBLE_EQ(shifted[0], plain[0] - 3.0);
  EXPECT_DOUBLE_EQ(shifted[1], plain[1]);
  EXPECT_DOUBLE_EQ(shifted[2], plain[2] + 4.0);
  m.parameters["calibration"] = {1.0};
  EXPECT_THROW(Predictor{m}, io::InputError);
}

// A gbdt artifact of three quantile models on two features, trained the way `train` does.
ModelArtifact GbdtArtifact(std::vector<double>* x_out, std::vector<std::vector<double>>* train_outputs) {
  std::vector<double> x, y;
  for (int i = 0; i < 600; ++i) {
    const double a = (i * 37) % 101 / 10.0, b = (i * 11) % 23;
    x.insert(x.end(), {a, i % 50 == 0 ? std::nan("") : b});
    y.push_back(std::clamp(a * a + 0.3 * b - 5, 0.0, 60.0));
  }
  ModelArtifact m = LinearArtifact();
  m.kind = "gbdt";
  std::vector<GbdtParams> params(3);
  for (size_t q = 0; q < 3; ++q) {
    params[q].trees = 30;
    params[q].max_depth = 4;
    params[q].loss = GbdtParams::Loss::kQuantile;
    params[q].alpha = m.quantiles[q];
  }
  std::vector<GbdtFit> fits = TrainGbdtModels(x.data(), 600, 2, y.data(), params, 2);
  nlohmann::json models = nlohmann::json::array();
  for (auto& fit : fits) {
    models.push_back(fit.model.ToJson());
    if (train_outputs) train_outputs->push_back(std::move(fit.train_prediction));
  }
  m.parameters = {{"models", models}, {"calibration", {-0.5, 0.0, 0.75}}};
  if (x_out) *x_out = x;
  return m;
}

// Trees for the mean (squared loss) of GbdtArtifact's data, with residual quantiles: `gbdt-mean`.
ModelArtifact GbdtMeanArtifact() {
  std::vector<double> x;
  ModelArtifact m = GbdtArtifact(&x, nullptr);
  std::vector<double> y;
  for (size_t r = 0; r < x.size() / 2; ++r) y.push_back(std::clamp(x[2 * r] * x[2 * r] - 5, 0.0, 60.0));
  GbdtParams params;
  params.trees = 30;
  params.max_depth = 4;
  const GbdtModel fitted = TrainGbdt(x.data(), y.size(), 2, y.data(), params);
  std::vector<double> point(y.size());
  fitted.PredictBatch(x.data(), y.size(), 2, point.data(), 1);
  m.kind = "gbdt-mean";
  m.parameters = {{"models", {fitted.ToJson()}},
                  {"residuals", FitResidualQuantiles(point, y, m.quantiles, m.capacity_mw).ToJson()}};
  return m;
}

// An ensemble of the gbdt artifact (weight 0.25) and a linear model that reads the two features
// in the other order (0.75), so the ensemble must hand each member its own columns.
ModelArtifact EnsembleArtifact() {
  const ModelArtifact gbdt = GbdtArtifact(nullptr, nullptr);
  ModelArtifact linear = LinearArtifact();
  linear.features = {"ws2", "ws"};
  ModelArtifact m = gbdt;
  m.kind = "ensemble";
  m.parameters = {{"members",
                   {{{"kind", "gbdt"}, {"features", gbdt.features}, {"parameters", gbdt.parameters}, {"weight", 0.25}},
                    {{"kind", "linear"}, {"features", linear.features}, {"parameters", linear.parameters}, {"weight", 0.75}}}}};
  return m;
}

TEST(Model, AnEnsembleAveragesItsMembersQuantilesWithTheirWeights) {
  const ModelArtifact m = EnsembleArtifact();
  const std::string path = TempPath("ensemble.json");
  SaveModel(path, m);
  const Predictor ensemble(LoadModel(path));
  std::filesystem::remove(path);
  const Predictor gbdt(GbdtArtifact(nullptr, nullptr));
  ModelArtifact swapped = LinearArtifact();
  swapped.features = {"ws2", "ws"};
  const Predictor linear(swapped);
  for (const auto& row : std::vector<std::array<double, 2>>{{4, 5}, {9.5, 1}, {0.5, 20}}) {
    double out[3], g[3], l[3];
    ensemble.Predict(row.data(), out);
    gbdt.Predict(row.data(), g);
    const double reversed[] = {row[1], row[0]};
    linear.Predict(reversed, l);
    for (size_t q = 0; q < 3; ++q) EXPECT_NEAR(out[q], 0.25 * g[q] + 0.75 * l[q], 1e-12) << q;
    EXPECT_LE(out[0], out[1]);
    EXPECT_LE(out[1], out[2]);
  }
}

TEST(Model, ThePointForecastIsTheMedianOrTheQuantileFunctionsMean) {
  ModelArtifact m = LinearArtifact();
  const double quantiles[] = {10, 20, 40};
  EXPECT_EQ(Predictor(m).Point(quantiles), 20);
  m.point = "mean";
  const std::string path = TempPath("mean.json");
  SaveModel(path, m);
  const ModelArtifact loaded = LoadModel(path);
  std::filesystem::remove(path);
  EXPECT_EQ(loaded.point, "mean");
  EXPECT_DOUBLE_EQ(Predictor(loaded).Point(quantiles), 0.3 * 10 + 0.4 * 20 + 0.3 * 40);
}

TEST(Model, BadEnsemblesAndPointsAreInputErrors) {
  ModelArtifact m = EnsembleArtifact();
  m.parameters["members"][1]["weight"] = 0.5;  // the weights sum to 0.75
  EXPECT_THROW(Predictor{m}, io::InputError);
  m = EnsembleArtifact();
  m.parameters["members"][1]["features"] = {"ws", "t2m"};  // a feature the artifact does not list
  EXPECT_THROW(Predictor{m}, io::InputError);
  m = EnsembleArtifact();
  m.parameters["members"][0]["kind"] = "ensemble";
  EXPECT_THROW(Predictor{m}, io::InputError);
  m = EnsembleArtifact();
  m.parameters["members"] = nlohmann::json::array();
  EXPECT_THROW(Predictor{m}, io::InputError);
  m = LinearArtifact();
  m.point = "mode";
  EXPECT_THROW(ParseModel(m.ToJson(), "model.json"), io::InputError);
  m = LinearArtifact();
  m.quantiles = {0.1, 0.9};  // no median
  EXPECT_THROW(ParseModel(m.ToJson(), "model.json"), io::InputError);
}

TEST(Model, BatchPredictionEqualsRowPredictionForEveryKind) {
  std::vector<double> x;
  std::vector<std::vector<double>> train_outputs;
  const ModelArtifact gbdt = GbdtArtifact(&x, &train_outputs);
  for (const ModelArtifact& m : {gbdt, LinearArtifact(), GbdtMeanArtifact(), EnsembleArtifact()}) {
    const Predictor p(m);
    const size_t n = x.size() / 2;
    std::vector<double> batch(n * 3);
    p.PredictBatch(x.data(), n, batch.data(), 2);
    for (size_t r = 0; r < n; ++r) {
      double row[3];
      p.Predict(&x[r * 2], row);
      for (size_t q = 0; q < 3; ++q) {
        if (std::isnan(row[q])) {
          EXPECT_TRUE(std::isnan(batch[r * 3 + q])) << m.kind << " " << r;
        } else {
          ASSERT_EQ(batch[r * 3 + q], row[q]) << m.kind << " row " << r << " quantile " << q;
        }
      }
    }
  }
  // The training-time outputs give exactly what the trees give.
  const Predictor p(gbdt);
  const size_t n = x.size() / 2;
  std::vector<double> batch(n * 3), from_outputs(n * 3);
  p.PredictBatch(x.data(), n, batch.data(), 1);
  p.FromModelOutputs(train_outputs, n, from_outputs.data());
  for (size_t i = 0; i < batch.size(); ++i) ASSERT_EQ(from_outputs[i], batch[i]) << i;
  train_outputs.pop_back();
  EXPECT_THROW(p.FromModelOutputs(train_outputs, n, from_outputs.data()), std::invalid_argument);
}

TEST(Model, SavedTextIsTheCompactDumpWithItsChecksum) {
  // SaveModel serialises member by member (the quantile models side by side): the same text.
  for (const ModelArtifact& m : {LinearArtifact(), GbdtArtifact(nullptr, nullptr)}) {
    const std::string path = TempPath("dump.json");
    SaveModel(path, m);
    EXPECT_EQ(io::ReadFile(path), m.ToJson().dump() + "\n") << m.kind;
    std::filesystem::remove(path);
  }
}

TEST(Model, PredictorFromFittedModelsEqualsTheParsedOne) {
  std::vector<double> x;
  const ModelArtifact m = GbdtArtifact(&x, nullptr);
  std::vector<GbdtModel> fitted;
  for (const auto& json : m.parameters.at("models")) fitted.push_back(GbdtModel::FromJson(json));
  const Predictor parsed(m), given(m, fitted);
  const size_t n = x.size() / 2;
  std::vector<double> a(n * 3), b(n * 3);
  parsed.PredictBatch(x.data(), n, a.data(), 1);
  given.PredictBatch(x.data(), n, b.data(), 1);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isnan(a[i]) || !std::isnan(b[i])) {
      ASSERT_EQ(a[i], b[i]) << i;
    }
  }
  fitted.pop_back();
  EXPECT_THROW(Predictor(m, fitted), io::InputError);  // one model per quantile
}

TEST(Model, ReformattedButUnchangedArtifactsStillLoad) {
  // The fast checksum check hashes the file's own text; a pretty-printed file takes the canonical
  // way (re-serialise, then hash) and loads the same model.
  const ModelArtifact m = GbdtArtifact(nullptr, nullptr);
  const std::string path = TempPath("pretty.json");
  SaveModel(path, m);
  const ModelArtifact compact = LoadModel(path);
  io::WriteFileAtomic(path, m.ToJson().dump(2));
  const ModelArtifact pretty = LoadModel(path);
  EXPECT_EQ(pretty.parameters, compact.parameters);
  EXPECT_EQ(compact.parameters, m.parameters);

  // A changed leaf value is caught whichever way the file is laid out.
  std::string text = m.ToJson().dump();
  const size_t at = text.find("\"leaf_values\":\"");
  ASSERT_NE(at, std::string::npos);
  char& c = text[at + 15];
  c = c == 'A' ? 'B' : 'A';
  for (const std::string& changed : {text, nlohmann::json::parse(text).dump(2)}) {
    io::WriteFileAtomic(path, changed);
    try {
      LoadModel(path);
      FAIL();
    } catch (const io::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove(path);
}

TEST(Model, Version1GbdtArtifactsStillLoadAndPredictTheSame) {
  // An artifact whose quantile models are "seed-gbdt" version 1, as seed-job wrote them before.
  std::vector<double> x;
  const ModelArtifact v2 = GbdtArtifact(&x, nullptr);
  ModelArtifact v1 = v2;
  for (auto& json : v1.parameters["models"]) json = GbdtV1Json(GbdtModel::FromJson(json));
  ASSERT_EQ(v1.parameters["models"][0]["version"], 1);
  ASSERT_EQ(v2.parameters["models"][0]["version"], 2);
  const std::string path = TempPath("v1.json");
  SaveModel(path, v1);
  const Predictor old_file(LoadModel(path)), new_file(v2);
  std::filesystem::remove(path);
  const size_t n = x.size() / 2;
  std::vector<double> a(n * 3), b(n * 3);
  old_file.PredictBatch(x.data(), n, a.data(), 2);
  new_file.PredictBatch(x.data(), n, b.data(), 2);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof a[i]), 0) << i;
}

TEST(Model, QuantileColumnNames) {
  EXPECT_EQ(QuantileColumn(0.1), "p10");
  EXPECT_EQ(QuantileColumn(0.5), "p50");
  EXPECT_EQ(QuantileColumn(0.05), "p5");
  EXPECT_EQ(QuantileColumn(0.025), "p2.5");
  EXPECT_EQ(ParseQuantiles("0.9,0.1"), (std::vector<double>{0.1, 0.5, 0.9}));
  EXPECT_THROW(ParseQuantiles("0.1,1.5"), io::UsageError);
  EXPECT_THROW(ParseQuantiles("abc"), io::UsageError);
}

}  // namespace
}  // namespace seed::kernels
