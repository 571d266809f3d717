/**
 * State coverage of the flows: the states every actor the unit tests create passes through (recorded by
 * XState's inspection API, children and transient states included), every state each machine has, and
 * whether this run is one the check applies to (`coverageScope`).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyMachineSnapshot, AnyStateMachine, InspectionEvent, StateValue } from 'xstate';

/** State node ids (`pay.pin`, `menu.start`, …) some test reached. */
export const reached = new Set<string>();

function idsOf(machineId: string, value: StateValue, path: string[] = []): string[] {
  if (typeof value === 'string') return [[machineId, ...path, value].join('.')];
  return Object.entries(value).flatMap(([key, child]) => [
    [machineId, ...path, key].join('.'),
    ...(child ? idsOf(machineId, child, [...path, key]) : []),
  ]);
}

interface TransitionLike {
  source: { id: string };
  target?: readonly { id: string }[];
}

/** An `inspect` observer for `createActor`: records the states of the actor and of every child it runs. */
export function recordStates(event: InspectionEvent): void {
  if (event.type === '@xstate.microstep') {
    // Transient states (`always`) never settle in a snapshot; their transitions name them.
    for (const transition of event._transitions as unknown as TransitionLike[]) {
      reached.add(transition.source.id);
      for (const target of transition.target ?? []) reached.add(target.id);
    }
  }
  if (event.type === '@xstate.snapshot' || event.type === '@xstate.microstep') {
    const snapshot = event.snapshot as Partial<AnyMachineSnapshot>;
    const machineId = snapshot.machine?.id;
    if (snapshot.value !== undefined && typeof machineId === 'string') {
      for (const id of idsOf(machineId, snapshot.value)) reached.add(id);
    }
  }
}

/** Every state node id of a machine, the root's children down (the root itself is always active). */
export function stateIds(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: AnyStateMachine['root']) => {
    for (const child of Object.values(node.states)) {
      ids.push(child.id);
      walk(child);
    }
  };
  walk(machine.root);
  return ids;
}

/** The flow suite: every test file under test/unit/flows, the grammar's included. */
export function flowTestFiles(dir = path.dirname(fileURLToPath(import.meta.url))): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

export type CoverageScope = { checked: true } | { checked: false; reason: string };

/**
 * Coverage is a property of the whole flow suite, so the check applies only to a run in which every test
 * of every file in `files` ran (passed or failed): a single file, a grep, or a hook that stopped a suite
 * leaves states unreached that the rest of the suite reaches, and must not fail for it.
 */
export function coverageScope(root: Mocha.Suite, files: string[]): CoverageScope {
  const ran = new Map<string, { tests: number; unrun: number }>();
  const walk = (suite: Mocha.Suite) => {
    for (const test of suite.tests) {
      if (!test.file) continue;
      const file = path.resolve(test.file);
      const seen = ran.get(file) ?? { tests: 0, unrun: 0 };
      seen.tests += 1;
      if (test.state !== 'passed' && test.state !== 'failed') seen.unrun += 1;
      ran.set(file, seen);
    }
    for (const child of suite.suites) walk(child);
  };
  walk(root);
  const name = (f: string) => path.basename(f);
  const missing = files.filter((f) => !ran.has(path.resolve(f)));
  if (missing.length > 0) {
    return { checked: false, reason: `${missing.length} of ${files.length} flow test files not in this run` };
  }
  const partial = files.filter((f) => (ran.get(path.resolve(f))?.unrun ?? 0) > 0);
  if (partial.length > 0) {
    return { checked: false, reason: `tests of ${partial.map(name).join(', ')} did not run` };
  }
  return { checked: true };
}
