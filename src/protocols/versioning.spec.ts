import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MDMA_PTSD_DEFAULTS } from './mdma-ptsd/parameters';
import { ProtocolParameters } from './parameters';
import { defineProtocol, findProtocol, listProtocols, machineId, registerProtocol } from './registry';
import { describe as describeSession, evaluate, PersistedSnapshot, RunnableMachine, start } from './runtime';
import { completeFacts } from './testing/facts';
import { addMinutes } from './time';
import { SessionEvent } from './types';

/**
 * Protocol versions side by side: a session persisted by version 1 keeps running on version 1's
 * machine and rules after a version 2 is registered. The snapshot is a committed fixture written
 * once by the real 1.0.0 dosing machine (START, DOSE_INITIAL 80 mg at 07:00 UTC); this test only
 * reads it, so a change that would break restoring stored sessions shows up here.
 */
const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'mdma-ptsd-1.0.0-dosing-monitoring.json');
const stored = (): PersistedSnapshot => JSON.parse(readFileSync(FIXTURE, 'utf8')) as PersistedSnapshot;

const DOSE_AT = '2026-03-02T07:00:00.000Z';
const at = (minutes: number) => addMinutes(DOSE_AT, minutes);

/** Version 2: a longer minimum monitoring time and an earlier, shorter supplemental window. */
const V2_DEFAULTS: ProtocolParameters = {
  ...MDMA_PTSD_DEFAULTS,
  dosing: { ...MDMA_PTSD_DEFAULTS.dosing, supplementalWindowMinutes: { from: 60, to: 120 } },
  monitoring: { ...MDMA_PTSD_DEFAULTS.monitoring, minimumMinutes: 600 },
};

const investigator = { userId: 'inv-1', roles: ['investigator'] };

function event(snapshot: PersistedSnapshot, type: string, now: string, extra: Partial<SessionEvent> = {}): SessionEvent {
  const params = (snapshot.context as { params: ProtocolParameters }).params;
  return { type, facts: completeFacts(params, now), waived: [], actor: investigator, reason: 'per protocol', ...extra };
}

function step(runnable: RunnableMachine, snapshot: PersistedSnapshot, type: string, now: string, extra: Partial<SessionEvent> = {}) {
  const result = evaluate(runnable, snapshot, event(snapshot, type, now, extra));
  if (!result.accepted) throw new Error(`${type} refused: ${JSON.stringify(result.unmet)}`);
  return result;
}

