// The Pipeline CRD's pattern for schedule.cron refuses numbers out of a field's range at
// `kubectl apply`, and never refuses an expression the operator's cron parser accepts.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "api/yaml_json.h"
#include "engine/cron.h"

namespace seed::engine {
namespace {

using nlohmann::json;

std::string CronPattern() {
  std::ifstream in(std::string(SEED_CRDS_DIR) + "/seed.dev_pipelines.yaml");
  std::stringstream text;
  text << in.rdbuf();
  json crd = api::ParseYamlDocuments(text.str()).at(0).value;
  return crd
      .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/schedule/properties/cron/pattern"_json_pointer)
      .get<std::string>();
}

bool Parses(const std::string& cron) {
  std::string error;
  return CronSchedule::Parse(cron, &error).has_value();
}

TEST(CronSchemaTest, RefusesNumbersOutOfRange) {
  const std::regex pattern(CronPattern());
  for (const char* bad :
       {"61 25 * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 0 *", "* * * 13 *",
        "* * * * 8", "0 0 1-32 * *", "*/5 * * * * *", "0 0 * *", "@every 5m"}) {
    EXPECT_FALSE(std::regex_match(bad, pattern)) << bad;
    EXPECT_FALSE(Parses(bad)) << bad;  // the operator refuses them too
  }
}

TEST(CronSchemaTest, AcceptsWhatTheOperatorRuns) {
  const std::regex pattern(CronPattern());
  for (const char* good :
       {"*/15 * * * *", "0 0 * * *", "15 0 * * *", "59 23 31 12 7", "0 6-18/2 * * MON-FRI",
        "0,30 8-20 1,15 jan-jun,DEC sun", "0 0 ? * ?", "5/10 * * * *", "00 07 01 01 0", "@hourly", "@daily",
        "@midnight", "@weekly", "@monthly", "@yearly", "@annually", " 0 0 * * * ", "0\t0 * * *"}) {
    EXPECT_TRUE(std::regex_match(good, pattern)) << good;
    EXPECT_TRUE(Parses(good)) << good;
  }
  // Random expressions: whatever the parser accepts, the schema accepts (it may let through more,
  // such as unknown names; the operator reports those).
  std::mt19937 random(17);
  // Per field: its bounds, one past them, a leading zero, names and junk.
  const std::vector<std::vector<std::string>> atoms = {
      {"*", "?", "0", "7", "59", "60", "007", "30"},
      {"*", "0", "12", "23", "24", "05"},
      {"*", "?", "1", "15", "31", "32", "0", "01"},
      {"*", "1", "6", "12", "13", "0", "JAN", "dec", "xyz"},
      {"*", "?", "0", "5", "7", "8", "MON", "sun", "xyz"},
  };
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  int accepted = 0;
  for (int i = 0; i < 60000; ++i) {
    std::string cron;
    for (int field = 0; field < 5; ++field) {
      std::string text;
      int items = 1 + static_cast<int>(random() % 2);
      for (int k = 0; k < items; ++k) {
        std::string item = pick(atoms[field]);
        if (random() % 3 == 0) item += "-" + pick(atoms[field]);
        if (random() % 4 == 0) item += "/" + pick({"1", "2", "15", "0", "1000"});
        text += (k ? "," : "") + item;
      }
      cron += (field ? " " : "") + text;
    }
    if (!Parses(cron)) continue;
    ++accepted;
    EXPECT_TRUE(std::regex_match(cron, pattern)) << cron;
  }
  EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace seed::engine
