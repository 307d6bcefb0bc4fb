#include "serve/artifact_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/input_error.h"
#include "io/json_file.h"
#include "kernels/model.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"

namespace seed::serve {
namespace {

namespace fs = std::filesystem;

// A linear artifact: p50 = 2 ws + 0.5 wd, and the p10/p90 residual offsets -1/+1 in one bin.
kernels::ModelArtifact LinearArtifact() {
  kernels::ModelArtifact model;
  model.kind = "linear";
  model.features = {"ws", "wd"};
  model.quantiles = {0.1, 0.5, 0.9};
  model.capacity_mw = 100;
  model.train_rows = 10;
  kernels::RidgeModel ridge;
  ridge.mean = {0, 0};
  ridge.scale = {1, 1};
  ridge.coef = {2, 0.5};
  kernels::ResidualQuantiles residuals;
  residuals.capacity = 100;
  residuals.taus = model.quantiles;
  residuals.offsets = {{-1, 0, 1}};
  model.parameters = {{"ridge", ridge.ToJson()}, {"residuals", residuals.ToJson()}};
  return model;
}

class ArtifactModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("seed-serve-artifact-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    kernels::SaveModel((dir_ / "model.json").string(), LinearArtifact());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ArtifactModelTest, ADirectoryServesItsModelJsonWithQuantileOutputs) {
  ServedModel model = LoadArtifactModel(dir_.string(), "");
  EXPECT_EQ(model.inputs, (std::vector<std::string>{"ws", "wd"}));
  EXPECT_EQ(model.outputs, (std::vector<std::string>{"p10", "p50", "p90", "forecast_mw"}));
  const double row[] = {7.5, 10};
  double out[3];
  model.predict(row, out);
  EXPECT_EQ(out[0], 19.0);
  EXPECT_EQ(out[1], 20.0);
  EXPECT_EQ(out[2], 21.0);
  EXPECT_EQ(model.point(out), 20.0);  // the median: the artifact does not ask for the mean
}

TEST_F(ArtifactModelTest, AnArtifactWhosePointIsTheMeanServesTheQuantileFunctionsMean) {
  kernels::ModelArtifact artifact = LinearArtifact();
  artifact.point = "mean";
  kernels::ResidualQuantiles residuals;
  residuals.capacity = 100;
  residuals.taus = artifact.quantiles;
  residuals.offsets = {{-3, 0, 1}};  // skewed, so the mean is not the median
  artifact.parameters["residuals"] = residuals.ToJson();
  kernels::SaveModel((dir_ / "model.json").string(), artifact);
  ServedModel model = LoadArtifactModel(dir_.string(), "");
  const double row[] = {7.5, 10};
  double out[3];
  model.predict(row, out);
  EXPECT_EQ(out[0], 17.0);
  EXPECT_EQ(out[1], 20.0);
  // 0.1 * 17 (flat below P10) + 0.4 * (17 + 20) / 2 + 0.4 * (20 + 21) / 2 + 0.1 * 21 = 19.4
  EXPECT_NEAR(model.point(out), 19.4, 1e-12);
}

TEST_F(ArtifactModelTest, TheGivenSha256MustMatchTheFile) {
  const std::string file = (dir_ / "model.json").string();
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string sha = io::Sha256Hex(text);
  EXPECT_NO_THROW(LoadArtifactModel(file, "sha256:" + sha));
  try {
    LoadArtifactModel(file, std::string(64, '0'));
    FAIL() << "a wrong checksum was accepted";
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("SHA-256 is " + sha + " but --sha256 says " + std::string(64, '0')),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ArtifactModelTest, AnEditedArtifactOrAMissingFileIsRefused) {
  const std::string file = (dir_ / "model.json").string();
  nlohmann::json json = io::ReadJsonFile(file);
  json["capacityMw"] = 50;
  std::ofstream(file) << json.dump();
  EXPECT_THROW(LoadArtifactModel(file, ""), io::InputError);
  EXPECT_THROW(LoadArtifactModel((dir_ / "absent.json").string(), ""), io::InputError);
}

}  // namespace
}  // namespace seed::serve
