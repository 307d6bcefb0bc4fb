#include "sql/query_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/error.h"

namespace seed::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kKnown = {"from", "to", "station"};

std::string ErrorOf(const std::string& query, Engine engine = Engine::kMySql) {
  try {
    BindPlaceholders(query, engine, kKnown, "q.sql");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(QueryTemplate, MysqlGetsOneMarkerPerPlaceholderInOrder) {
  const BoundQuery q = BindPlaceholders(
      "SELECT ts, p FROM power WHERE station = {{station}} AND ts >= {{ from }} AND ts < {{to}} OR ts = "
      "{{from}}",
      Engine::kMySql, kKnown, "q");
  EXPECT_EQ(q.sql, "SELECT ts, p FROM power WHERE station = ? AND ts >= ? AND ts < ? OR ts = ?");
  EXPECT_THAT(q.parameters, ElementsAre("station", "from", "to", "from"));
}

TEST(QueryTemplate, PostgresNumbersEachNameOnce) {
  const BoundQuery q =
      BindPlaceholders("SELECT ts FROM power WHERE ts >= {{from}} AND ts < {{to}} AND {{from}} < now()",
                       Engine::kPostgres, kKnown, "q");
  EXPECT_EQ(q.sql, "SELECT ts FROM power WHERE ts >= $1 AND ts < $2 AND $1 < now()");
  EXPECT_THAT(q.parameters, ElementsAre("from", "to"));
}

TEST(QueryTemplate, StringsIdentifiersAndCommentsAreCopiedUntouched) {
  const std::string text =
      "SELECT `a?b`, 'it''s ?', \"x\" -- {{from}} ? in a comment\n"
      "/* {{to}} ? */ FROM t # {{station}} ?\nWHERE ts >= {{from}} AND c = 'a\\'?' AND ts < {{to}}";
  const BoundQuery q = BindPlaceholders(text, Engine::kMySql, kKnown, "q");
  EXPECT_EQ(q.sql,
            "SELECT `a?b`, 'it''s ?', \"x\" -- {{from}} ? in a comment\n"
            "/* {{to}} ? */ FROM t # {{station}} ?\nWHERE ts >= ? AND c = 'a\\'?' AND ts < ?");
  EXPECT_THAT(q.parameters, ElementsAre("from", "to"));
}

TEST(QueryTemplate, APlaceholderInQuotesIsAnErrorNamingTheLine) {
  const std::string message = ErrorOf("SELECT ts\nFROM power\nWHERE ts >= '{{from}}'");
  EXPECT_THAT(message, HasSubstr("q.sql:3: {{from}} is inside quotes"));
  EXPECT_THAT(ErrorOf("SELECT ts FROM p WHERE s = \"{{station}}\"", Engine::kPostgres),
              HasSubstr("inside quotes"));
}

TEST(QueryTemplate, RawMarkersUnknownNamesAndOpenQuotesAreErrors) {
  EXPECT_THAT(ErrorOf("SELECT ts FROM p WHERE ts >= ?"), HasSubstr("raw '?' parameter marker"));
  EXPECT_THAT(ErrorOf("SELECT ts FROM p WHERE ts >= $1", Engine::kPostgres),
              HasSubstr("raw '$n' parameter marker"));
  EXPECT_THAT(ErrorOf("SELECT ts FROM p WHERE ts >= {{start}}"),
              HasSubstr("unknown placeholder {{start}}; known: {{from}}, {{to}}, {{station}}"));
  EXPECT_THAT(ErrorOf("SELECT 'open FROM p"), HasSubstr("never closed"));
  EXPECT_THAT(ErrorOf("SELECT ts /* open"), HasSubstr("never closed"));
  EXPECT_THAT(ErrorOf("SELECT {{ }}"), HasSubstr("does not start a placeholder"));
}

TEST(QueryTemplate, PostgresQuestionMarksAreOperatorsNotMarkers) {
  // jsonb's ? operator is legal PostgreSQL.
  const BoundQuery q =
      BindPlaceholders("SELECT ts FROM p WHERE tags ? 'wind' AND ts >= {{from}} AND ts < {{to}}",
                       Engine::kPostgres, kKnown, "q");
  EXPECT_EQ(q.sql, "SELECT ts FROM p WHERE tags ? 'wind' AND ts >= $1 AND ts < $2");
}

}  // namespace
}  // namespace seed::sql
