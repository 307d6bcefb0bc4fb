#include "sql/query_template.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "sql/error.h"

namespace seed::sql {
namespace {

std::string Where(const std::string& source, std::string_view query, size_t pos) {
  const long line = 1 + std::count(query.begin(), query.begin() + static_cast<long>(pos), '\n');
  return source + ":" + std::to_string(line) + ": ";
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The placeholder starting at `pos` ("{{"): its name and the position after "}}", or npos when
// the braces do not close on a name.
size_t ReadPlaceholder(std::string_view q, size_t pos, std::string& name) {
  size_t i = pos + 2;
  while (i < q.size() && q[i] == ' ') ++i;
  const size_t start = i;
  while (i < q.size() && IsNameChar(q[i])) ++i;
  name = std::string(q.substr(start, i - start));
  while (i < q.size() && q[i] == ' ') ++i;
  if (name.empty() || i + 1 >= q.size() || q[i] != '}' || q[i + 1] != '}') return std::string_view::npos;
  return i + 2;
}

}  // namespace

BoundQuery BindPlaceholders(std::string_view q, Engine engine, const std::vector<std::string>& known,
                            const std::string& source) {
  const bool mysql = engine == Engine::kMySql;
  auto fail = [&](size_t pos, const std::string& what) { throw Error(Where(source, q, pos) + what, false); };
  BoundQuery out;
  std::map<std::string, int> postgres_numbers;  // PostgreSQL reuses $n for a repeated name
  size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    // Quoted text: '...' strings everywhere; "..." identifiers (PostgreSQL) or strings (MySQL);
    // `...` identifiers (MySQL). A doubled quote escapes itself; MySQL also escapes with '\'.
    if (c == '\'' || c == '"' || (mysql && c == '`')) {
      const size_t open = i++;
      while (i < q.size()) {
        if (mysql && q[i] == '\\' && c != '`') {
          i += 2;
          continue;
        }
        if (q[i] == c) {
          if (i + 1 < q.size() && q[i + 1] == c) {
            i += 2;
            continue;
          }
          break;
        }
        if (q.compare(i, 2, "{{") == 0) {
          std::string name;
          if (ReadPlaceholder(q, i, name) != std::string_view::npos) {
            fail(i, "{{" + name +
                        "}} is inside quotes, where it would be the literal text: write it without "
                        "quotes (it is bound as a parameter, never pasted into the SQL)");
          }
        }
        ++i;
      }
      if (i >= q.size()) fail(open, std::string("a quote (") + c + ") is never closed");
      out.sql.append(q.substr(open, i + 1 - open));
      ++i;
      continue;
    }
    // Comments are copied as they are: a placeholder there is no parameter.
    const bool line_comment = (c == '-' && i + 1 < q.size() && q[i + 1] == '-') || (mysql && c == '#');
    if (line_comment) {
      const size_t end = std::min(q.find('\n', i), q.size());
      out.sql.append(q.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < q.size() && q[i + 1] == '*') {
      const size_t end = q.find("*/", i + 2);
      if (end == std::string_view::npos) fail(i, "a /* comment is never closed");
      out.sql.append(q.substr(i, end + 2 - i));
      i = end + 2;
      continue;
    }
    if (c == '?' && mysql) {
      fail(i, "a raw '?' parameter marker: write parameters as {{from}}, {{to}} or {{name}} (--param)");
    }
    if (c == '$' && !mysql && i + 1 < q.size() && std::isdigit(static_cast<unsigned char>(q[i + 1]))) {
      fail(i, "a raw '$n' parameter marker: write parameters as {{from}}, {{to}} or {{name}} (--param)");
    }
    if (c == '{' && i + 1 < q.size() && q[i + 1] == '{') {
      std::string name;
      const size_t end = ReadPlaceholder(q, i, name);
      if (end == std::string_view::npos) fail(i, "'{{' does not start a placeholder like {{from}}");
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + ("{{" + k + "}}");
        fail(i, "unknown placeholder {{" + name + "}}; known: " + list +
                    " (others are defined with --param NAME=VALUE)");
      }
      if (mysql) {
        out.sql += '?';
        out.parameters.push_back(name);
      } else {
        auto [it, added] = postgres_numbers.try_emplace(name, static_cast<int>(out.parameters.size()) + 1);
        if (added) out.parameters.push_back(name);
        out.sql += "$" + std::to_string(it->second);
      }
      i = end;
      continue;
    }
    out.sql += c;
    ++i;
  }
  return out;
}

}  // namespace seed::sql
