// Lists every skipped test with its file (a test that cannot run names what it is missing; see
// test/helpers/needs.ts), then prints one plain closing line ("tests: N passed, N failed,
// N skipped") that CI reads, after jest's own summary.
import { relative } from 'node:path';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.testResults.flatMap((file) =>
      file.testResults
        .filter((t) => t.status === 'pending' || t.status === 'todo')
        .map((t) => `skipped: ${relative(process.cwd(), file.testFilePath)} › ${t.fullName}`),
    );
    if (skipped.length) process.stderr.write(`\n${skipped.join('\n')}\n`);
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const failed = numFailedTests + (numFailedTests === 0 ? failedSuites : 0);
    process.stderr.write(
      `\ntests: ${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
