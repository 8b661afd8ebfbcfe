// Prints one line with the totals of every vitest JSON report: "N passed, N failed, N skipped", after the names
// of the failed tests and of those that passed only on a retry. The reports are
// the root's test-results/*.json (the run-alone tests, the fault suite, a root `vitest run`) and each workspace
// member's test-results/*.json (its `test` script, run by `turbo run test`, or restored from turbo's cache).
// Exits non-zero when anything failed or when no report was written (the run broke before the tests).
// `--clean` removes every report instead, so that a run starts from none.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const root = join(import.meta.dirname, '..');
const folders = [join(root, 'test-results'), ...members().map((member) => join(member, 'test-results'))];

if (process.argv[2] === '--clean') {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
}

const files = folders.flatMap((folder) => {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .map((name) => join(folder, name));
  } catch {
    return []; // this member wrote no report
  }
});
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const flaky = [];
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrors ?? 0);
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails without a failed test (it did not load, or a beforeAll hook threw and its tests were
  // skipped) counts as one failure: otherwise a broken set-up would read as skipped tests.
  for (const suite of report.testResults ?? []) {
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
    // A passed test with failure messages passed on a retry (vitest.shared.ts): named, never hidden.
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'passed' && test.failureMessages?.length) {
        flaky.push(`${relative(root, suite.name)} › ${test.fullName}: ${firstLine(test.failureMessages)}`);
      }
    }
    for (const test of failedTests)
      failures.push(`${relative(root, suite.name)} › ${test.fullName}: ${firstLine(test.failureMessages)}`);
    if (suite.status === 'failed' && failedTests.length === 0) {
      totals.failed += 1;
      failures.push(`${relative(root, suite.name)}: ${firstLine([suite.message])}`);
    }
  }
}
// The names go last, beside the totals: CI's log is often read from its tail only.
for (const test of flaky) console.log(`passed only on a retry: ${test}`);
for (const failure of failures) console.log(`failed: ${failure}`);
const retried = flaky.length > 0 ? ` (${flaky.length} only on a retry)` : '';
console.log(`${totals.passed} passed${retried}, ${totals.failed} failed, ${totals.skipped} skipped`);
if (files.length === 0 || totals.failed > 0) process.exit(1);

/** The first line of a failure's message, without its colours: enough to find the test and why. */
function firstLine(messages) {
  const text = (messages ?? []).find(Boolean) ?? 'no message';
  return stripVTControlCharacters(text).split('\n')[0].slice(0, 300);
}

/** The workspace members' folders, from pnpm-workspace.yaml's `packages` (`dir` or `dir/*` entries). */
function members() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const list = yaml.split(/^packages:\n/m)[1]?.match(/^(?:\s+-\s+.+\n?)+/)?.[0] ?? '';
  return [...list.matchAll(/^\s+-\s+['"]?([^'"\n]+)['"]?$/gm)].flatMap(([, pattern]) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name));
  });
}
