#include "sql/client.h"

#include <cstdio>
#include <cstdlib>

namespace seed::sql {

ResultSet RunQuery(const Dsn& dsn, const BoundQuery& query,
                   const std::map<std::string, Parameter>& parameters, const Session& session) {
  return dsn.engine == Engine::kMySql ? RunMySqlQuery(dsn, query, parameters, session)
                                      : RunPostgresQuery(dsn, query, parameters, session);
}

std::string OffsetText(int offset_minutes) {
  char buf[16];
  const int magnitude = std::abs(offset_minutes);
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', magnitude / 60,
                magnitude % 60);
  return buf;
}

}  // namespace seed::sql
