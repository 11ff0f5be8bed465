import { AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { DosingContext, NOT_OVERRIDABLE, outstanding, plannedDevices, predoseGate, SESSION_EXITS } from '../gates';
import { minimumMonitoringMinutes, plannedDose, ProtocolParameters } from '../parameters';
import { findProtocol, ProtocolDefinition } from '../registry';
import { evaluate, handledEvents, PersistedSnapshot, RunnableMachine, start, statePath } from '../runtime';
import { completeFacts } from '../testing/facts';
import { addMinutes, minutesBetween, ms } from '../time';
import { EventActor, SessionEvent, SessionFacts } from '../types';

/**
 * Path tests of the dosing-day machine of each shipped protocol, with xstate/graph.
 *
 * The traversal offers, per state, an explicit set of events that covers fact combinations
 * (complete facts, an unsigned checklist, a stale pregnancy test, one therapist, ...) at clock
 * times relative to a fixed T0. Because the machine stores times taken from `facts.now`, the
 * events offered from a snapshot are never earlier than the latest time it recorded (dose,
 * device, supplemental dose, start of the overnight stay), so recorded time only moves forward.
 *
 * `serializeState` keeps the state value and derived booleans only (dosed? devices none/some/all,
 * supplemental decision, overnight started?, where a hold returns to, exit kind), never counters
 * or times, so the graph stays small; `limit` bounds the traversal.
 *
 * Every edge of the adjacency map is a real transition from a real reachable snapshot; every
 * shortest path is replayed from the start through the runtime's `evaluate`. The safety
 * properties are checked on both.
 */

const T0 = '2026-03-02T08:00:00.000Z'; // 09:00 in Europe/Amsterdam (CET, before the DST change)
const SESSION = 1;
/** Minutes after T0 at which events are offered. */
const OFFSETS = [0, 3, 5, 30, 100, 130, 200, 310, 500, 1000, 1100];
const LIMIT = 50_000;

const INVESTIGATOR: EventActor = { userId: 'investigator-1', roles: ['investigator', 'clinician'] };
const CLINICIAN: EventActor = { userId: 'clinician-1', roles: ['clinician'] };

type Variant =
  | 'complete'
  | 'predose-unsigned'
  | 'pregnancy-stale'
  | 'pregnancy-stale+one-therapist'
  | 'one-therapist'
  | 'baseline-stale'
  | 'no-prescriber'
  | 'prohibited-medication'
  | 'discharge-unsigned'
  | 'alarm-open'
  | 'cssrs-positive'
  | 'cssrs-positive-assessed'
  | 'sedation-unresolved'
  | 'dissociation-unresolved'
  | 'respiration-unresolved'
  | 'vitals-stale'
  | 'bp-160'
  | 'bp-160-confirmed'
  | 'bp-above-180'
  | 'confirmed-high'
  | 'no-attendant';

function factsFor(params: ProtocolParameters, now: string, variant: Variant): SessionFacts {
  const f = completeFacts(params, now);
  const dropTherapist = () => (f.staff = f.staff.filter((s) => s.userId !== 'therapist-2'));
  const stalePregnancy = () => (f.pregnancyTest = { result: 'negative', takenAt: addMinutes(now, -49 * 60) });
  switch (variant) {
    case 'complete':
      break;
    case 'predose-unsigned':
      f.checklists['pre-dose'] = { ...f.checklists['pre-dose'], signed: false, signedAt: undefined };
      break;
    case 'pregnancy-stale':
      stalePregnancy();
      break;
    case 'pregnancy-stale+one-therapist':
      stalePregnancy();
      dropTherapist();
      break;
    case 'one-therapist':
      dropTherapist();
      break;
    case 'baseline-stale':
      f.baselineVitals = { ...f.baselineVitals!, takenAt: addMinutes(now, -61) };
      break;
    case 'no-prescriber':
      f.staff = f.staff.filter((s) => s.role !== 'prescriber');
      break;
    case 'prohibited-medication':
      f.prohibitedMedications = ['MAOI'];
      break;
    case 'discharge-unsigned':
      f.checklists.discharge = { ...f.checklists.discharge, signed: false, signedAt: undefined };
      break;
    case 'alarm-open':
      f.alarms = { ...f.alarms, openPhysiological: 1 };
      break;
    case 'cssrs-positive':
      f.cssrs = { at: addMinutes(now, -10), positive: true, riskAssessmentRecorded: false };
      break;
    case 'cssrs-positive-assessed':
      f.cssrs = { at: addMinutes(now, -10), positive: true, riskAssessmentRecorded: true };
      break;
    case 'sedation-unresolved':
      f.assessments = { ...f.assessments, sedationResolved: false };
      break;
    case 'dissociation-unresolved':
      f.assessments = { ...f.assessments, dissociationResolved: null };
      break;
    case 'respiration-unresolved':
      f.assessments = { ...f.assessments, respiratoryDepressionResolved: false };
      break;
    case 'vitals-stale':
      f.latestVitals = { ...f.latestVitals!, takenAt: addMinutes(now, -16) };
      break;
    case 'bp-160':
      f.alarms = { ...f.alarms, bpAtOrAbove160: true };
      break;
    case 'bp-160-confirmed':
      f.alarms = { ...f.alarms, bpAtOrAbove160: true, bpAtOrAbove160Confirmed: true };
      break;
    case 'bp-above-180':
      f.alarms = { ...f.alarms, bpAtOrAbove160: true, bpAbove180: true };
      break;
    case 'confirmed-high':
      f.alarms = { ...f.alarms, confirmedHigh: true };
      break;
    case 'no-attendant':
      f.staff = f.staff.filter((s) => s.role !== 'attendant');
      break;
  }
  return f;
}

interface EventMeta {
  variant: Variant;
  offset: number;
  actor: 'investigator' | 'clinician';
  reason: boolean;
  waived: string[];
}

/** What each generated event stands for (kept beside the event, the event itself stays a plain SessionEvent). */
const META = new WeakMap<SessionEvent, EventMeta>();

interface EventOptions {
  variant?: Variant;
  data?: Record<string, unknown>;
  actor?: 'investigator' | 'clinician';
  reason?: boolean;
  waived?: string[];
}

function makeEvent(params: ProtocolParameters, type: string, offset: number, o: EventOptions = {}): SessionEvent {
  const variant = o.variant ?? 'complete';
  const actor = o.actor ?? 'investigator';
  const reason = o.reason ?? true;
  const waived = o.waived ?? [];
  const event: SessionEvent = {
    type,
    data: o.data ?? {},
    facts: factsFor(params, addMinutes(T0, offset), variant),
    waived,
    actor: actor === 'investigator' ? INVESTIGATOR : CLINICIAN,
    ...(reason ? { reason: `${type} at T0+${offset}` } : {}),
  };
  META.set(event, { variant, offset, actor, reason, waived });
  return event;
}

const meta = (event: SessionEvent): EventMeta => {
  const m = META.get(event);
  if (!m) throw new Error(`event without meta: ${event.type}`);
  return m;
};

/** The latest instant the context recorded; events offered from it are never earlier. */
function clockFloor(ctx: DosingContext): number {
  return Math.max(ms(T0), ...[ctx.doseAt, ctx.lastDeviceAt, ctx.supplementalAt, ctx.overnightStartedAt].filter((t): t is string => t !== null).map(ms));
}

const DOSE_VARIANTS: Variant[] = ['complete', 'predose-unsigned', 'pregnancy-stale', 'one-therapist', 'baseline-stale', 'no-prescriber', 'prohibited-medication'];
const DISCHARGE_VARIANTS: Variant[] = [
  'complete',
  'discharge-unsigned',
  'alarm-open',
  'cssrs-positive',
  'cssrs-positive-assessed',
  'sedation-unresolved',
  'dissociation-unresolved',
  'respiration-unresolved',
];
const SUPPLEMENTAL_VARIANTS: Variant[] = ['complete', 'vitals-stale', 'bp-160', 'bp-160-confirmed', 'bp-above-180', 'confirmed-high'];

/** The explicit event set offered in a snapshot: only types its active states handle, never earlier than its clock floor. */
function eventsFor(def: ProtocolDefinition) {
  const p = def.defaults;
  const planned = plannedDose(p, SESSION);
  const window = p.dosing.supplementalWindowMinutes;
  return (snapshot: AnyMachineSnapshot): SessionEvent[] => {
    if (snapshot.status !== 'active') return []; // the runtime refuses every event once closed
    const ctx = snapshot.context as DosingContext;
    const floor = clockFloor(ctx);
    const times = OFFSETS.filter((o) => ms(addMinutes(T0, o)) >= floor);
    const first = times[0];
    const handled = new Set(handledEvents(snapshot));
    const out: SessionEvent[] = [];
    const add = (type: string, offset: number, o?: EventOptions) => {
      if (handled.has(type)) out.push(makeEvent(p, type, offset, o));
    };

    add('START', first);
    for (const t of times) {
      // the first dose: every fact combination, the planned and a wrong amount, and overrides
      for (const variant of DOSE_VARIANTS) add('DOSE_INITIAL', t, { variant, data: { amountMg: planned.initialMg } });
      add('DOSE_INITIAL', t, { data: { amountMg: planned.initialMg + 10 } });
      add('DOSE_INITIAL', t, { variant: 'pregnancy-stale', data: { amountMg: planned.initialMg }, waived: ['predose.pregnancy-test'] });
      add('DOSE_INITIAL', t, { variant: 'pregnancy-stale+one-therapist', data: { amountMg: planned.initialMg }, waived: ['predose.pregnancy-test'] });
      // nasal devices, numbers 1..3
      for (const seq of [1, 2, 3]) {
        // later devices do not pass the pre-dose gate again: a stale test no longer matters
        for (const variant of seq === 1 ? DOSE_VARIANTS : (['complete', 'pregnancy-stale'] as Variant[])) {
          add('DOSE_DEVICE', t, { variant, data: { deviceSeq: seq, amountMg: p.dosing.deviceMg ?? 28 } });
        }
      }
      add('DOSE_DEVICE', t, { data: { deviceSeq: 1, amountMg: 56 } });
      add('DOSE_DEVICE', t, { variant: 'pregnancy-stale', data: { deviceSeq: 1, amountMg: p.dosing.deviceMg ?? 28 }, waived: ['predose.pregnancy-test'] });
      // the supplemental dose: inside and outside its window, facts and the BP rule, who decides
      for (const variant of SUPPLEMENTAL_VARIANTS) add('DOSE_SUPPLEMENTAL', t, { variant, data: { amountMg: planned.supplementalMg ?? 40 } });
      add('DOSE_SUPPLEMENTAL', t, { actor: 'clinician', data: { amountMg: planned.supplementalMg ?? 40 } });
      add('DOSE_SUPPLEMENTAL', t, { reason: false, data: { amountMg: planned.supplementalMg ?? 40 } });
      add('DOSE_SUPPLEMENTAL', t, { variant: 'bp-160', actor: 'clinician', data: { amountMg: planned.supplementalMg ?? 40 } });
      add('DOSE_SUPPLEMENTAL', t, { waived: ['supplemental.once', 'role.investigator'], actor: 'clinician', data: { amountMg: planned.supplementalMg ?? 40 } });
      add('DECLINE_SUPPLEMENTAL', t);
      add('DECLINE_SUPPLEMENTAL', t, { reason: false });
      // an internal timer event, sent only once the window has closed
      if (window && ctx.doseAt && ms(addMinutes(T0, t)) > ms(addMinutes(ctx.doseAt, window.to))) add('SUPPLEMENTAL_WINDOW_CLOSED', t);
      add('BEGIN_RECOVERY', t);
      for (const variant of DISCHARGE_VARIANTS) add('DISCHARGE', t, { variant });
      add('START_OVERNIGHT', t);
      add('START_OVERNIGHT', t, { variant: 'no-attendant' });
      for (const variant of ['complete', 'discharge-unsigned', 'alarm-open', 'cssrs-positive'] as Variant[]) add('END_OVERNIGHT', t, { variant });
    }
    // holds, by an investigator and by a clinician
    for (const t of times.slice(0, 2)) {
      add('RAISE_HOLD', t, { actor: 'investigator' });
      add('RAISE_HOLD', t, { actor: 'clinician' });
      add('RAISE_HOLD', t, { actor: 'clinician', reason: false });
      add('RESOLVE_HOLD', t, { actor: 'investigator' });
      add('RESOLVE_HOLD', t, { actor: 'clinician' });
      add('RESOLVE_HOLD', t, { actor: 'investigator', reason: false });
    }
    // early exits, each kind, by whom, with and without a reason
    for (const exit of SESSION_EXITS) {
      add('ABORT', first, { data: { exit } });
      add('ABORT', first, { data: { exit }, actor: 'clinician' });
    }
    add('ABORT', first, { data: { exit: 'left_against_advice' }, reason: false });
    add('ABORT', first, { data: { exit: 'coffee_break' } });
    add('CLOSE', first);
    return out;
  };
}

function devicesLabel(ctx: DosingContext): string {
  if (ctx.devicesGiven === 0) return 'none';
  return ctx.devicesGiven >= plannedDevices(ctx) ? 'all' : 'some';
}

/** State value and derived booleans only: no counters, no times. */
function serialize(value: AnyMachineSnapshot['value'], ctx: DosingContext, status: string | undefined): string {
  return JSON.stringify({
    state: statePath(value),
    status,
    dosed: ctx.doseAt !== null,
    devices: devicesLabel(ctx),
    supplemental: ctx.supplementalDecision,
    overnight: ctx.overnightStartedAt !== null,
    holdFrom: ctx.holdFrom,
    exit: ctx.exit,
  });
}

const serializeState = (s: AnyMachineSnapshot) => serialize(s.value, s.context as DosingContext, s.status);

/** All leaf state paths of a machine ('monitoring.acute', 'closed', ...). */
function leafPaths(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode, prefix: string[]) => {
    const children = Object.values(node.states) as AnyStateNode[];
    if (children.length === 0) out.push(prefix.join('.'));
    for (const child of children) walk(child, [...prefix, child.key]);
  };
  walk(machine.root, []);
  return out.sort();
}