describe('protocol versions', () => {
  beforeAll(() => {
    registerProtocol(
      defineProtocol({
        id: 'mdma-ptsd',
        version: '2.0.0',
        title: 'MDMA-assisted therapy for PTSD (amendment 2)',
        phases: ['preparation', 'dosing', 'integration', 'follow-up'],
        defaults: V2_DEFAULTS,
      }),
    );
  });

  it('keeps both versions, finds the newest without a version, and refuses to replace one', () => {
    expect(findProtocol('mdma-ptsd')?.version).toBe('2.0.0');
    expect(findProtocol('mdma-ptsd', '1.0.0')?.version).toBe('1.0.0');
    expect(findProtocol('mdma-ptsd', '1.0.0')?.defaults.monitoring.minimumMinutes).toBe(480);
    expect(findProtocol('mdma-ptsd', '2.0.0')?.defaults.monitoring.minimumMinutes).toBe(600);
    expect(findProtocol('mdma-ptsd', '3.0.0')).toBeUndefined();
    expect(listProtocols().filter((p) => p.id === 'mdma-ptsd').map((p) => p.version).sort()).toEqual(['1.0.0', '2.0.0']);
    // other protocols are untouched
    expect(findProtocol('psilocybin-trd')?.version).toBe('1.0.0');
    expect(() =>
      registerProtocol(defineProtocol({ id: 'mdma-ptsd', version: '1.0.0', title: 'again', phases: ['dosing'], defaults: V2_DEFAULTS })),
    ).toThrow(/already registered/);
  });

  it('gives every version its own machine ids (the version is part of the id)', () => {
    expect(machineId('mdma-ptsd', '1.0.0', 'dosing')).toBe('mdma-ptsd-v1_0_0-dosing');
    expect(findProtocol('mdma-ptsd', '1.0.0')!.machines.dosing!.machine.id).toBe('mdma-ptsd-v1_0_0-dosing');
    expect(findProtocol('mdma-ptsd', '2.0.0')!.machines.dosing!.machine.id).toBe('mdma-ptsd-v2_0_0-dosing');
    expect(findProtocol('mdma-ptsd', '2.0.0')!.machines.course!.machine.id).toBe('mdma-ptsd-v2_0_0-course');
  });

  it('reads the committed version 1 fixture as written by the 1.0.0 dosing machine', () => {
    const snapshot = stored();
    expect(snapshot.value).toEqual({ monitoring: 'acute' });
    expect(snapshot.status).toBe('active');
    expect(snapshot.context).toMatchObject({
      protocolId: 'mdma-ptsd',
      protocolVersion: '1.0.0',
      sessionNumber: 1,
      doseAt: DOSE_AT,
      totalDoseMg: 80,
      supplementalDecision: null,
      params: { monitoring: { minimumMinutes: 480 }, dosing: { supplementalWindowMinutes: { from: 90, to: 150 } } },
    });
  });

  it('restores the version 1 snapshot after 2.0.0 exists and runs it to closed with version 1 rules', () => {
    const v1 = findProtocol('mdma-ptsd', '1.0.0')!.machines.dosing!;
    let snapshot = stored();

    const now = describeSession(v1, snapshot, (type) => event(snapshot, type, at(10)));
    expect(now.state).toBe('monitoring.acute');
    expect(now.nextEvents.sort()).toEqual(['ABORT', 'DECLINE_SUPPLEMENTAL', 'RAISE_HOLD']);
    // version 1's window: 90–150 min after the 07:00 UTC dose, shown in Amsterdam time (CET)
    expect(now.blocked).toEqual([
      { type: 'DOSE_SUPPLEMENTAL', unmet: [{ requirement: 'supplemental.window', message: 'supplemental window opens at 09:30' }] },
      { type: 'BEGIN_RECOVERY', unmet: [{ requirement: 'supplemental.decision', message: 'supplemental dose not decided (window closes at 10:30)' }] },
    ]);

    // at +130 min version 2's window (60–120) would be closed; version 1's is still open
    const supplemental = step(v1, snapshot, 'DOSE_SUPPLEMENTAL', at(130), { data: { amountMg: 40 } });
    expect(supplemental.to).toBe('monitoring.settled');
    snapshot = supplemental.snapshot;
    expect(snapshot.context).toMatchObject({ supplementalDecision: 'given', totalDoseMg: 120, supplementalAt: at(130) });

    snapshot = step(v1, snapshot, 'BEGIN_RECOVERY', at(200)).snapshot;

    // version 1's 8 h minimum: one minute early is refused, 8 h is enough (version 2 would ask for 10 h)
    const early = evaluate(v1, snapshot, event(snapshot, 'START_OVERNIGHT', at(479)));
    expect(early).toEqual({
      accepted: false,
      from: 'monitoring.recovery',
      unmet: [{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 min left' }],
    });
    const overnight = step(v1, snapshot, 'START_OVERNIGHT', at(480));
    expect(overnight.to).toBe('overnight');
    snapshot = overnight.snapshot;

    snapshot = step(v1, snapshot, 'END_OVERNIGHT', at(480 + 8 * 60)).snapshot;
    const closed = step(v1, snapshot, 'CLOSE', at(480 + 8 * 60 + 5));
    expect(closed.to).toBe('closed');
    expect(closed.snapshot.status).toBe('done');
    expect(closed.snapshot.context).toMatchObject({ protocolVersion: '1.0.0', overnightStartedAt: at(480) });
  });

  it('applies version 2 rules to a session started on version 2', () => {
    const v2 = findProtocol('mdma-ptsd')!;
    const runnable = v2.machines.dosing!;
    let snapshot = start(runnable, { protocolId: v2.id, protocolVersion: v2.version, params: v2.defaults, sessionNumber: 1 });
    snapshot = step(runnable, snapshot, 'START', at(-30)).snapshot;
    snapshot = step(runnable, snapshot, 'DOSE_INITIAL', at(0), { data: { amountMg: 80, administeredAt: DOSE_AT } }).snapshot;
    expect(snapshot.context).toMatchObject({ protocolVersion: '2.0.0', doseAt: DOSE_AT });

    // at +130 min its window (60–120, closing at 10:00 Amsterdam) is over
    const late = evaluate(runnable, snapshot, event(snapshot, 'DOSE_SUPPLEMENTAL', at(130), { data: { amountMg: 40 } }));
    expect(late).toMatchObject({ accepted: false, unmet: [{ requirement: 'supplemental.window', message: 'supplemental window closed at 10:00' }] });
    snapshot = step(runnable, snapshot, 'SUPPLEMENTAL_WINDOW_CLOSED', at(130)).snapshot;
    snapshot = step(runnable, snapshot, 'BEGIN_RECOVERY', at(200)).snapshot;

    // 8 h is not enough on version 2: 10 h minimum
    const atEight = evaluate(runnable, snapshot, event(snapshot, 'START_OVERNIGHT', at(480)));
    expect(atEight).toMatchObject({
      accepted: false,
      unmet: [{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 2 h left' }],
    });
    expect(step(runnable, snapshot, 'START_OVERNIGHT', at(600)).to).toBe('overnight');
  });

  it('keeps version 1 rules even when a version 1 snapshot is (wrongly) run on the version 2 machine: the rules travel in the snapshot', () => {
    // The parameters a session started with live in its snapshot, so the machine version alone
    // cannot change a running session's rules; the runtime still picks the stored version's machine.
    const v2 = findProtocol('mdma-ptsd', '2.0.0')!.machines.dosing!;
    const snapshot = stored();
    expect(step(v2, snapshot, 'DOSE_SUPPLEMENTAL', at(130), { data: { amountMg: 40 } }).to).toBe('monitoring.settled');
  });
});
