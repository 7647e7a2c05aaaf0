import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain "N passed, N failed" line that any CI log reader understands. A test file that cannot
 * even load (a missing fixture, a syntax error) has no tests to count, so it is reported on its own line.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const brokenFiles: string[] = [];
    for (const module of testModules) {
      if (module.errors().length > 0) brokenFiles.push(module.moduleId);
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    const lines = [`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`];
    if (brokenFiles.length > 0) lines.push(`Test files that failed to load: ${brokenFiles.length} (${brokenFiles.join(', ')})`);
    if (unhandledErrors.length > 0) lines.push(`Unhandled errors: ${unhandledErrors.length}`);
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
