/**
 * Every state of every flow machine must be reached by some unit test. `drive()` records the states its
 * actors and their journeys pass through (coverage.ts); this root-level hook runs after all the tests of
 * the run and fails with the list of states no test reached. Run alone, it fails by design: coverage is a
 * property of the whole flow suite.
 */
import { expect } from 'chai';
import { flows } from '../../../flows/index.js';
import { reached, stateIds } from './coverage.js';

after('state coverage of the flow machines', () => {
  const machines = Object.values(flows);
  const all = machines.flatMap(stateIds);
  const unreached = all.filter((id) => !reached.has(id));
  console.log(
    `  state coverage: ${all.length - unreached.length} of ${all.length} states in ${machines.length} machines`,
  );
  expect(unreached, `states no test reached: ${unreached.join(', ')}`).to.deep.equal([]);
});

describe('state coverage', () => {
  it('state coverage – every machine – has its states listed for the check after the run', () => {
    for (const [name, machine] of Object.entries(flows)) {
      expect(stateIds(machine), name).to.include(`${machine.id}.done`);
    }
  });
});
