#include "sql/dsn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/error.h"

namespace seed::sql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ErrorOf(const std::string& text) {
  try {
    ParseDsn(text, "--dsn-file /run/secrets/db");
  } catch (const Error& e) {
    EXPECT_FALSE(e.transient());
    return e.what();
  }
  return "";
}

TEST(Dsn, MysqlUrlWithEscapedPasswordPortDatabaseAndOptions) {
  const Dsn dsn = ParseDsn(
      "mysql://seed:p%40ss%3Aw0rd@db.plant.local:3307/scada?ssl-mode=REQUIRED&ssl-ca=/ca.pem\n", "x");
  EXPECT_EQ(dsn.engine, Engine::kMySql);
  EXPECT_EQ(dsn.user, "seed");
  EXPECT_EQ(dsn.password, "p@ss:w0rd");
  EXPECT_EQ(dsn.host, "db.plant.local");
  EXPECT_EQ(dsn.port, 3307);
  EXPECT_EQ(dsn.database, "scada");
  EXPECT_EQ(dsn.options.at("ssl-mode"), "REQUIRED");
  EXPECT_EQ(dsn.options.at("ssl-ca"), "/ca.pem");
  EXPECT_EQ(Describe(dsn), "mysql://seed@db.plant.local:3307/scada");
}

TEST(Dsn, PostgresKeepsItsTextForLibpqAndIpv6Hosts) {
  const Dsn dsn = ParseDsn("postgres://reader:secret@[::1]:5433/plant?sslmode=verify-full", "x");
  EXPECT_EQ(dsn.engine, Engine::kPostgres);
  EXPECT_EQ(dsn.host, "::1");
  EXPECT_EQ(dsn.port, 5433);
  EXPECT_EQ(dsn.text, "postgres://reader:secret@[::1]:5433/plant?sslmode=verify-full");
  EXPECT_EQ(Describe(dsn), "postgresql://reader@[::1]:5433/plant");
}

TEST(Dsn, MariadbSchemeAndSocketWithoutHost) {
  const Dsn dsn = ParseDsn("mariadb://seed:pw@/plant?socket=/run/mysqld/mysqld.sock", "x");
  EXPECT_EQ(dsn.engine, Engine::kMySql);
  EXPECT_EQ(dsn.host, "");
  EXPECT_EQ(dsn.options.at("socket"), "/run/mysqld/mysqld.sock");
}

TEST(Dsn, ErrorsSayWhatIsWrongAndNeverShowThePassword) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("it is empty"));
  EXPECT_THAT(ErrorOf("seed:hunter2@db/plant"), HasSubstr("no scheme"));
  EXPECT_THAT(ErrorOf("oracle://seed:hunter2@db/plant"), HasSubstr("unknown scheme 'oracle://'"));
  EXPECT_THAT(ErrorOf("mysql://seed:hunter2@db:99999/plant"), HasSubstr("port '99999'"));
  EXPECT_THAT(ErrorOf("mysql://seed:hunter2@db/plant?sslmode=require"),
              HasSubstr("unknown MySQL option 'sslmode'"));
  EXPECT_THAT(ErrorOf("mysql://seed:hunter2@db/plant?ssl-mode=yes"), HasSubstr("ssl-mode 'yes'"));
  EXPECT_THAT(ErrorOf("mysql://seed:hunter2@db/plant?connect-timeout=ten"),
              HasSubstr("connect-timeout 'ten'"));
  EXPECT_THAT(ErrorOf("mysql://db/plant"), HasSubstr("names no user"));
  EXPECT_THAT(ErrorOf("mysql://seed:hun%2xter2@db/plant"), HasSubstr("two hex digits"));
  for (const char* bad :
       {"seed:hunter2@db/plant", "oracle://seed:hunter2@db/plant", "mysql://seed:hunter2@db:99999/p",
        "mysql://seed:hunter2@db/plant?sslmode=require"}) {
    const std::string message = ErrorOf(bad);
    EXPECT_THAT(message, HasSubstr("--dsn-file /run/secrets/db"));
    EXPECT_THAT(message, Not(HasSubstr("hunter2"))) << bad;
  }
}

}  // namespace
}  // namespace seed::sql