/**
 * The safety properties of one accepted step, from the context before it: the list of
 * violations (empty when the step was allowed to happen).
 */
function violations(prev: DosingContext, event: SessionEvent, next: DosingContext): string[] {
  const out: string[] = [];
  const p = prev.params;
  const f = event.facts;
  const isInvestigator = event.actor.roles.includes('investigator');
  const hasReason = !!event.reason?.trim();
  if (event.type === 'DOSE_INITIAL' || (event.type === 'DOSE_DEVICE' && prev.devicesGiven === 0)) {
    const open = outstanding(predoseGate, prev, event);
    if (open.length > 0) out.push(`dose accepted while the pre-dose gate reports ${open.map((u) => u.requirement).join(', ')}`);
    if (prev.doseAt !== null && event.type === 'DOSE_INITIAL') out.push('a second initial dose was accepted');
  }
  if (event.type === 'DOSE_DEVICE') {
    if (prev.devicesGiven >= plannedDevices(prev)) out.push('a device beyond the planned dose was accepted');
    if (event.data?.deviceSeq !== prev.devicesGiven + 1) out.push('a device out of sequence was accepted');
    if (prev.lastDeviceAt && minutesBetween(prev.lastDeviceAt, f.now) < p.dosing.deviceIntervalMinutes && !event.waived.includes('dose.device-interval')) {
      out.push('a device was accepted before the device interval');
    }
  }
  if (event.type === 'DOSE_SUPPLEMENTAL') {
    const window = p.dosing.supplementalWindowMinutes;
    if (!window || plannedDose(p, prev.sessionNumber).supplementalMg === null) out.push('a supplemental dose was accepted in a protocol without one');
    if (prev.supplementalAt !== null || prev.supplementalDecision !== null) out.push('a second supplemental dose (or one after the decision) was accepted');
    if (!prev.doseAt) out.push('a supplemental dose was accepted before the initial dose');
    else if (window) {
      const since = minutesBetween(prev.doseAt, f.now);
      if (since < window.from || since > window.to) out.push(`a supplemental dose was accepted outside its window (${since} min after the dose)`);
    }
    if (f.alarms.bpAbove180 || f.alarms.bpAtOrAbove160Confirmed || f.alarms.confirmedHigh) out.push('a supplemental dose was accepted despite the BP rule or a confirmed high alarm');
    if (!isInvestigator || !hasReason) out.push('a supplemental dose was accepted without an investigator decision with a reason');
  }
  if (event.type === 'DISCHARGE' || event.type === 'END_OVERNIGHT') {
    if (!prev.doseAt) out.push(`${event.type} accepted without a dose`);
    else {
      const min = minimumMonitoringMinutes(p, prev.totalDoseMg);
      if (minutesBetween(prev.doseAt, f.now) < min) out.push(`${event.type} accepted before the minimum monitoring time (${min} min)`);
    }
    if (!f.checklists.discharge?.signed) out.push(`${event.type} accepted without a signed discharge checklist`);
    if (f.alarms.openPhysiological > 0) out.push(`${event.type} accepted with open physiological alarms`);
    if (f.cssrs?.positive && !f.cssrs.riskAssessmentRecorded) out.push(`${event.type} accepted with a positive C-SSRS and no risk assessment`);
    if (p.monitoring.needsSedationResolved) {
      const a = f.assessments;
      if (a.sedationResolved !== true || a.dissociationResolved !== true || a.respiratoryDepressionResolved !== true) {
        out.push(`${event.type} accepted before sedation, dissociation and respiratory depression resolved`);
      }
    }
  }
  if (event.type === 'DISCHARGE' && p.monitoring.overnightStay && !prev.overnightStartedAt) out.push('DISCHARGE accepted without the overnight stay');
  if (event.type === 'END_OVERNIGHT' && prev.overnightStartedAt && minutesBetween(prev.overnightStartedAt, f.now) < p.monitoring.overnightMinimumHours * 60) {
    out.push('END_OVERNIGHT accepted before the overnight minimum');
  }
  if (event.type === 'START_OVERNIGHT') {
    if (!p.monitoring.overnightStay) out.push('an overnight stay started in a protocol without one');
    if (!prev.doseAt || minutesBetween(prev.doseAt, f.now) < minimumMonitoringMinutes(p, prev.totalDoseMg)) out.push('START_OVERNIGHT accepted before the minimum monitoring time');
  }
  if (event.type === 'RESOLVE_HOLD' && (!isInvestigator || !hasReason)) out.push('a hold was resolved without an investigator and a reason');
  if (event.type === 'RAISE_HOLD' && !hasReason) out.push('a hold was raised without a reason');
  if (event.type === 'ABORT') {
    if (!SESSION_EXITS.includes(event.data?.exit as never)) out.push('ABORT accepted with an unknown exit');
    if (event.data?.exit === 'stopped_by_investigator' && !isInvestigator) out.push('a clinician stopped the session');
    if (!hasReason) out.push('ABORT accepted without a reason');
    if (next.exit !== event.data?.exit) out.push('ABORT did not record its exit');
  }
  // what an accepted step records
  const amount = typeof event.data?.amountMg === 'number' ? event.data.amountMg : NaN;
  if (event.type === 'DOSE_INITIAL' && (next.doseAt !== f.now || next.totalDoseMg !== amount)) out.push('DOSE_INITIAL did not record the dose and its time');
  if (event.type === 'DOSE_DEVICE' && (next.devicesGiven !== prev.devicesGiven + 1 || next.lastDeviceAt !== f.now || next.totalDoseMg !== prev.totalDoseMg + amount || next.doseAt !== (prev.doseAt ?? f.now))) {
    out.push('DOSE_DEVICE did not record the device');
  }
  if (event.type === 'DOSE_SUPPLEMENTAL' && (next.supplementalAt !== f.now || next.supplementalDecision !== 'given' || next.totalDoseMg !== prev.totalDoseMg + amount)) {
    out.push('DOSE_SUPPLEMENTAL did not record the dose');
  }
  if (event.type === 'DECLINE_SUPPLEMENTAL' && next.supplementalDecision !== 'declined') out.push('DECLINE_SUPPLEMENTAL did not record the decision');
  if (event.type === 'START_OVERNIGHT' && next.overnightStartedAt !== f.now) out.push('START_OVERNIGHT did not record its start');
  if (event.type === 'RAISE_HOLD' && (next.holdReason !== event.reason || next.holdFrom === null)) out.push('RAISE_HOLD did not record the hold');
  if (event.type === 'RESOLVE_HOLD' && (next.holdReason !== null || next.holdFrom !== null)) out.push('RESOLVE_HOLD did not clear the hold');
  // recorded time never goes backwards in a traversal (a check on the harness itself)
  if (next.doseAt && prev.doseAt && next.doseAt !== prev.doseAt) out.push('the dose time changed after the dose');
  return out;
}

