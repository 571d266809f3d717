/**
 * State coverage of the flows: the states every actor the unit tests create passes through (recorded by
 * XState's inspection API, children and transient states included), and every state each machine has.
 */
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
