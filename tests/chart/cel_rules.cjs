// Evaluates CEL rules for the CRD rule tests with cel-es (@bufbuild/cel from the npm registry,
// installed by scripts/setup --all into tools/npm).
// Usage: node cel_rules.cjs NODE_MODULES_DIR CASES_JSON
//   CASES_JSON: [{"rule": "...", "self": ..., "oldSelf": ...}, ...] ("oldSelf" only for transition rules)
// Prints one JSON array: {"value": true|false} or {"error": "..."} per case, in order.
"use strict";
const fs = require("fs");
const path = require("path");

const [modules, casesFile] = process.argv.slice(2);
if (!modules || !casesFile) {
  process.stderr.write("usage: node cel_rules.cjs NODE_MODULES_DIR CASES_JSON\n");
  process.exit(2);
}
const { run, isCelError } = require(path.resolve(modules, "@bufbuild/cel"));
const results = JSON.parse(fs.readFileSync(casesFile, "utf8")).map((item) => {
  const bindings = { self: item.self };
  if ("oldSelf" in item) bindings.oldSelf = item.oldSelf;
  try {
    const value = run(item.rule, bindings);
    if (isCelError(value)) return { error: String(value.message) };
    if (typeof value !== "boolean") return { error: "the rule gave " + typeof value + ", not a boolean" };
    return { value };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
});
process.stdout.write(JSON.stringify(results));