interface Traversal {
  def: ProtocolDefinition;
  runnable: RunnableMachine;
  input: { protocolId: string; protocolVersion: string; params: ProtocolParameters; sessionNumber: number };
  edges: { state: AnyMachineSnapshot; event: SessionEvent; nextState: AnyMachineSnapshot; accepted: boolean }[];
  reached: Set<string>;
  paths: ReturnType<typeof getShortestPaths<AnyStateMachine>>;
}

function changed(a: { value: unknown; context: unknown }, b: { value: unknown; context: unknown }) {
  return statePath(a.value as never) !== statePath(b.value as never) || JSON.stringify(a.context) !== JSON.stringify(b.context);
}

const traversals = new Map<string, Traversal>();

function traverse(protocolId: string): Traversal {
  const cached = traversals.get(protocolId);
  if (cached) return cached;
  const def = findProtocol(protocolId)!;
  const runnable = def.machines.dosing!;
  const machine = runnable.machine;
  const input = { protocolId: def.id, protocolVersion: def.version, params: def.defaults, sessionNumber: SESSION };
  const options = { input, events: eventsFor(def), serializeState, limit: LIMIT };
  const adjacency = getAdjacencyMap(machine, options);
  const edges = adjacencyMapToArray(adjacency).map((e) => ({ ...e, event: e.event as SessionEvent, accepted: changed(e.state, e.nextState) }));
  const reached = new Set(Object.values(adjacency).map((v) => statePath(v.state.value)));
  const paths = getShortestPaths(machine, options);
  const t: Traversal = { def, runnable, input, edges, reached, paths };
  traversals.set(protocolId, t);
  return t;
}

