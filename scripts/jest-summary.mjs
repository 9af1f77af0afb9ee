// Prints one closing line per test run from Jest's --json output: "<label>: N passed, N failed".
import { readFileSync } from 'node:fs';

const [label, file] = process.argv.slice(2);
const result = JSON.parse(readFileSync(file, 'utf8'));
const skipped = result.numPendingTests + (result.numTodoTests ?? 0);
if (result.numTotalTests === 0) {
  console.error(`${label}: no test ran`);
  process.exit(1);
}
console.log(
  `${label}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${skipped} skipped`,
);
process.exit(result.success ? 0 : 1);
