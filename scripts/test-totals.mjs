#!/usr/bin/env node
// Sums the vitest JSON reports of every package into the one line CI reads: `N passed, N failed`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const dirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
)
let passed = 0
let failed = 0
let skipped = 0
let missing = 0
for (const dir of dirs) {
  if (!existsSync(join(dir, 'package.json'))) continue
  const file = join(dir, 'test-results.json')
  if (!existsSync(file)) {
    missing++
    console.error(`test-totals: no test-results.json in ${dir}`)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  // A suite that failed to load has no tests in it, but it is a failure all the same.
  failed += report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length
}
failed += missing
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exitCode = failed > 0 ? 1 : 0
