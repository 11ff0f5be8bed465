import { AnyMachineSnapshot, AnyStateMachine, initialTransition, StateValue, transition } from 'xstate';
import { NOT_APPLICABLE, NOT_OVERRIDABLE } from './gates';
import { SessionEvent, Unmet } from './types';

/**
 * Running a machine on the server, one event at a time, with the pure `initialTransition` /
 * `transition` functions: restore the persisted snapshot, ask the gate, transition, persist.
 */
export type GateTable = Record<string, (context: never, event: SessionEvent) => Unmet[]>;

export interface RunnableMachine {
  machine: AnyStateMachine;
  gates: GateTable;
  /** Events only Vigil itself sends (timers, session closure); never offered to clients. */
  internalEvents: string[];
}

export interface PersistedSnapshot {
  value: StateValue;
  context: Record<string, unknown>;
  status?: string;
}

export type Evaluation =
  | { accepted: true; snapshot: PersistedSnapshot; from: string; to: string }
  | { accepted: false; unmet: Unmet[]; from: string };

/** `monitoring.hold` from `{ monitoring: 'hold' }`. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined || (typeof child === 'object' && Object.keys(child).length === 0) ? key : `${key}.${statePath(child as StateValue)}`;
}

export function start(runnable: RunnableMachine, input: unknown): PersistedSnapshot {
  const [snapshot] = initialTransition(runnable.machine, input as never);
  return persist(runnable, snapshot);
}

export function restore(runnable: RunnableMachine, persisted: PersistedSnapshot): AnyMachineSnapshot {
  return runnable.machine.resolveState({ value: persisted.value, context: persisted.context as never });
}

function persist(runnable: RunnableMachine, snapshot: AnyMachineSnapshot): PersistedSnapshot {
  const p = runnable.machine.getPersistedSnapshot(snapshot) as unknown as PersistedSnapshot;
  return { value: p.value, context: p.context, status: p.status };
}

/** Event types some active state node handles (regardless of guards). */
export function handledEvents(snapshot: AnyMachineSnapshot): string[] {
  const types = new Set<string>();
  for (const node of snapshot._nodes) for (const type of node.ownEvents) if (!type.startsWith('xstate.')) types.add(type);
  return [...types];
}

/**
 * Evaluates one event: refused with the unmet requirements (the gate's own words, minus what an
 * override waived), or accepted with the next snapshot.
 */
export function evaluate(runnable: RunnableMachine, persisted: PersistedSnapshot, event: SessionEvent): Evaluation {
  const snapshot = restore(runnable, persisted);
  const from = statePath(snapshot.value);
  const handled = handledEvents(snapshot);
  // a final state, or one that takes no event any more (a course ending), closes the record
  if (snapshot.status !== 'active' || handled.length === 0) {
    return { accepted: false, from, unmet: [{ requirement: 'state', message: `the record is closed (state ${from})` }] };
  }
  if (!handled.includes(event.type)) {
    return { accepted: false, from, unmet: [{ requirement: 'state', message: `${event.type} is not possible in state ${from}` }] };
  }
  const gate = runnable.gates[event.type];
  const unmet = (gate ? gate(snapshot.context as never, event) : []).filter(
    (u) => NOT_OVERRIDABLE.has(u.requirement) || !event.waived.includes(u.requirement),
  );
  if (unmet.length > 0) return { accepted: false, from, unmet };
  const [next] = transition(runnable.machine, snapshot, event);
  if (next === snapshot || (statePath(next.value) === from && JSON.stringify(next.context) === JSON.stringify(snapshot.context))) {
    return { accepted: false, from, unmet: [{ requirement: 'state', message: `${event.type} changes nothing in state ${from}` }] };
  }
  return { accepted: true, snapshot: persist(runnable, next), from, to: statePath(next.value) };
}

/** Requirements that depend on the request itself (its data, reason or sender), not on the session. */
const PER_REQUEST = new Set(['reason', 'consent.version', 'consent.time', 'dose.time', 'exit.kind', 'dose.amount', 'dose.device-sequence', 'role.investigator']);

/**
 * What a client may do next: events whose gates hold now (`nextEvents`) and the others with
 * their reasons (`blocked`). Requirements that depend on the request (amount, reason, role) are
 * left out here; the event itself is still checked in full.
 */
export function describe(
  runnable: RunnableMachine,
  persisted: PersistedSnapshot,
  probe: (type: string) => SessionEvent,
): { state: string; done: boolean; nextEvents: string[]; blocked: { type: string; unmet: Unmet[] }[] } {
  const snapshot = restore(runnable, persisted);
  const state = statePath(snapshot.value);
  const nextEvents: string[] = [];
  const blocked: { type: string; unmet: Unmet[] }[] = [];
  if (snapshot.status === 'active') {
    for (const type of handledEvents(snapshot)) {
      if (runnable.internalEvents.includes(type)) continue;
      const gate = runnable.gates[type];
      const event = probe(type);
      const all = gate ? gate(snapshot.context as never, event) : [];
      if (all.some((u) => NOT_APPLICABLE.has(u.requirement))) continue;
      // what an override has waived no longer blocks, exactly as in evaluate()
      const unmet = all.filter(
        (u) => !PER_REQUEST.has(u.requirement) && (NOT_OVERRIDABLE.has(u.requirement) || !event.waived.includes(u.requirement)),
      );
      if (unmet.length === 0) nextEvents.push(type);
      else blocked.push({ type, unmet });
    }
  }
  return { state, done: snapshot.status === 'done' || handledEvents(snapshot).length === 0, nextEvents, blocked };
}