const persisted = (s: AnyMachineSnapshot): PersistedSnapshot => ({ value: s.value, context: s.context as Record<string, unknown>, status: s.status });

const EXPECTED_STATES: Record<string, string[]> = {
  'mdma-ptsd': ['scheduled', 'preDose', 'monitoring.acute', 'monitoring.settled', 'monitoring.recovery', 'monitoring.hold', 'overnight', 'discharged', 'exited', 'closed'],
  'psilocybin-trd': ['scheduled', 'preDose', 'monitoring.acute', 'monitoring.recovery', 'monitoring.hold', 'discharged', 'exited', 'closed'],
  'esketamine-rems': ['scheduled', 'preDose', 'dosing', 'monitoring.acute', 'monitoring.recovery', 'monitoring.hold', 'discharged', 'exited', 'closed'],
};
/** Leaf states a protocol never uses: no device series for oral doses, no supplemental decision or overnight stay where the protocol has none. */
const UNUSED_STATES: Record<string, string[]> = {
  'mdma-ptsd': ['dosing'],
  'psilocybin-trd': ['dosing', 'monitoring.settled', 'overnight'],
  'esketamine-rems': ['monitoring.settled', 'overnight'],
};

describe.each(['mdma-ptsd', 'psilocybin-trd', 'esketamine-rems'])('dosing machine paths: %s', (protocolId) => {
  it('traverses within the limit and reaches every state node the protocol uses', () => {
    const t = traverse(protocolId);
    const all = leafPaths(t.runnable.machine);
    expect(all).toEqual(['closed', 'discharged', 'dosing', 'exited', 'monitoring.acute', 'monitoring.hold', 'monitoring.recovery', 'monitoring.settled', 'overnight', 'preDose', 'scheduled']);
    expect([...t.reached].sort()).toEqual([...EXPECTED_STATES[protocolId]].sort());
    // every leaf node is either reached or deliberately unused by this protocol
    expect([...EXPECTED_STATES[protocolId], ...UNUSED_STATES[protocolId]].sort()).toEqual(all);
    // one shortest path per abstract state, and the final state is among them
    expect(t.paths.length).toBe(new Set(t.paths.map((p) => serializeState(p.state))).size);
    expect(t.paths.some((p) => p.state.status === 'done')).toBe(true);
  });

  it('reaches the exited state with each exit kind', () => {
    const t = traverse(protocolId);
    const exits = new Set(t.edges.filter((e) => e.accepted && e.event.type === 'ABORT').map((e) => (e.nextState.context as DosingContext).exit));
    expect([...exits].sort()).toEqual([...SESSION_EXITS].sort());
  });

  it('holds the safety properties on every edge of the adjacency map', () => {
    const t = traverse(protocolId);
    expect(t.edges.length).toBeGreaterThan(200);
    const problems: string[] = [];
    for (const e of t.edges) {
      if (!e.accepted) continue;
      for (const v of violations(e.state.context as DosingContext, e.event, e.nextState.context as DosingContext)) {
        problems.push(`${statePath(e.state.value)} --${e.event.type} ${JSON.stringify(meta(e.event))}--> ${statePath(e.nextState.value)}: ${v}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the runtime evaluate() agrees with the machine guard on every edge', () => {
    const t = traverse(protocolId);
    const disagreements: string[] = [];
    for (const e of t.edges) {
      const result = evaluate(t.runnable, persisted(e.state), e.event);
      if (result.accepted !== e.accepted) {
        disagreements.push(`${statePath(e.state.value)} ${e.event.type} ${JSON.stringify(meta(e.event))}: machine ${e.accepted}, runtime ${result.accepted}`);
      } else if (result.accepted && result.to !== statePath(e.nextState.value)) {
        disagreements.push(`${statePath(e.state.value)} ${e.event.type}: machine -> ${statePath(e.nextState.value)}, runtime -> ${result.to}`);
      } else if (!result.accepted && result.unmet.length === 0) {
        disagreements.push(`${statePath(e.state.value)} ${e.event.type}: refused without a reason`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('replays every shortest path step by step through evaluate(), each step accepted and safe', () => {
    const t = traverse(protocolId);
    expect(t.paths.length).toBeGreaterThanOrEqual(EXPECTED_STATES[protocolId].length);
    for (const path of t.paths) {
      let snap = start(t.runnable, t.input);
      let lastRecorded = ms(T0);
      for (const step of path.steps) {
        if (step.event.type.startsWith('xstate.')) continue; // the initial step
        const prev = snap.context as unknown as DosingContext;
        const result = evaluate(t.runnable, snap, step.event);
        if (!result.accepted) throw new Error(`path to ${serializeState(path.state)}: ${step.event.type} refused: ${JSON.stringify(result.unmet)}`);
        const next = result.snapshot.context as unknown as DosingContext;
        expect(violations(prev, step.event, next)).toEqual([]);
        expect(serialize(result.snapshot.value, next, result.snapshot.status)).toBe(serializeState(step.state));
        // recorded time only moves forward on a path
        const floor = clockFloor(next);
        expect(floor).toBeGreaterThanOrEqual(lastRecorded);
        lastRecorded = floor;
        snap = result.snapshot;
      }
      expect(serialize(snap.value, snap.context as unknown as DosingContext, snap.status)).toBe(serializeState(path.state));
    }
  });

  it('refuses the first dose for each incomplete fact set, accepts complete facts and the waived stale pregnancy test only', () => {
    const t = traverse(protocolId);
    const doseType = t.def.defaults.dosing.deviceMg ? 'DOSE_DEVICE' : 'DOSE_INITIAL';
    const fromPreDose = t.edges.filter((e) => statePath(e.state.value) === 'preDose' && e.event.type === doseType && (doseType === 'DOSE_INITIAL' || e.event.data?.deviceSeq === 1));
    const planned = plannedDose(t.def.defaults, SESSION).initialMg;
    const byLabel = new Map<string, boolean>();
    for (const e of fromPreDose) {
      const m = meta(e.event);
      const wrongAmount = e.event.data?.amountMg !== (doseType === 'DOSE_INITIAL' ? planned : t.def.defaults.dosing.deviceMg);
      const label = `${m.variant}${m.waived.length ? ' waived ' + m.waived.join(',') : ''}${wrongAmount ? ' wrong amount' : ''}`;
      // the same answer at every clock time
      if (byLabel.has(label)) expect(e.accepted).toBe(byLabel.get(label));
      byLabel.set(label, e.accepted);
    }
    const expected: Record<string, boolean> = {
      complete: true,
      'predose-unsigned': false,
      'pregnancy-stale': false,
      'pregnancy-stale waived predose.pregnancy-test': true,
      'one-therapist': t.def.defaults.staffing.therapists < 2,
      'baseline-stale': false,
      'no-prescriber': !t.def.defaults.staffing.prescriberOnSite,
      'prohibited-medication': false,
    };
    expected['complete wrong amount'] = false;
    if (doseType === 'DOSE_INITIAL') expected['pregnancy-stale+one-therapist waived predose.pregnancy-test'] = false;
    expect(Object.fromEntries(byLabel)).toEqual(expected);
  });

  it('accepts DISCHARGE (or END_OVERNIGHT) only with complete release facts after the minimum time', () => {
    const t = traverse(protocolId);
    const type = t.def.defaults.monitoring.overnightStay ? 'END_OVERNIGHT' : 'DISCHARGE';
    const releases = t.edges.filter((e) => e.event.type === type && e.accepted);
    expect(releases.length).toBeGreaterThan(0);
    const releasable: Variant[] = t.def.defaults.monitoring.needsSedationResolved
      ? ['complete', 'cssrs-positive-assessed']
      : ['complete', 'cssrs-positive-assessed', 'sedation-unresolved', 'dissociation-unresolved', 'respiration-unresolved'];
    for (const e of releases) expect(releasable).toContain(meta(e.event).variant);
    const min = minimumMonitoringMinutes(t.def.defaults, plannedDose(t.def.defaults, SESSION).initialMg);
    // refused with complete facts at a time before the minimum, accepted at the first offset after it
    const complete = t.edges.filter((e) => e.event.type === type && meta(e.event).variant === 'complete' && (e.state.context as DosingContext).doseAt === T0);
    const early = complete.filter((e) => meta(e.event).offset < min);
    if (type === 'DISCHARGE') expect(early.length).toBeGreaterThan(0);
    for (const e of early) expect(e.accepted).toBe(false);
  });
});

describe('dosing machine paths: protocol specifics', () => {
  it('MDMA: the supplemental dose is accepted only inside 90–150 min after the dose, by an investigator with a reason, and once', () => {
    const t = traverse('mdma-ptsd');
    const supplemental = t.edges.filter((e) => e.event.type === 'DOSE_SUPPLEMENTAL' && (e.state.context as DosingContext).doseAt === T0);
    const acceptedAt = new Set(supplemental.filter((e) => e.accepted).map((e) => meta(e.event).offset));
    expect([...acceptedAt].sort((a, b) => a - b)).toEqual([100, 130]);
    const refusedAt = new Set(supplemental.filter((e) => !e.accepted && meta(e.event).variant === 'complete' && meta(e.event).actor === 'investigator' && meta(e.event).reason).map((e) => meta(e.event).offset));
    expect([...refusedAt]).toEqual(expect.arrayContaining([0, 30, 200, 310]));
    for (const e of supplemental.filter((x) => x.accepted)) {
      expect(meta(e.event)).toMatchObject({ actor: 'investigator', reason: true });
      expect(['complete', 'bp-160']).toContain(meta(e.event).variant);
      expect(meta(e.event).waived).toEqual([]);
    }
    // a second one: wherever the supplemental decision is taken and the acute state is back (after a hold), it is refused
    const again = t.edges.filter((e) => e.event.type === 'DOSE_SUPPLEMENTAL' && (e.state.context as DosingContext).supplementalDecision !== null);
    expect(again.length).toBeGreaterThan(0);
    for (const e of again) expect(e.accepted).toBe(false);
    expect(t.reached.has('overnight')).toBe(true);
  });

  it('MDMA: the supplemental window closing during a hold is recorded, and the hold then resumes past the decision', () => {
    const t = traverse('mdma-ptsd');
    const closedInHold = t.edges.filter((e) => e.accepted && e.event.type === 'SUPPLEMENTAL_WINDOW_CLOSED' && statePath(e.state.value) === 'monitoring.hold');
    expect(closedInHold.length).toBeGreaterThan(0);
    for (const e of closedInHold) {
      expect(statePath(e.nextState.value)).toBe('monitoring.hold');
      expect((e.nextState.context as DosingContext).supplementalDecision).toBe('window-closed');
    }
    const resumed = t.edges.filter((e) => e.accepted && e.event.type === 'RESOLVE_HOLD' && (e.state.context as DosingContext).supplementalDecision === 'window-closed');
    expect(resumed.length).toBeGreaterThan(0);
    for (const e of resumed) expect(statePath(e.nextState.value)).not.toBe('monitoring.acute');
  });

  it('holds are raised by anyone with a reason and resolved only by an investigator with a reason, back where they came from', () => {
    for (const id of ['mdma-ptsd', 'psilocybin-trd', 'esketamine-rems']) {
      const t = traverse(id);
      const raised = t.edges.filter((e) => e.accepted && e.event.type === 'RAISE_HOLD');
      expect(new Set(raised.map((e) => meta(e.event).actor))).toEqual(new Set(['investigator', 'clinician']));
      const resolved = t.edges.filter((e) => e.event.type === 'RESOLVE_HOLD');
      expect(resolved.some((e) => e.accepted)).toBe(true);
      for (const e of resolved) {
        const m = meta(e.event);
        expect(e.accepted).toBe(m.actor === 'investigator' && m.reason);
        if (e.accepted) {
          const from = (e.state.context as DosingContext).holdFrom;
          // a hold between nasal devices resumes the series; a hold from acute monitoring resumes in settled
          // when the supplemental decision was taken meanwhile (the window closed during the hold)
          const ctx = e.state.context as DosingContext;
          const expected = from === 'dosing' ? 'dosing' : from === 'acute' && ctx.supplementalDecision ? 'monitoring.settled' : `monitoring.${from}`;
          expect(statePath(e.nextState.value)).toBe(expected);
        }
      }
    }
  });

  it('psilocybin: 25 mg needs 5 h of monitoring (Oregon preset): refused at T0+200, accepted at T0+310', () => {
    const t = traverse('psilocybin-trd');
    const discharge = t.edges.filter((e) => e.event.type === 'DISCHARGE' && meta(e.event).variant === 'complete' && (e.state.context as DosingContext).doseAt === T0);
    const at = (offset: number) => discharge.filter((e) => meta(e.event).offset === offset).map((e) => e.accepted);
    expect(at(200)).toEqual(expect.arrayContaining([false]));
    expect(at(200)).not.toContain(true);
    expect(at(310)).toContain(true);
  });

  it('esketamine: two devices at least 5 min apart; a third is never accepted; 2 h minimum', () => {
    const t = traverse('esketamine-rems');
    const second = t.edges.filter((e) => e.event.type === 'DOSE_DEVICE' && statePath(e.state.value) === 'dosing' && e.event.data?.deviceSeq === 2 && meta(e.event).variant === 'complete');
    const acceptedAt = second.filter((e) => e.accepted).map((e) => meta(e.event).offset);
    expect(Math.min(...acceptedAt)).toBe(5);
    expect(second.filter((e) => !e.accepted).map((e) => meta(e.event).offset)).toEqual(expect.arrayContaining([0, 3]));
    const afterSecond = second.find((e) => e.accepted)!;
    expect(statePath(afterSecond.nextState.value)).toBe('monitoring.acute');
    expect((afterSecond.nextState.context as DosingContext).totalDoseMg).toBe(56);
    expect(t.edges.filter((e) => e.event.data?.deviceSeq === 3 && e.accepted)).toEqual([]);
    const discharge = t.edges.filter((e) => e.event.type === 'DISCHARGE' && meta(e.event).variant === 'complete' && (e.state.context as DosingContext).doseAt === T0);
    expect(discharge.filter((e) => meta(e.event).offset === 100).every((e) => !e.accepted)).toBe(true);
    expect(discharge.some((e) => meta(e.event).offset === 130 && e.accepted)).toBe(true);
  });

  it('esketamine: DOSE_INITIAL is never accepted (the dose is a series of devices); the oral protocols never take DOSE_DEVICE', () => {
    for (const id of ['mdma-ptsd', 'psilocybin-trd']) expect(traverse(id).edges.filter((e) => e.event.type === 'DOSE_DEVICE' && e.accepted)).toEqual([]);
    const t = traverse('esketamine-rems');
    const initial = t.edges.filter((e) => e.event.type === 'DOSE_INITIAL' && e.accepted);
    expect(initial).toEqual([]);
  });

  it('esketamine: a hold between devices resumes the series; monitoring never runs on part of the dose', () => {
    const t = traverse('esketamine-rems');
    const partial = t.edges.filter(
      (e) => e.accepted && statePath(e.nextState.value).startsWith('monitoring.') && statePath(e.nextState.value) !== 'monitoring.hold' && devicesLabel(e.nextState.context as DosingContext) === 'some',
    );
    expect(partial).toEqual([]);
    const resumed = t.edges.filter((e) => e.accepted && e.event.type === 'RESOLVE_HOLD' && (e.state.context as DosingContext).holdFrom === 'dosing');
    expect(resumed.length).toBeGreaterThan(0);
    for (const e of resumed) expect(statePath(e.nextState.value)).toBe('dosing');
    // and the second device is then accepted from there
    const afterResume = t.edges.filter((e) => e.accepted && e.event.type === 'DOSE_DEVICE' && statePath(e.state.value) === 'dosing');
    expect(afterResume.some((e) => statePath(e.nextState.value) === 'monitoring.acute')).toBe(true);
  });
});
