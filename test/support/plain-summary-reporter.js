/**
 * Ends a jest run with the plain closing line any CI reads ("Tests: N passed, N failed, N skipped"),
 * beside jest's own summary, whose "N total" form is jest's alone.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = PlainSummaryReporter;
