/**
 * Every state of every flow machine (the menus, each journey and the SMS conversation) must be reached by
 * some unit test: the one state-coverage check of the flows. `drive()` records the states its
 * actors and their journeys pass through (coverage.ts); this root-level hook runs after all the tests of
 * the run and fails with the list of states no test reached.
 *
 * Coverage is a property of the whole flow suite, so the hook checks it only when every test of every file
 * under test/unit/flows ran (`npm test`, `npm run test:unit`, `npm test -- test/unit/flows`). In any other
 * run (one file, a TEST_GREP, a suite stopped by a failed hook) it says why it did not check and passes:
 * the states the rest of the suite reaches are not this run's to reach. The order of the files never
 * matters: the hook runs after all of them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import Mocha from 'mocha';
import { flows } from '../../../flows/index.js';
import { coverageScope, flowTestFiles, reached, stateIds } from './coverage.js';

after('state coverage of the flow machines', function () {
  let root = this.test?.parent;
  while (root?.parent) root = root.parent;
  const scope = root ? coverageScope(root, flowTestFiles()) : { checked: false, reason: 'no root suite' };
  if (!scope.checked) {
    console.log(`  state coverage: not checked in this run (${scope.reason})`);
    return;
  }
  const machines = Object.values(flows);
  const all = machines.flatMap(stateIds);
  const unreached = all.filter((id) => !reached.has(id));
  console.log(
    `  state coverage: ${all.length - unreached.length} of ${all.length} states in ${machines.length} machines`,
  );
  expect(unreached, `states no test reached: ${unreached.join(', ')}`).to.deep.equal([]);
});

/** A root suite holding, per file, tests in the given states (`undefined`: never ran). */
function runOf(files: Record<string, (Mocha.Test['state'] | undefined)[]>): Mocha.Suite {
  const root = new Mocha.Suite('');
  for (const [file, states] of Object.entries(files)) {
    const suite = Mocha.Suite.create(root, file);
    suite.file = file;
    states.forEach((state, i) => {
      const test = new Mocha.Test(`test ${i}`, () => undefined);
      suite.addTest(test);
      test.file = file;
      test.state = state;
    });
  }
  return root;
}

describe('state coverage', () => {
  it('state coverage – every machine – has its states listed for the check after the run', () => {
    for (const [name, machine] of Object.entries(flows)) {
      // Every machine starts somewhere; the journeys also end in `done` (the SMS conversation never ends).
      expect(stateIds(machine), name).to.include(`${machine.id}.${String(machine.config.initial)}`);
      if (name !== 'sms') expect(stateIds(machine), name).to.include(`${machine.id}.done`);
    }
  });

  it('state coverage – the flow suite – is every test file under test/unit/flows, this one included', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const names = flowTestFiles().map((f) => path.relative(here, f));
    expect(names).to.include.members([
      'state-coverage.test.ts',
      'menu.flow.test.ts',
      'pay.flow.test.ts',
      'ussd-size.test.ts',
      'grammar/sms-grammar.test.ts',
    ]);
    expect(names.every((n) => n.endsWith('.test.ts'))).to.equal(true);
  });

  it('state coverage – when every test of every flow file ran, passed or failed – is checked', () => {
    const run = runOf({ '/t/a.test.ts': ['passed', 'failed'], '/t/b.test.ts': ['passed'] });
    expect(coverageScope(run, ['/t/a.test.ts', '/t/b.test.ts'])).to.deep.equal({ checked: true });
  });

  it('state coverage – when a flow test file is not in the run – is not checked, and says how many are missing', () => {
    const run = runOf({ '/t/a.test.ts': ['passed'] });
    expect(coverageScope(run, ['/t/a.test.ts', '/t/b.test.ts', '/t/c.test.ts'])).to.deep.equal({
      checked: false,
      reason: '2 of 3 flow test files not in this run',
    });
  });

  it('state coverage – when some tests of a flow file did not run (a grep, a failed hook) – is not checked, and names the file', () => {
    const run = runOf({ '/t/a.test.ts': ['passed'], '/t/b.test.ts': ['passed', undefined, 'pending'] });
    expect(coverageScope(run, ['/t/a.test.ts', '/t/b.test.ts'])).to.deep.equal({
      checked: false,
      reason: 'tests of b.test.ts did not run',
    });
  });
});
