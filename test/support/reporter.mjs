// node:test reporter: one line per test (✔/✖ with its file), failures in full at the end,
// and the closing line `N passed, N failed` (plus `, N skipped`) that CI reads.
import path from 'node:path';

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  const rel = (f) => (f ? path.relative(process.cwd(), f) : '');
  for await (const event of source) {
    const { type, data } = event;
    if (type !== 'test:pass' && type !== 'test:fail') {
      if (type === 'test:stderr' || type === 'test:stdout') {
        if (process.env.TEST_VERBOSE) yield data.message;
      }
      continue;
    }
    // Suites (describe) are reported as tests too; count leaves only, except a suite that
    // failed on its own (a hook threw, the file did not load), which is a failure in itself.
    if (data.details?.type === 'suite') {
      const kind = data.details?.error?.failureType;
      if (type !== 'test:fail' || kind === 'subtestsFailed') continue;
    }
    const name = `${rel(data.file)} › ${data.name}`;
    const ms = data.details?.duration_ms ? ` (${Math.round(data.details.duration_ms)} ms)` : '';
    if (type === 'test:pass') {
      if (data.skip || data.todo) {
        skipped++;
        yield `  - ${name} (skipped)\n`;
      } else {
        passed++;
        yield `  ✔ ${name}${ms}\n`;
      }
    } else {
      failed++;
      failures.push({ name, error: data.details?.error });
      const err = data.details?.error;
      const cause = err?.cause ?? err;
      // The reason right away too: a run that later hangs still shows why this failed.
      yield `  ✖ ${name}${ms}\n      ${String(cause?.message ?? cause).split('\n')[0]}\n`;
    }
  }
  for (const f of failures) {
    const err = f.error;
    const cause = err?.cause ?? err;
    yield `\n✖ ${f.name}\n${cause?.stack ?? cause?.message ?? String(cause)}\n`;
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
