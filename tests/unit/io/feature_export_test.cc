// The exported feature matrix: header cells that hold commas (derived feature names) are quoted.
#include "io/feature_export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "io/atomic_file.h"

namespace seed::io {
namespace {

TEST(FeatureExport, DerivedNamesAreQuotedAndMissingValuesEmpty) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("seed_feature_export_" + std::to_string(::getpid()) + ".csv"))
                               .string();
  WriteFeatureMatrix(path, {1704067200, 1704067200}, {{"power_mw", {1.5, 2}}},
                     {"ws", "speed(u100,v100)", "shear(a,b,10,100)@run-12h"},
                     {3, 5, std::nan(""), 4, 0.25, 0.1});
  EXPECT_EQ(ReadFile(path),
            "time,power_mw,ws,\"speed(u100,v100)\",\"shear(a,b,10,100)@run-12h\"\n"
            "2024-01-01T00:00:00Z,1.5,3,5,\n"
            "2024-01-01T00:00:00Z,2,4,0.25,0.1\n");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace seed::io
