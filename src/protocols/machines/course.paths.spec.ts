import { AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { ProtocolParameters } from '../parameters';
import { findProtocol } from '../registry';
import { describe as describeMachine, evaluate, handledEvents, PersistedSnapshot, RunnableMachine, start, statePath } from '../runtime';
import { completeFacts } from '../testing/facts';
import { addMinutes } from '../time';
import { EventActor, Phase, SessionEvent } from '../types';
import { allowedPhases, CourseContext } from './course.machine';

/**
 * A participant's course: the full path of each shipped protocol, the phases it allows in each
 * state, its distinct endings, and a graph traversal showing every course state reachable and
 * the counting rules held on every edge.
 */

const T0 = '2026-03-02T08:00:00.000Z';
const INVESTIGATOR: EventActor = { userId: 'investigator-1', roles: ['investigator'] };
type ProtocolId = 'mdma-ptsd' | 'psilocybin-trd' | 'esketamine-rems';

interface EventOptions {
  data?: Record<string, unknown>;
  reason?: string | null;
  minutes?: number;
}

function courseEvent(params: ProtocolParameters, type: string, o: EventOptions = {}): SessionEvent {
  return {
    type,
    data: o.data ?? {},
    facts: completeFacts(params, addMinutes(T0, o.minutes ?? 0)),
    waived: [],
    actor: INVESTIGATOR,
    ...(o.reason === null ? {} : { reason: o.reason ?? `${type}: documented` }),
  };
}

const closed = (phase: Phase, dosed?: boolean): EventOptions => ({ data: dosed === undefined ? { phase } : { phase, dosed } });

/** Drives one course through the runtime, as the server does. */
class Course {
  readonly runnable: RunnableMachine;
  readonly params: ProtocolParameters;
  snap: PersistedSnapshot;
  private clock = 0;

  constructor(readonly protocolId: ProtocolId) {
    const def = findProtocol(protocolId)!;
    this.runnable = def.machines.course!;
    this.params = def.defaults;
    this.snap = start(this.runnable, { protocolId: def.id, protocolVersion: def.version, params: def.defaults });
  }

  get state() {
    return statePath(this.snap.value);
  }
  get context() {
    return this.snap.context as unknown as CourseContext;
  }

  try(type: string, o: EventOptions = {}) {
    this.clock += 60 * 24;
    return evaluate(this.runnable, this.snap, courseEvent(this.params, type, { minutes: this.clock, ...o }));
  }

  /** Sends an event that must be accepted; returns the new state path. */
  send(type: string, o: EventOptions = {}): string {
    const result = this.try(type, o);
    if (!result.accepted) throw new Error(`${type} refused in ${this.state}: ${JSON.stringify(result.unmet)}`);
    this.snap = result.snapshot;
    return result.to;
  }

  /** Sends an event that must be refused; returns the unmet requirements. */
  refuse(type: string, o: EventOptions = {}) {
    const result = this.try(type, o);
    if (result.accepted) throw new Error(`${type} accepted in ${this.state} -> ${result.to}`);
    return result.unmet;
  }

  screen(): string {
    expect(this.send('CONSENT_SIGNED', { data: { consentVersion: '1.0' } })).toBe('screening.eligibility');
    return this.send('ELIGIBILITY_CONFIRMED');
  }
}

describe('course: full paths', () => {
  it('MDMA: consent -> eligibility -> 3 preparation -> 3 x (dosing + 3 integration) -> follow-up -> completed', () => {
    const c = new Course('mdma-ptsd');
    expect(c.state).toBe('screening.consent');
    expect(c.send('CONSENT_SIGNED', { data: { consentVersion: '1.0', signedAt: '2026-03-01T10:00:00Z' } })).toBe('screening.eligibility');
    expect(c.context).toMatchObject({ consentVersion: '1.0', consentedAt: '2026-03-01T10:00:00.000Z' });
    expect(c.send('ELIGIBILITY_CONFIRMED')).toBe('preparation');
    expect(c.send('SESSION_CLOSED', closed('preparation'))).toBe('preparation');
    expect(c.send('SESSION_CLOSED', closed('preparation'))).toBe('preparation');
    expect(c.send('SESSION_CLOSED', closed('preparation'))).toBe('treatment.dosing');
    for (let cycle = 1; cycle <= 3; cycle++) {
      expect(c.send('SESSION_CLOSED', closed('dosing', true))).toBe('treatment.integration');
      expect(c.context).toMatchObject({ dosingDone: cycle, integrationDone: 0 });
      expect(c.send('SESSION_CLOSED', closed('integration'))).toBe('treatment.integration');
      expect(c.send('SESSION_CLOSED', closed('integration'))).toBe('treatment.integration');
      expect(c.send('SESSION_CLOSED', closed('integration'))).toBe(cycle < 3 ? 'treatment.dosing' : 'followUp');
    }
    expect(c.context).toMatchObject({ preparationDone: 3, dosingDone: 3, integrationDone: 3, followUpDone: 0, discontinued: false, ending: null });
    // MDMA has no scheduled follow-up visits: the course can complete
    expect(c.send('COMPLETE')).toBe('completed');
    expect(c.snap.status).toBe('done');
    expect(c.refuse('WITHDRAW_CONSENT')).toEqual([{ requirement: 'state', message: expect.stringContaining('closed') }]);
  });

  it('psilocybin: 1 preparation, 1 dosing, 1 integration, then 5 follow-up visits before COMPLETE', () => {
    const c = new Course('psilocybin-trd');
    expect(c.screen()).toBe('preparation');
    expect(c.send('SESSION_CLOSED', closed('preparation'))).toBe('treatment.dosing');
    expect(c.send('SESSION_CLOSED', closed('dosing', true))).toBe('treatment.integration');
    expect(c.send('SESSION_CLOSED', closed('integration'))).toBe('followUp');
    expect(c.refuse('COMPLETE')).toEqual([{ requirement: 'follow-up.visits', message: '5 of 5 follow-up visits not done' }]);
    for (let visit = 1; visit <= 4; visit++) expect(c.send('SESSION_CLOSED', closed('follow-up'))).toBe('followUp');
    expect(c.refuse('COMPLETE')).toEqual([{ requirement: 'follow-up.visits', message: '1 of 5 follow-up visits not done' }]);
    expect(c.send('SESSION_CLOSED', closed('follow-up'))).toBe('followUp');
    expect(c.send('COMPLETE')).toBe('completed');
    expect(c.context.followUpDone).toBe(5);
  });

  it('esketamine: no preparation, 8 dosing sessions, no integration', () => {
    const c = new Course('esketamine-rems');
    expect(c.screen()).toBe('treatment.dosing');
    for (let n = 1; n <= 8; n++) expect(c.send('SESSION_CLOSED', closed('dosing', true))).toBe(n < 8 ? 'treatment.dosing' : 'followUp');
    expect(c.context).toMatchObject({ preparationDone: 0, dosingDone: 8, integrationDone: 0 });
    expect(c.refuse('SESSION_CLOSED', closed('integration'))[0].requirement).toBe('state');
    expect(c.send('COMPLETE')).toBe('completed');
  });

  it('a dosing session closed without a dose does not count, nor does a session of another phase', () => {
    const c = new Course('mdma-ptsd');
    c.screen();
    for (let i = 0; i < 3; i++) c.send('SESSION_CLOSED', closed('preparation'));
    expect(c.state).toBe('treatment.dosing');
    expect(c.refuse('SESSION_CLOSED', closed('dosing', false))).toEqual([{ requirement: 'state', message: 'SESSION_CLOSED changes nothing in state treatment.dosing' }]);
    expect(c.refuse('SESSION_CLOSED', closed('dosing'))[0].requirement).toBe('state');
    expect(c.refuse('SESSION_CLOSED', closed('integration'))[0].requirement).toBe('state');
    expect(c.refuse('SESSION_CLOSED', closed('preparation'))[0].requirement).toBe('state');
    expect(c.context.dosingDone).toBe(0);
    expect(c.send('SESSION_CLOSED', closed('dosing', true))).toBe('treatment.integration');
    // in integration, a dosing close does not count either
    expect(c.refuse('SESSION_CLOSED', closed('dosing', true))[0].requirement).toBe('state');
    expect(c.context).toMatchObject({ dosingDone: 1, integrationDone: 0 });
  });

  it('consent: the version is required; re-consent (an amendment) during the course updates it', () => {
    const c = new Course('psilocybin-trd');
    expect(c.refuse('CONSENT_SIGNED')).toEqual([{ requirement: 'consent.version', message: 'the consent version signed is required' }]);
    expect(c.refuse('CONSENT_SIGNED', { data: { consentVersion: '  ' } })[0].requirement).toBe('consent.version');
    expect(c.refuse('ELIGIBILITY_CONFIRMED')[0].requirement).toBe('state');
    c.screen();
    expect(c.send('CONSENT_SIGNED', { data: { consentVersion: '2.0' } })).toBe('preparation');
    expect(c.context.consentVersion).toBe('2.0');
  });
});

describe('course: allowedPhases', () => {
  it('allows exactly the phase of the state', () => {
    expect(allowedPhases('screening.consent')).toEqual([]);
    expect(allowedPhases('screening.eligibility')).toEqual([]);
    expect(allowedPhases('preparation')).toEqual(['preparation']);
    expect(allowedPhases('treatment.dosing')).toEqual(['dosing']);
    expect(allowedPhases('treatment.integration')).toEqual(['integration']);
    expect(allowedPhases('followUp')).toEqual(['follow-up']);
    expect(allowedPhases('completed')).toEqual([]);
    for (const e of ['screenFailed', 'withdrawn', 'lostToFollowUp', 'death']) expect(allowedPhases(`ended.${e}`)).toEqual([]);
  });

  it('along the MDMA path, the phase allowed is the phase of the next session to close', () => {
    const c = new Course('mdma-ptsd');
    const seen: string[] = [];
    const closeNext = () => {
      const [phase] = allowedPhases(c.state);
      seen.push(`${c.state}:${phase}`);
      c.send('SESSION_CLOSED', closed(phase, phase === 'dosing' ? true : undefined));
    };
    c.screen();
    while (c.state !== 'followUp') closeNext();
    expect(seen.filter((s) => s === 'preparation:preparation')).toHaveLength(3);
    expect(seen.filter((s) => s === 'treatment.dosing:dosing')).toHaveLength(3);
    expect(seen.filter((s) => s === 'treatment.integration:integration')).toHaveLength(9);
    expect(allowedPhases(c.state)).toEqual(['follow-up']);
  });
});

describe('course: endings', () => {
  /** Brings a fresh course of the protocol to a given state. */
  function courseAt(protocolId: ProtocolId, target: string): Course {
    const c = new Course(protocolId);
    if (target === 'screening.consent') return c;
    c.send('CONSENT_SIGNED', { data: { consentVersion: '1.0' } });
    if (target === 'screening.eligibility') return c;
    c.send('ELIGIBILITY_CONFIRMED');
    for (let guard = 0; c.state !== target && guard < 50; guard++) {
      const [phase] = allowedPhases(c.state);
      if (!phase) break;
      c.send('SESSION_CLOSED', closed(phase, phase === 'dosing' ? true : undefined));
    }
    expect(c.state).toBe(target);
    return c;
  }

  it('DISCONTINUE_TREATMENT goes to follow-up (discontinued), needs a reason, and follow-up sessions still count', () => {
    const c = courseAt('psilocybin-trd', 'treatment.dosing');
    expect(c.refuse('DISCONTINUE_TREATMENT', { reason: null })).toEqual([{ requirement: 'reason', message: 'DISCONTINUE_TREATMENT needs a reason' }]);
    expect(c.refuse('DISCONTINUE_TREATMENT', { reason: ' ' })[0].requirement).toBe('reason');
    expect(c.send('DISCONTINUE_TREATMENT', { reason: 'adverse event' })).toBe('followUp');
    expect(c.context.discontinued).toBe(true);
    expect(c.context.ending).toMatchObject({ kind: 'DISCONTINUE_TREATMENT', reason: 'adverse event' });
    expect(c.context.ending!.at).toMatch(/^2026-03-/);
    expect(c.refuse('COMPLETE')[0].message).toBe('5 of 5 follow-up visits not done');
    for (let i = 0; i < 5; i++) c.send('SESSION_CLOSED', closed('follow-up'));
    expect(c.context.followUpDone).toBe(5);
    expect(allowedPhases(c.state)).toEqual(['follow-up']);
    expect(c.send('COMPLETE')).toBe('completed');
    expect(c.context.discontinued).toBe(true);
  });

  it.each(['preparation', 'treatment.dosing', 'treatment.integration'])('DISCONTINUE_TREATMENT from %s (MDMA)', (from) => {
    const c = courseAt('mdma-ptsd', from);
    expect(c.send('DISCONTINUE_TREATMENT')).toBe('followUp');
    expect(allowedPhases(c.state)).toEqual(['follow-up']);
  });

  it('DISCONTINUE_TREATMENT is not possible before treatment starts or once in follow-up', () => {
    expect(courseAt('mdma-ptsd', 'screening.eligibility').refuse('DISCONTINUE_TREATMENT')[0].requirement).toBe('state');
    const c = courseAt('esketamine-rems', 'treatment.dosing');
    c.send('DISCONTINUE_TREATMENT');
    expect(c.refuse('DISCONTINUE_TREATMENT')[0].requirement).toBe('state');
  });

  const ENDINGS: { type: string; final: string; from: string[]; notFrom: string[] }[] = [
    { type: 'SCREEN_FAILED', final: 'ended.screenFailed', from: ['screening.consent', 'screening.eligibility'], notFrom: ['preparation', 'treatment.dosing', 'followUp'] },
    { type: 'WITHDRAW_CONSENT', final: 'ended.withdrawn', from: ['screening.consent', 'screening.eligibility', 'preparation', 'treatment.dosing', 'treatment.integration', 'followUp'], notFrom: [] },
    { type: 'LOST_TO_FOLLOW_UP', final: 'ended.lostToFollowUp', from: ['preparation', 'treatment.dosing', 'treatment.integration', 'followUp'], notFrom: ['screening.consent', 'screening.eligibility'] },
    { type: 'DEATH', final: 'ended.death', from: ['screening.consent', 'screening.eligibility', 'preparation', 'treatment.dosing', 'treatment.integration', 'followUp'], notFrom: [] },
  ];

  it.each(ENDINGS)('$type reaches its own final state $final, with a reason and a date', ({ type, final, from, notFrom }) => {
    const def = findProtocol('mdma-ptsd')!;
    const node = def.machines.course!.machine.getStateNodeById(`${def.machines.course!.machine.id}.${final}`);
    expect(node.type).toBe('final');
    for (const state of from) {
      const c = courseAt('mdma-ptsd', state);
      expect(c.refuse(type, { reason: null })).toEqual([{ requirement: 'reason', message: `${type} needs a reason` }]);
      expect(c.send(type, { reason: 'documented in the source' })).toBe(final);
      expect(c.context.ending).toMatchObject({ kind: type, reason: 'documented in the source' });
      expect(allowedPhases(c.state)).toEqual([]);
      expect(c.context.discontinued).toBe(false);
    }
    for (const state of notFrom) expect(courseAt('mdma-ptsd', state).refuse(type)[0].requirement).toBe('state');
  });

  it('the four endings are four distinct final states', () => {
    expect(new Set(ENDINGS.map((e) => e.final)).size).toBe(4);
  });

  it('data already collected is kept when the course ends', () => {
    const c = courseAt('mdma-ptsd', 'treatment.integration');
    c.send('SESSION_CLOSED', closed('integration'));
    c.send('WITHDRAW_CONSENT');
    expect(c.context).toMatchObject({ consentVersion: '1.0', preparationDone: 3, dosingDone: 1, integrationDone: 1 });
  });

  it('an ended course accepts no further event and its ending is never overwritten', () => {
    for (const ending of ENDINGS) {
      const c = courseAt('mdma-ptsd', ending.from[0]);
      c.send(ending.type, { reason: 'documented' });
      for (const type of ['WITHDRAW_CONSENT', 'DEATH', 'LOST_TO_FOLLOW_UP', 'SCREEN_FAILED', 'DISCONTINUE_TREATMENT', 'COMPLETE', 'ELIGIBILITY_CONFIRMED']) {
        expect([type, c.try(type).accepted]).toEqual([type, false]);
      }
      expect(c.try('CONSENT_SIGNED', { data: { consentVersion: '2.0' } }).accepted).toBe(false);
      expect(c.try('SESSION_CLOSED', closed('follow-up')).accepted).toBe(false);
      expect(c.context.ending!.kind).toBe(ending.type);
      expect(c.state).toBe(ending.final);
    }
  });

  // The endings are final children of `ended` (so the state says which ending); the runtime treats a state
  // that takes no event any more as closed, like a completed course.
  it('an ended course is done like a completed one', () => {
    const def = findProtocol('mdma-ptsd')!;
    const runnable = def.machines.course!;
    let snap = start(runnable, { protocolId: def.id, protocolVersion: def.version, params: def.defaults });
    const event = (type: string, extra: Partial<SessionEvent> = {}): SessionEvent => ({
      type,
      facts: completeFacts(def.defaults, '2026-03-02T08:00:00.000Z'),
      waived: [],
      actor: { userId: 'u', roles: ['investigator'] },
      ...extra,
    });
    const step = (e: SessionEvent) => {
      const r = evaluate(runnable, snap, e);
      if (!r.accepted) throw new Error(JSON.stringify(r.unmet));
      snap = r.snapshot;
    };
    step(event('CONSENT_SIGNED', { data: { consentVersion: '1.0' } }));
    step(event('DEATH', { reason: 'reported by family' }));
    const described = describeMachine(runnable, snap, (type) => event(type));
    expect(described).toMatchObject({ state: 'ended.death', done: true, nextEvents: [], blocked: [] });
    const after = evaluate(runnable, snap, event('WITHDRAW_CONSENT', { reason: 'x' }));
    expect(after).toMatchObject({ accepted: false, unmet: [{ requirement: 'state', message: 'the record is closed (state ended.death)' }] });
  });
});

// ---------------------------------------------------------------------------------------------
// graph traversal

/** Leaf state paths of a machine. */
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

function courseEventsFor(params: ProtocolParameters) {
  return (snapshot: AnyMachineSnapshot): SessionEvent[] => {
    // a done machine takes no event (the runtime refuses; xstate's pure transition would still run root handlers)
    if (snapshot.status !== 'active') return [];
    const handled = new Set(handledEvents(snapshot));
    const out: SessionEvent[] = [];
    const add = (type: string, o?: EventOptions) => {
      if (handled.has(type)) out.push(courseEvent(params, type, o));
    };
    add('CONSENT_SIGNED', { data: { consentVersion: '1.0' } });
    add('CONSENT_SIGNED');
    add('ELIGIBILITY_CONFIRMED');
    for (const phase of ['preparation', 'integration', 'follow-up'] as Phase[]) add('SESSION_CLOSED', closed(phase));
    add('SESSION_CLOSED', closed('dosing', true));
    add('SESSION_CLOSED', closed('dosing', false));
    add('SESSION_CLOSED', closed('dosing'));
    for (const type of ['SCREEN_FAILED', 'DISCONTINUE_TREATMENT', 'WITHDRAW_CONSENT', 'LOST_TO_FOLLOW_UP', 'DEATH']) {
      add(type);
      add(type, { reason: null });
    }
    add('COMPLETE');
    return out;
  };
}

/** The state and its progress (counters capped at what the protocol needs; times left out). */
function courseSerializer(params: ProtocolParameters) {
  const c = params.course;
  return (s: AnyMachineSnapshot) => {
    const ctx = s.context as CourseContext;
    return JSON.stringify({
      state: statePath(s.value),
      consented: ctx.consentVersion !== null,
      preparation: Math.min(ctx.preparationDone, c.preparationSessions),
      dosing: Math.min(ctx.dosingDone, c.dosingSessions),
      integration: Math.min(ctx.integrationDone, c.integrationSessionsPerDosing),
      followUp: Math.min(ctx.followUpDone, c.followUpVisitDays.length),
      discontinued: ctx.discontinued,
      ending: ctx.ending?.kind ?? null,
    });
  };
}

function courseViolations(prevState: string, prev: CourseContext, event: SessionEvent, nextState: string, next: CourseContext): string[] {
  const out: string[] = [];
  const c = prev.params.course;
  const phase = event.data?.phase;
  if (event.type === 'SESSION_CLOSED') {
    const expected = allowedPhases(prevState);
    if (!expected.includes(phase as Phase)) out.push(`a ${String(phase)} session counted in ${prevState}`);
    if (phase === 'dosing' && event.data?.dosed !== true) out.push('a dosing session without a dose counted');
  }
  if (['SCREEN_FAILED', 'DISCONTINUE_TREATMENT', 'WITHDRAW_CONSENT', 'LOST_TO_FOLLOW_UP', 'DEATH'].includes(event.type)) {
    if (!event.reason?.trim()) out.push(`${event.type} accepted without a reason`);
    if (next.ending?.kind !== event.type) out.push(`${event.type} did not record its ending`);
  }
  if (event.type === 'COMPLETE' && prev.followUpDone < c.followUpVisitDays.length) out.push('COMPLETE accepted with follow-up visits outstanding');
  if (nextState === 'completed' && prevState !== 'followUp') out.push(`completed reached from ${prevState}`);
  if (nextState.startsWith('treatment') && !prevState.startsWith('treatment') && next.preparationDone < c.preparationSessions) out.push('treatment started before preparation was complete');
  if (nextState === 'followUp' && prevState !== 'followUp' && !next.discontinued && (next.dosingDone < c.dosingSessions || next.integrationDone < c.integrationSessionsPerDosing)) {
    out.push('follow-up reached before treatment was complete');
  }
  if (nextState.startsWith('ended.') !== (next.ending !== null && next.ending.kind !== 'DISCONTINUE_TREATMENT')) out.push('ended state and ending record disagree');
  if (next.preparationDone > c.preparationSessions || next.dosingDone > c.dosingSessions || next.integrationDone > c.integrationSessionsPerDosing) out.push('a counter went past the plan');
  if (next.dosingDone < prev.dosingDone || next.preparationDone < prev.preparationDone || next.followUpDone < prev.followUpDone) out.push('a counter went down');
  return out;
}

const EXPECTED_COURSE_STATES: Record<ProtocolId, string[]> = {
  'mdma-ptsd': ['screening.consent', 'screening.eligibility', 'preparation', 'treatment.dosing', 'treatment.integration', 'followUp', 'completed', 'ended.screenFailed', 'ended.withdrawn', 'ended.lostToFollowUp', 'ended.death'],
  'psilocybin-trd': ['screening.consent', 'screening.eligibility', 'preparation', 'treatment.dosing', 'treatment.integration', 'followUp', 'completed', 'ended.screenFailed', 'ended.withdrawn', 'ended.lostToFollowUp', 'ended.death'],
  // no preparation and no integration sessions: those states are passed through at once
  'esketamine-rems': ['screening.consent', 'screening.eligibility', 'treatment.dosing', 'followUp', 'completed', 'ended.screenFailed', 'ended.withdrawn', 'ended.lostToFollowUp', 'ended.death'],
};

describe.each<ProtocolId>(['mdma-ptsd', 'psilocybin-trd', 'esketamine-rems'])('course machine paths: %s', (protocolId) => {
  const def = findProtocol(protocolId)!;
  const runnable = def.machines.course!;
  const input = { protocolId: def.id, protocolVersion: def.version, params: def.defaults };
  const serializeState = courseSerializer(def.defaults);
  const options = { input, events: courseEventsFor(def.defaults), serializeState, limit: 20_000 };

  it('reaches every course state the protocol uses', () => {
    const adjacency = getAdjacencyMap(runnable.machine, options);
    const reached = new Set(Object.values(adjacency).map((v) => statePath(v.state.value)));
    expect([...reached].sort()).toEqual([...EXPECTED_COURSE_STATES[protocolId]].sort());
    const all = leafPaths(runnable.machine);
    expect(all).toEqual([...EXPECTED_COURSE_STATES['mdma-ptsd']].sort());
    const paths = getShortestPaths(runnable.machine, options);
    expect(paths.some((p) => statePath(p.state.value) === 'completed' && p.state.status === 'done')).toBe(true);
    // the shortest way to completion is the protocol's own plan: one event per session plus consent, eligibility, COMPLETE
    const c = def.defaults.course;
    const shortestCompletion = Math.min(...paths.filter((p) => statePath(p.state.value) === 'completed').map((p) => p.steps.filter((s) => !s.event.type.startsWith('xstate.')).length));
    const plan = c.preparationSessions + c.dosingSessions * (1 + c.integrationSessionsPerDosing);
    // discontinuing treatment is a shorter way to follow-up
    expect(shortestCompletion).toBeLessThanOrEqual(3 + plan + c.followUpVisitDays.length);
    expect(shortestCompletion).toBeGreaterThanOrEqual(3 + c.followUpVisitDays.length);
  });

  it('holds the counting and ending rules on every edge, and evaluate() agrees with the machine', () => {
    const edges = adjacencyMapToArray(getAdjacencyMap(runnable.machine, options));
    expect(edges.length).toBeGreaterThan(50);
    const problems: string[] = [];
    const accepted = (e: (typeof edges)[number]) => statePath(e.state.value) !== statePath(e.nextState.value) || JSON.stringify(e.state.context) !== JSON.stringify(e.nextState.context);
    for (const e of edges) {
      const prevState = statePath(e.state.value);
      const nextState = statePath(e.nextState.value);
      if (prevState.startsWith('ended.') && accepted(e)) problems.push(`an ended course accepted ${(e.event as SessionEvent).type}`);
      const event = e.event as SessionEvent;
      const result = evaluate(runnable, { value: e.state.value, context: e.state.context, status: e.state.status }, event);
      if (result.accepted !== accepted(e)) problems.push(`${prevState} ${event.type}: machine ${accepted(e)}, runtime ${result.accepted}`);
      if (accepted(e)) {
        for (const v of courseViolations(prevState, e.state.context as CourseContext, event, nextState, e.nextState.context as CourseContext)) {
          problems.push(`${prevState} --${event.type} ${JSON.stringify(event.data)} reason=${event.reason ?? '-'}--> ${nextState}: ${v}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('replays every shortest path through evaluate()', () => {
    const paths = getShortestPaths(runnable.machine, options);
    for (const path of paths) {
      let snap = start(runnable, input);
      for (const step of path.steps) {
        if (step.event.type.startsWith('xstate.')) continue;
        const result = evaluate(runnable, snap, step.event as SessionEvent);
        if (!result.accepted) throw new Error(`${step.event.type} refused in ${statePath(snap.value)}: ${JSON.stringify(result.unmet)}`);
        snap = result.snapshot;
        expect(serializeState({ value: snap.value, context: snap.context, status: snap.status } as unknown as AnyMachineSnapshot)).toBe(serializeState(step.state));
      }
    }
  });
});
