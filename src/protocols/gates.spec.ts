import {
  abortGate,
  beginRecoveryGate,
  declineSupplementalGate,
  deviceDoseGate,
  DosingContext,
  dischargeGate,
  endOvernightGate,
  Gate,
  initialDoseGate,
  NOT_OVERRIDABLE,
  outstanding,
  plannedDevices,
  predoseGate,
  raiseHoldGate,
  resolveHoldGate,
  startOvernightGate,
  supplementalDoseGate,
  visitCloseGate,
} from './gates';
import { initialDosingContext } from './machines/dosing.machine';
import { minimumMonitoringMinutes, plannedDose, ProtocolParameters } from './parameters';
import { findProtocol } from './registry';
import { evaluate, start } from './runtime';
import { completeFacts } from './testing/facts';
import { addMinutes } from './time';
import { EventActor, SessionEvent, SessionFacts, Unmet } from './types';

/**
 * The gates in words: each refusal says what is missing the way a clinician would read it, with
 * times in the site's zone (facts.timezone). T0 is 08:00 UTC, 09:00 in Amsterdam (CET).
 */

const T0 = '2026-03-02T08:00:00.000Z';
const at = (minutes: number) => addMinutes(T0, minutes);
const INVESTIGATOR: EventActor = { userId: 'investigator-1', roles: ['investigator', 'clinician'] };
const CLINICIAN: EventActor = { userId: 'clinician-1', roles: ['clinician'] };

type ProtocolId = 'mdma-ptsd' | 'psilocybin-trd' | 'esketamine-rems';

function paramsOf(protocolId: ProtocolId): ProtocolParameters {
  return findProtocol(protocolId)!.defaults;
}

function ctxFor(protocolId: ProtocolId, o: Partial<DosingContext> = {}): DosingContext {
  const def = findProtocol(protocolId)!;
  return { ...initialDosingContext({ protocolId, protocolVersion: def.version, params: def.defaults, sessionNumber: 1 }), ...o };
}

/** A dosed context: the initial dose (or first device) at T0. */
const dosed = (protocolId: ProtocolId, o: Partial<DosingContext> = {}) => {
  const p = paramsOf(protocolId);
  const mg = plannedDose(p, o.sessionNumber ?? 1).initialMg;
  return ctxFor(protocolId, { doseAt: T0, totalDoseMg: mg, ...(p.dosing.deviceMg ? { devicesGiven: plannedDevices(ctxFor(protocolId)), lastDeviceAt: at(5) } : {}), ...o });
};

interface EventOptions {
  facts?: (f: SessionFacts) => void;
  data?: Record<string, unknown>;
  actor?: EventActor;
  reason?: string | null;
  waived?: string[];
  timezone?: string;
}

function ev(ctx: DosingContext, type: string, minutes: number, o: EventOptions = {}): SessionEvent {
  const facts = completeFacts(ctx.params, at(minutes), o.timezone);
  o.facts?.(facts);
  return {
    type,
    data: o.data ?? {},
    facts,
    waived: o.waived ?? [],
    actor: o.actor ?? INVESTIGATOR,
    ...(o.reason === null ? {} : { reason: o.reason ?? 'clinical judgement' }),
  };
}

const messages = (u: Unmet[]) => u.map((x) => x.message);
const requirements = (u: Unmet[]) => u.map((x) => x.requirement);

describe('predoseGate', () => {
  it.each<ProtocolId>(['mdma-ptsd', 'psilocybin-trd', 'esketamine-rems'])('%s: complete facts meet every requirement', (id) => {
    expect(predoseGate(ctxFor(id), ev(ctxFor(id), 'DOSE_INITIAL', 0))).toEqual([]);
  });

  it('consent: not recorded, or an older version that needs re-consent', () => {
    const ctx = ctxFor('mdma-ptsd');
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.participant.consentVersion = null) })))).toEqual(['consent not recorded']);
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.participant.consentVersion = '0.9') })))).toEqual([
      'consent version 0.9 is signed, the protocol requires 1.0: re-consent first',
    ]);
  });

  it('the pre-dose checklist: not started, an item open or failed, not signed', () => {
    const ctx = ctxFor('mdma-ptsd');
    expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => delete f.checklists['pre-dose'] }))).toEqual([
      { requirement: 'pre-dose.signed', message: 'pre-dose checklist: not started' },
    ]);
    expect(
      predoseGate(
        ctx,
        ev(ctx, 'DOSE_INITIAL', 0, {
          facts: (f) => {
            const list = f.checklists['pre-dose'];
            list.items.fasting = { status: 'open' };
            list.items['room-ready'] = { status: 'failed' };
            delete list.items['emergency-equipment'];
            list.items['urine-drug-screen'] = { status: 'open' }; // optional item: never required
            list.signed = false;
          },
        }),
      ),
    ).toEqual([
      { requirement: 'pre-dose.fasting', message: 'pre-dose checklist: fasting attested not recorded' },
      {
        requirement: 'pre-dose.emergency-equipment',
        message: 'pre-dose checklist: emergency equipment checked (crash cart, aed, oxygen, airway, bp and rescue medication in date) not recorded',
      },
      { requirement: 'pre-dose.room-ready', message: 'pre-dose checklist: room ready failed' },
      { requirement: 'pre-dose.signed', message: 'pre-dose checklist: not signed' },
    ]);
  });

  it('pregnancy test: not recorded, positive, older than 48 h; fresh at exactly 48 h; not asked without childbearing potential', () => {
    const ctx = ctxFor('mdma-ptsd');
    const withTest = (test: SessionFacts['pregnancyTest'], childbearing = true) =>
      predoseGate(
        ctx,
        ev(ctx, 'DOSE_INITIAL', 0, {
          facts: (f) => {
            f.pregnancyTest = test;
            f.participant.childbearingPotential = childbearing;
          },
        }),
      );
    expect(withTest(null)).toEqual([{ requirement: 'predose.pregnancy-test', message: 'pre-dose checklist: pregnancy test not recorded' }]);
    expect(withTest({ result: 'positive', takenAt: at(-60) })).toEqual([{ requirement: 'predose.pregnancy-positive', message: 'pregnancy test is positive' }]);
    expect(withTest({ result: 'negative', takenAt: at(-49 * 60) })).toEqual([{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }]);
    expect(withTest({ result: 'negative', takenAt: at(-48 * 60) })).toEqual([]);
    expect(withTest(null, false)).toEqual([]);
    expect(withTest({ result: 'positive', takenAt: at(-60) }, false)).toEqual([]);
  });

  it('C-SSRS the same site-local day (MDMA, psilocybin); esketamine does not require it', () => {
    const ctx = ctxFor('mdma-ptsd');
    // 23:30 UTC the evening before is 00:30 in Amsterdam: the same local day as T0, another day in UTC
    const lateEvening = '2026-03-01T23:30:00.000Z';
    const cssrsAt = (iso: string | null, timezone?: string) =>
      predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { timezone, facts: (f) => (f.cssrs = iso ? { at: iso, positive: false, riskAssessmentRecorded: false } : null) }));
    expect(cssrsAt(null)).toEqual([{ requirement: 'predose.cssrs', message: 'C-SSRS not done today' }]);
    expect(cssrsAt(lateEvening, 'Europe/Amsterdam')).toEqual([]);
    expect(cssrsAt(lateEvening, 'UTC')).toEqual([{ requirement: 'predose.cssrs', message: 'C-SSRS not done today (last one on another day)' }]);
    const esk = ctxFor('esketamine-rems');
    expect(predoseGate(esk, ev(esk, 'DOSE_DEVICE', 0, { facts: (f) => (f.cssrs = null) }))).toEqual([]);
  });

  it('fasting attested the same day', () => {
    const ctx = ctxFor('psilocybin-trd');
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.fastingAttestedAt = null) })))).toEqual(['fasting not attested today']);
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.fastingAttestedAt = at(-24 * 60)) })))).toEqual(['fasting not attested today']);
  });

  it('baseline vitals: recorded, at most 60 min old', () => {
    const ctx = ctxFor('mdma-ptsd');
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.baselineVitals = null) })))).toEqual(['baseline vitals not recorded']);
    expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.baselineVitals = { ...f.baselineVitals!, takenAt: at(-61) }) })))
      .toEqual([{ requirement: 'predose.baseline-vitals', message: 'baseline vitals older than 60 min (taken 1 h 1 min ago)' }]);
    expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.baselineVitals = { ...f.baselineVitals!, takenAt: at(-60) }) }))).toEqual([]);
  });

  it('esketamine: a baseline BP above 140/90 needs the investigator to weigh the risk; MDMA has no such rule', () => {
    const esk = ctxFor('esketamine-rems');
    const high = (f: SessionFacts) => (f.baselineVitals = { ...f.baselineVitals!, systolic: 150, diastolic: 85 });
    expect(predoseGate(esk, ev(esk, 'DOSE_DEVICE', 0, { facts: high }))).toEqual([
      { requirement: 'predose.blood-pressure', message: 'baseline BP 150/85 is above 140/90: an investigator must weigh the risk' },
    ]);
    expect(predoseGate(esk, ev(esk, 'DOSE_DEVICE', 0, { facts: (f) => (f.baselineVitals = { ...f.baselineVitals!, systolic: 140, diastolic: 90 }) }))).toEqual([]);
    const mdma = ctxFor('mdma-ptsd');
    expect(predoseGate(mdma, ev(mdma, 'DOSE_INITIAL', 0, { facts: high }))).toEqual([]);
  });

  it('staffing: two therapists for MDMA and psilocybin, a prescriber on site for esketamine', () => {
    const oneTherapist = (f: SessionFacts) => (f.staff = f.staff.filter((s) => s.userId !== 'therapist-2'));
    for (const id of ['mdma-ptsd', 'psilocybin-trd'] as ProtocolId[]) {
      const ctx = ctxFor(id);
      expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: oneTherapist }))).toEqual([
        { requirement: 'staff.therapists', message: '2 therapists must be present (1 present)' },
      ]);
      expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.staff = []) })))).toEqual(['2 therapists must be present (0 present)']);
    }
    const esk = ctxFor('esketamine-rems');
    expect(predoseGate(esk, ev(esk, 'DOSE_DEVICE', 0, { facts: (f) => (f.staff = f.staff.filter((s) => s.role !== 'therapist')) }))).toEqual([]);
    expect(predoseGate(esk, ev(esk, 'DOSE_DEVICE', 0, { facts: (f) => (f.staff = f.staff.filter((s) => s.role !== 'prescriber')) }))).toEqual([
      { requirement: 'staff.prescriber', message: 'a prescriber must be on site' },
    ]);
  });

  it('prohibited medication, one line each', () => {
    const ctx = ctxFor('esketamine-rems');
    expect(messages(predoseGate(ctx, ev(ctx, 'DOSE_DEVICE', 0, { facts: (f) => (f.prohibitedMedications = ['MAOI', 'opioid']) })))).toEqual([
      'prohibited medication recorded: MAOI',
      'prohibited medication recorded: opioid',
    ]);
  });
});

describe('predoseGate: the course, the spacing of dosing sessions, a stated administration time', () => {
  it('no dose unless the course is in treatment.dosing', () => {
    const ctx = ctxFor('mdma-ptsd');
    const inCourse = (state: string) => predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: (f) => (f.participant.courseState = state) }));
    expect(inCourse('treatment.dosing')).toEqual([]);
    expect(inCourse('ended.withdrawn')).toEqual([{ requirement: 'dose.course', message: 'no dose may be given: consent was withdrawn' }]);
    expect(messages(inCourse('ended.death'))).toEqual(['no dose may be given: the participant died']);
    expect(messages(inCourse('ended.lostToFollowUp'))).toEqual(['no dose may be given: the participant is lost to follow-up']);
    expect(messages(inCourse('followUp'))).toEqual(['no dose may be given: treatment was discontinued or is complete']);
    expect(messages(inCourse('treatment.integration'))).toEqual(['no dose may be given: the course is in treatment.integration']);
    // later devices and the supplemental dose check it too
    const esk = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 1, lastDeviceAt: T0, totalDoseMg: 28 });
    expect(requirements(deviceDoseGate(esk, ev(esk, 'DOSE_DEVICE', 5, { data: { deviceSeq: 2, amountMg: 28 }, facts: (f) => (f.participant.courseState = 'ended.withdrawn') })))).toEqual([
      'dose.course',
    ]);
    const supp = dosed('mdma-ptsd');
    expect(requirements(supplementalDoseGate(supp, ev(supp, 'DOSE_SUPPLEMENTAL', 100, { data: { amountMg: 40 }, facts: (f) => (f.participant.courseState = 'ended.death') })))).toEqual([
      'dose.course',
    ]);
  });

  it('dosing sessions are spaced: MDMA 21 days after the previous dose, told as a site-local date', () => {
    const ctx = ctxFor('mdma-ptsd', { sessionNumber: 2 });
    const previous = (days: number) => (f: SessionFacts) => (f.previousDoseAt = addMinutes(T0, -days * 24 * 60));
    expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: previous(20) }))).toEqual([
      { requirement: 'predose.dosing-spacing', message: 'dosing session 2 may start from 2026-03-03 (21 days after the previous dose)' },
    ]);
    expect(predoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { facts: previous(21) }))).toEqual([]);
    const psi = ctxFor('psilocybin-trd');
    expect(predoseGate(psi, ev(psi, 'DOSE_INITIAL', 0, { facts: previous(0.5) }))).toEqual([]);
  });

  it('a stated administration time: valid, not in the future, not before the previous device', () => {
    const ctx = ctxFor('mdma-ptsd');
    const dose = (administeredAt: unknown) => initialDoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80, administeredAt } }));
    expect(dose(at(-10))).toEqual([]);
    expect(dose('yesterday-ish')).toEqual([{ requirement: 'dose.time', message: 'administeredAt is not a valid time' }]);
    expect(dose(at(5))).toEqual([{ requirement: 'dose.time', message: 'a dose cannot be recorded as given in the future' }]);
    const esk = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 1, lastDeviceAt: T0, totalDoseMg: 28 });
    expect(deviceDoseGate(esk, ev(esk, 'DOSE_DEVICE', 10, { data: { deviceSeq: 2, amountMg: 28, administeredAt: at(-1) } }))).toEqual([
      // checked at its stated administration time: also too soon after the previous device
      { requirement: 'dose.device-interval', message: 'next device at 09:05 (5 min after the previous one)' },
      { requirement: 'dose.time', message: 'administeredAt is before the previous dose at 09:00' },
    ]);
    expect(deviceDoseGate(esk, ev(esk, 'DOSE_DEVICE', 10, { data: { deviceSeq: 2, amountMg: 28, administeredAt: at(6) } }))).toEqual([]);
  });

  // The device interval and the supplemental window are checked at the stated administration time, which is what
  // the machine records: a back-dated entry cannot slip a device or a supplemental dose inside a forbidden gap.
  it('a back-dated device is checked against the 5-minute interval at its administration time', () => {
    const esk = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 1, lastDeviceAt: T0, totalDoseMg: 28 });
    const event = ev(esk, 'DOSE_DEVICE', 10, { data: { deviceSeq: 2, amountMg: 28, administeredAt: at(2) } });
    expect(requirements(deviceDoseGate(esk, event))).toContain('dose.device-interval');
  });

  it('a back-dated supplemental dose is checked against its window at its administration time', () => {
    const ctx = dosed('mdma-ptsd');
    const event = ev(ctx, 'DOSE_SUPPLEMENTAL', 100, { data: { amountMg: 40, administeredAt: at(80) } });
    expect(requirements(supplementalDoseGate(ctx, event))).toContain('supplemental.window');
  });
});

describe('dose kind', () => {
  it('esketamine doses by device only, the oral protocols by an initial dose only; never waived', () => {
    const esk = ctxFor('esketamine-rems');
    const initial = ev(esk, 'DOSE_INITIAL', 0, { data: { amountMg: 56 }, waived: ['dose.kind'] });
    expect(outstanding(initialDoseGate, esk, initial)).toEqual([{ requirement: 'dose.kind', message: 'this protocol doses by nasal device: record each device (DOSE_DEVICE)' }]);
    const mdma = ctxFor('mdma-ptsd');
    const device = ev(mdma, 'DOSE_DEVICE', 0, { data: { deviceSeq: 1, amountMg: 28 }, waived: ['dose.kind'] });
    expect(outstanding(deviceDoseGate, mdma, device)).toEqual([{ requirement: 'dose.kind', message: 'this protocol has no device doses: record the dose (DOSE_INITIAL)' }]);
  });
});

describe('initialDoseGate', () => {
  it('gives the planned dose of the session, once', () => {
    const ctx = ctxFor('mdma-ptsd');
    expect(initialDoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80 } }))).toEqual([]);
    expect(initialDoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 120 } }))).toEqual([
      { requirement: 'dose.amount', message: 'dosing session 1 gives 80 mg, not 120 mg' },
    ]);
    expect(initialDoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0))).toEqual([{ requirement: 'dose.amount', message: 'the amount is not stated (dosing session 1 gives 80 mg)' }]);
    const second = ctxFor('mdma-ptsd', { sessionNumber: 2 });
    expect(messages(initialDoseGate(second, ev(second, 'DOSE_INITIAL', 0, { data: { amountMg: 80 } })))).toEqual(['dosing session 2 gives 120 mg, not 80 mg']);
    // the last entry repeats
    expect(plannedDose(paramsOf('mdma-ptsd'), 7)).toEqual({ initialMg: 120, supplementalMg: 60 });
    const again = dosed('mdma-ptsd');
    expect(requirements(initialDoseGate(again, ev(again, 'DOSE_INITIAL', 10, { data: { amountMg: 80 } })))).toEqual(['dose.once']);
  });

  it('includes the pre-dose gate', () => {
    const ctx = ctxFor('psilocybin-trd');
    expect(requirements(initialDoseGate(ctx, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 25 }, facts: (f) => (f.checklists['pre-dose'].signed = false) })))).toEqual([
      'pre-dose.signed',
    ]);
  });
});

describe('deviceDoseGate (esketamine)', () => {
  const device = (ctx: DosingContext, seq: number, minutes: number, o: EventOptions = {}) => ev(ctx, 'DOSE_DEVICE', minutes, { data: { deviceSeq: seq, amountMg: 28 }, ...o });

  it('56 mg is 2 devices of 28 mg, 84 mg is 3', () => {
    expect(plannedDevices(ctxFor('esketamine-rems'))).toBe(2);
    const p = paramsOf('esketamine-rems');
    expect(plannedDevices(ctxFor('esketamine-rems', { params: { ...p, dosing: { ...p.dosing, perSession: [{ initialMg: 84, supplementalMg: null }] } } }))).toBe(3);
    expect(plannedDevices(ctxFor('mdma-ptsd'))).toBe(0);
  });

  it('devices in sequence, 5 min apart, all of them and no more', () => {
    const first = ctxFor('esketamine-rems');
    expect(deviceDoseGate(first, device(first, 1, 0))).toEqual([]);
    expect(deviceDoseGate(first, device(first, 2, 0))).toEqual([{ requirement: 'dose.device-sequence', message: 'the next device is number 1, not 2' }]);
    expect(messages(deviceDoseGate(first, ev(first, 'DOSE_DEVICE', 0, { data: { amountMg: 28 } })))).toEqual(['the next device is number 1, not unstated']);
    expect(deviceDoseGate(first, device(first, 1, 0, { data: { deviceSeq: 1, amountMg: 56 } }))).toEqual([{ requirement: 'dose.amount', message: 'each device delivers 28 mg' }]);

    const second = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 1, lastDeviceAt: T0, totalDoseMg: 28 });
    expect(deviceDoseGate(second, device(second, 2, 3))).toEqual([{ requirement: 'dose.device-interval', message: 'next device at 09:05 (5 min after the previous one)' }]);
    expect(messages(deviceDoseGate(second, device(second, 2, 3, { timezone: 'America/New_York' })))).toEqual(['next device at 03:05 (5 min after the previous one)']);
    expect(deviceDoseGate(second, device(second, 2, 5))).toEqual([]);

    const done = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 2, lastDeviceAt: at(5), totalDoseMg: 56 });
    expect(deviceDoseGate(done, device(done, 3, 30))).toEqual([{ requirement: 'dose.once', message: 'all 2 devices have been given' }]);
  });

  it('the first device passes the pre-dose gate, the later ones do not repeat it', () => {
    const stale = (f: SessionFacts) => (f.pregnancyTest = { result: 'negative', takenAt: at(-50 * 60) });
    const first = ctxFor('esketamine-rems');
    expect(requirements(deviceDoseGate(first, device(first, 1, 0, { facts: stale })))).toEqual(['predose.pregnancy-test']);
    const second = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 1, lastDeviceAt: T0, totalDoseMg: 28 });
    expect(deviceDoseGate(second, device(second, 2, 5, { facts: stale }))).toEqual([]);
  });
});

describe('supplementalDoseGate (MDMA)', () => {
  const supp = (ctx: DosingContext, minutes: number, o: EventOptions = {}) => ev(ctx, 'DOSE_SUPPLEMENTAL', minutes, { data: { amountMg: 40 }, ...o });

  it('no supplemental dose where the protocol has none, or before the initial dose', () => {
    for (const id of ['psilocybin-trd', 'esketamine-rems'] as ProtocolId[]) {
      const ctx = dosed(id);
      expect(supplementalDoseGate(ctx, supp(ctx, 100))).toEqual([{ requirement: 'supplemental.not-planned', message: 'this session has no supplemental dose' }]);
    }
    const undosed = ctxFor('mdma-ptsd');
    expect(requirements(supplementalDoseGate(undosed, supp(undosed, 100)))).toEqual(['supplemental.not-planned']);
  });

  it('inside its window 1.5–2.5 h after the dose, told in the site time zone', () => {
    const ctx = dosed('mdma-ptsd');
    expect(supplementalDoseGate(ctx, supp(ctx, 89))).toEqual([{ requirement: 'supplemental.window', message: 'supplemental window opens at 10:30' }]);
    expect(messages(supplementalDoseGate(ctx, supp(ctx, 30, { timezone: 'America/New_York' })))).toEqual(['supplemental window opens at 04:30']);
    expect(messages(supplementalDoseGate(ctx, supp(ctx, 30, { timezone: 'Asia/Kolkata' })))).toEqual(['supplemental window opens at 15:00']);
    expect(supplementalDoseGate(ctx, supp(ctx, 90))).toEqual([]);
    expect(supplementalDoseGate(ctx, supp(ctx, 150))).toEqual([]);
    expect(supplementalDoseGate(ctx, supp(ctx, 151))).toEqual([{ requirement: 'supplemental.window', message: 'supplemental window closed at 11:30' }]);
  });

  it('once: not after it was given, declined or its window passed', () => {
    expect(supplementalDoseGate(dosed('mdma-ptsd', { supplementalAt: at(100), supplementalDecision: 'given' }), supp(dosed('mdma-ptsd'), 120))).toEqual([
      { requirement: 'supplemental.once', message: 'the supplemental dose has already been given' },
    ]);
    expect(messages(supplementalDoseGate(dosed('mdma-ptsd', { supplementalDecision: 'declined' }), supp(dosed('mdma-ptsd'), 120)))).toEqual(['the supplemental dose was declined']);
    expect(messages(supplementalDoseGate(dosed('mdma-ptsd', { supplementalDecision: 'window-closed' }), supp(dosed('mdma-ptsd'), 120)))).toEqual([
      'the supplemental dose was not given in its window',
    ]);
  });

  it('the amount of the session: 40 mg in session 1, 60 mg in sessions 2 and 3', () => {
    const s1 = dosed('mdma-ptsd');
    expect(supplementalDoseGate(s1, supp(s1, 100, { data: { amountMg: 60 } }))).toEqual([{ requirement: 'dose.amount', message: 'the supplemental dose of session 1 is 40 mg' }]);
    const s2 = dosed('mdma-ptsd', { sessionNumber: 2 });
    expect(supplementalDoseGate(s2, supp(s2, 100, { data: { amountMg: 60 } }))).toEqual([]);
    expect(messages(supplementalDoseGate(s2, supp(s2, 100)))).toEqual(['the supplemental dose of session 2 is 60 mg']);
  });

  it('vitals taken within 15 min before', () => {
    const ctx = dosed('mdma-ptsd');
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: (f) => (f.latestVitals = { ...f.latestVitals!, takenAt: at(84) }) }))).toEqual([
      { requirement: 'supplemental.vitals', message: 'vitals must be taken within 15 min before the supplemental dose (last at 10:24)' },
    ]);
    expect(messages(supplementalDoseGate(ctx, supp(ctx, 100, { facts: (f) => (f.latestVitals = null) })))).toEqual(['vitals must be taken within 15 min before the supplemental dose']);
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: (f) => (f.latestVitals = { ...f.latestVitals!, takenAt: at(85) }) }))).toEqual([]);
  });

  it('the BP rule: refused above 180/120 and on a confirmed 160/100; at 160/100 an investigator decides with a reason', () => {
    const ctx = dosed('mdma-ptsd');
    const alarms = (a: Partial<SessionFacts['alarms']>) => (f: SessionFacts) => (f.alarms = { ...f.alarms, ...a });
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: alarms({ bpAtOrAbove160: true, bpAbove180: true }) }))).toEqual([
      { requirement: 'supplemental.blood-pressure', message: 'BP above 180/120: supplemental dose refused' },
    ]);
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: alarms({ bpAtOrAbove160: true, bpAtOrAbove160Confirmed: true }) }))).toEqual([
      { requirement: 'supplemental.blood-pressure', message: 'BP at or above 160/100 confirmed on a repeat reading: supplemental dose refused' },
    ]);
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: alarms({ confirmedHigh: true }) }))).toEqual([
      { requirement: 'supplemental.alarm', message: 'a confirmed high alarm is present: supplemental dose refused' },
    ]);
    // 160/100 not confirmed: an investigator with a reason may give it
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: alarms({ bpAtOrAbove160: true }) }))).toEqual([]);
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { facts: alarms({ bpAtOrAbove160: true }), actor: CLINICIAN, reason: null }))).toEqual([
      { requirement: 'role.investigator', message: 'BP at or above 160/100: an investigator must decide on the supplemental dose' },
      { requirement: 'reason', message: 'the supplemental-dose decision needs a reason' },
    ]);
    // the default rule: always an investigator decision
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { actor: CLINICIAN }))).toEqual([
      { requirement: 'role.investigator', message: 'an investigator must decide on the supplemental dose' },
    ]);
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { reason: '  ' }))).toEqual([{ requirement: 'reason', message: 'the supplemental-dose decision needs a reason' }]);
  });

  it('a study without the investigator-decision default still needs one at 160/100', () => {
    const p = paramsOf('mdma-ptsd');
    const params: ProtocolParameters = { ...p, dosing: { ...p.dosing, supplementalRule: { ...p.dosing.supplementalRule, investigatorDecision: false } } };
    const ctx = dosed('mdma-ptsd', { params });
    expect(supplementalDoseGate(ctx, supp(ctx, 100, { actor: CLINICIAN, reason: null }))).toEqual([]);
    expect(requirements(supplementalDoseGate(ctx, supp(ctx, 100, { actor: CLINICIAN, reason: null, facts: (f) => (f.alarms.bpAtOrAbove160 = true) })))).toEqual([
      'role.investigator',
      'reason',
    ]);
  });
});

describe('declineSupplementalGate and beginRecoveryGate', () => {
  it('declining needs a reason, once, and a protocol with a supplemental dose', () => {
    const ctx = dosed('mdma-ptsd');
    expect(declineSupplementalGate(ctx, ev(ctx, 'DECLINE_SUPPLEMENTAL', 100))).toEqual([]);
    expect(declineSupplementalGate(ctx, ev(ctx, 'DECLINE_SUPPLEMENTAL', 100, { reason: null }))).toEqual([
      { requirement: 'reason', message: 'declining the supplemental dose needs a reason' },
    ]);
    const decided = dosed('mdma-ptsd', { supplementalDecision: 'given', supplementalAt: at(100) });
    expect(messages(declineSupplementalGate(decided, ev(decided, 'DECLINE_SUPPLEMENTAL', 110)))).toEqual(['the supplemental dose has already been decided']);
    const psi = dosed('psilocybin-trd');
    expect(requirements(declineSupplementalGate(psi, ev(psi, 'DECLINE_SUPPLEMENTAL', 100)))).toEqual(['supplemental.not-planned']);
  });

  it('recovery waits for the supplemental decision or the end of its window', () => {
    const ctx = dosed('mdma-ptsd');
    expect(beginRecoveryGate(ctx, ev(ctx, 'BEGIN_RECOVERY', 100))).toEqual([
      { requirement: 'supplemental.decision', message: 'supplemental dose not decided (window closes at 11:30)' },
    ]);
    expect(beginRecoveryGate(ctx, ev(ctx, 'BEGIN_RECOVERY', 151))).toEqual([]);
    expect(beginRecoveryGate(dosed('mdma-ptsd', { supplementalDecision: 'declined' }), ev(ctx, 'BEGIN_RECOVERY', 100))).toEqual([]);
    for (const id of ['psilocybin-trd', 'esketamine-rems'] as ProtocolId[]) expect(beginRecoveryGate(dosed(id), ev(dosed(id), 'BEGIN_RECOVERY', 10))).toEqual([]);
  });
});

describe('minimum monitoring time', () => {
  it('the Oregon preset by total psilocybin dose (a secondary dose counts): 25 mg -> 5 h', () => {
    const p = paramsOf('psilocybin-trd');
    const table: [number, number][] = [
      [1, 60],
      [4.9, 60],
      [5, 120],
      [9.9, 120],
      [10, 240],
      [24.9, 240],
      [25, 300],
      [34.9, 300],
      [35, 360],
      [50, 360],
    ];
    for (const [mg, minutes] of table) expect([mg, minimumMonitoringMinutes(p, mg)]).toEqual([mg, minutes]);
    expect(minimumMonitoringMinutes(paramsOf('mdma-ptsd'), 120)).toBe(480);
    expect(minimumMonitoringMinutes(paramsOf('esketamine-rems'), 56)).toBe(120);
  });

  it('"minimum monitoring time not reached: 1 h 12 min left" (MDMA, 8 h), before the overnight stay', () => {
    const ctx = dosed('mdma-ptsd');
    expect(startOvernightGate(ctx, ev(ctx, 'START_OVERNIGHT', 408))).toEqual([
      { requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 h 12 min left' },
    ]);
    expect(startOvernightGate(ctx, ev(ctx, 'START_OVERNIGHT', 480))).toEqual([]);
  });

  it('psilocybin 25 mg: refused at 4 h, allowed at 5 h; 10 mg: allowed at 4 h', () => {
    const ctx = dosed('psilocybin-trd');
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 240))).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 h left' }]);
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 300))).toEqual([]);
    const tenMg = dosed('psilocybin-trd', { totalDoseMg: 10 });
    expect(dischargeGate(tenMg, ev(tenMg, 'DISCHARGE', 240))).toEqual([]);
  });

  it('esketamine: 2 h from the first device', () => {
    const ctx = dosed('esketamine-rems');
    expect(messages(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 75)))).toEqual(['minimum monitoring time not reached: 45 min left']);
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 120))).toEqual([]);
  });
});

describe('dischargeGate and the overnight stay', () => {
  it('MDMA discharges only after the overnight stay', () => {
    const ctx = dosed('mdma-ptsd');
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 500))).toEqual([{ requirement: 'discharge.overnight', message: 'the protocol requires an overnight stay before discharge' }]);
  });

  it('open physiological alarms, the discharge checklist', () => {
    const ctx = dosed('psilocybin-trd');
    expect(messages(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: (f) => (f.alarms.openPhysiological = 1) })))).toEqual(['1 physiological alarm not cleared']);
    expect(messages(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: (f) => (f.alarms.openPhysiological = 2) })))).toEqual(['2 physiological alarms not cleared']);
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: (f) => (f.checklists.discharge.signed = false) }))).toEqual([
      { requirement: 'discharge.signed', message: 'discharge checklist: not signed' },
    ]);
    expect(messages(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: (f) => delete f.checklists.discharge })))).toEqual(['discharge checklist: not started']);
    expect(messages(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: (f) => (f.checklists.discharge.items['released-to'] = { status: 'open' }) })))).toEqual([
      'discharge checklist: released to a named adult or overnight attendant not recorded',
    ]);
  });

  it('a positive C-SSRS blocks discharge until a risk assessment is recorded', () => {
    for (const id of ['psilocybin-trd', 'esketamine-rems'] as ProtocolId[]) {
      const ctx = dosed(id);
      const positive = (recorded: boolean) => (f: SessionFacts) => (f.cssrs = { at: at(300), positive: true, riskAssessmentRecorded: recorded });
      expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: positive(false) }))).toEqual([
        { requirement: 'discharge.cssrs', message: 'C-SSRS positive: risk assessment or safety plan not recorded' },
      ]);
      expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 310, { facts: positive(true) }))).toEqual([]);
    }
    const mdma = dosed('mdma-ptsd', { overnightStartedAt: at(500) });
    expect(requirements(endOvernightGate(mdma, ev(mdma, 'END_OVERNIGHT', 1000, { facts: (f) => (f.cssrs = { at: at(990), positive: true, riskAssessmentRecorded: false }) })))).toEqual([
      'discharge.cssrs',
    ]);
  });

  it('esketamine: sedation, dissociation and respiratory depression must be assessed as resolved; not required for psilocybin', () => {
    const ctx = dosed('esketamine-rems');
    expect(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 130, { facts: (f) => (f.assessments = { sedationResolved: false, dissociationResolved: null, respiratoryDepressionResolved: false }) }))).toEqual([
      { requirement: 'discharge.sedation', message: 'sedation not assessed as resolved (MOAA/S)' },
      { requirement: 'discharge.dissociation', message: 'dissociation not assessed as resolved' },
      { requirement: 'discharge.respiration', message: 'respiratory depression not assessed as resolved' },
    ]);
    expect(requirements(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 130, { facts: (f) => (f.assessments.dissociationResolved = false) })))).toEqual(['discharge.dissociation']);
    // not assessed (null) is not resolved
    expect(requirements(dischargeGate(ctx, ev(ctx, 'DISCHARGE', 130, { facts: (f) => (f.assessments = { sedationResolved: null, dissociationResolved: true, respiratoryDepressionResolved: null }) })))).toEqual([
      'discharge.sedation',
      'discharge.respiration',
    ]);
    const psi = dosed('psilocybin-trd');
    expect(dischargeGate(psi, ev(psi, 'DISCHARGE', 310, { facts: (f) => (f.assessments = { sedationResolved: null, dissociationResolved: null, respiratoryDepressionResolved: null }) }))).toEqual([]);
  });

  it('the overnight stay: only where planned, with a named attendant, at least 8 h, told with the date when it is another day', () => {
    const psi = dosed('psilocybin-trd');
    expect(requirements(startOvernightGate(psi, ev(psi, 'START_OVERNIGHT', 400)))).toEqual(['overnight.not-planned']);
    const ctx = dosed('mdma-ptsd');
    expect(startOvernightGate(ctx, ev(ctx, 'START_OVERNIGHT', 500, { facts: (f) => (f.staff = f.staff.filter((s) => s.role !== 'attendant')) }))).toEqual([
      { requirement: 'staff.attendant', message: 'an overnight attendant must be named' },
    ]);
    const night = dosed('mdma-ptsd', { overnightStartedAt: at(500) }); // 17:20 in Amsterdam
    expect(endOvernightGate(night, ev(night, 'END_OVERNIGHT', 600))).toEqual([
      { requirement: 'overnight.minimum-time', message: 'the overnight stay ends no earlier than 2026-03-03 01:20' },
    ]);
    expect(messages(endOvernightGate(night, ev(night, 'END_OVERNIGHT', 960)))).toEqual(['the overnight stay ends no earlier than 01:20']);
    expect(endOvernightGate(night, ev(night, 'END_OVERNIGHT', 980))).toEqual([]);
    expect(requirements(endOvernightGate(night, ev(night, 'END_OVERNIGHT', 1000, { facts: (f) => (f.alarms.openPhysiological = 1) })))).toEqual(['discharge.alarms']);
    expect(requirements(endOvernightGate(night, ev(night, 'END_OVERNIGHT', 1000, { facts: (f) => (f.checklists.discharge.signed = false) })))).toEqual(['discharge.signed']);
  });
});

describe('holds, exits and visits', () => {
  it('a hold is raised by anyone with a reason and resolved by an investigator with a reason', () => {
    const ctx = dosed('mdma-ptsd');
    expect(raiseHoldGate(ctx, ev(ctx, 'RAISE_HOLD', 30, { actor: CLINICIAN }))).toEqual([]);
    expect(raiseHoldGate(ctx, ev(ctx, 'RAISE_HOLD', 30, { actor: CLINICIAN, reason: null }))).toEqual([{ requirement: 'reason', message: 'a medical hold needs a reason' }]);
    expect(resolveHoldGate(ctx, ev(ctx, 'RESOLVE_HOLD', 40))).toEqual([]);
    expect(resolveHoldGate(ctx, ev(ctx, 'RESOLVE_HOLD', 40, { actor: CLINICIAN, reason: null }))).toEqual([
      { requirement: 'role.investigator', message: 'only an investigator can resolve a medical hold' },
      { requirement: 'reason', message: 'resolving a medical hold needs a reason' },
    ]);
  });

  it('an early exit names its kind and a reason; only an investigator stops a session', () => {
    const ctx = dosed('mdma-ptsd');
    for (const exit of ['emergency_transfer', 'left_against_advice', 'other']) expect(abortGate(ctx, ev(ctx, 'ABORT', 30, { actor: CLINICIAN, data: { exit } }))).toEqual([]);
    expect(abortGate(ctx, ev(ctx, 'ABORT', 30, { data: { exit: 'stopped_by_investigator' } }))).toEqual([]);
    expect(abortGate(ctx, ev(ctx, 'ABORT', 30, { actor: CLINICIAN, data: { exit: 'stopped_by_investigator' } }))).toEqual([
      { requirement: 'role.investigator', message: 'only an investigator can stop a session' },
    ]);
    expect(abortGate(ctx, ev(ctx, 'ABORT', 30, { data: { exit: 'bored' }, reason: null }))).toEqual([
      { requirement: 'exit.kind', message: 'exit must be one of emergency_transfer, left_against_advice, stopped_by_investigator, other' },
      { requirement: 'reason', message: 'ending a session early needs a reason' },
    ]);
  });

  it('a visit closes only with a positive C-SSRS followed up', () => {
    const ctx = ctxFor('mdma-ptsd');
    expect(visitCloseGate(ctx, ev(ctx, 'CLOSE', 0))).toEqual([]);
    expect(visitCloseGate(ctx, ev(ctx, 'CLOSE', 0, { facts: (f) => (f.cssrs = { at: at(-5), positive: true, riskAssessmentRecorded: false }) }))).toEqual([
      { requirement: 'visit.cssrs', message: 'C-SSRS positive: risk assessment or safety plan not recorded' },
    ]);
  });
});

describe('overrides', () => {
  const stale = (f: SessionFacts) => (f.pregnancyTest = { result: 'negative', takenAt: at(-49 * 60) });

  it('a waived stale pregnancy test no longer blocks the dose, every other unmet still does', () => {
    const ctx = ctxFor('mdma-ptsd');
    const dose = (o: EventOptions) => ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80 }, ...o });
    expect(requirements(outstanding(initialDoseGate, ctx, dose({ facts: stale })))).toEqual(['predose.pregnancy-test']);
    expect(outstanding(initialDoseGate, ctx, dose({ facts: stale, waived: ['predose.pregnancy-test'] }))).toEqual([]);
    const staleAndMore = (f: SessionFacts) => {
      stale(f);
      f.staff = f.staff.filter((s) => s.userId !== 'therapist-2');
      f.baselineVitals = { ...f.baselineVitals!, takenAt: at(-90) };
      f.checklists['pre-dose'].signed = false;
    };
    expect(requirements(outstanding(initialDoseGate, ctx, dose({ facts: staleAndMore, waived: ['predose.pregnancy-test'], data: { amountMg: 120 } })))).toEqual([
      'dose.amount',
      'pre-dose.signed',
      'predose.baseline-vitals',
      'staff.therapists',
    ]);
    // the waiver covers that requirement only: the checklist's own pregnancy-test item is a different requirement
    const item = (f: SessionFacts) => {
      stale(f);
      f.checklists['pre-dose'].items['pregnancy-test'] = { status: 'failed' };
    };
    expect(requirements(outstanding(initialDoseGate, ctx, dose({ facts: item, waived: ['predose.pregnancy-test'] })))).toEqual(['pre-dose.pregnancy-test']);
  });

  it('the dosing machine applies the waiver the same way (through the runtime)', () => {
    const def = findProtocol('mdma-ptsd')!;
    const r = def.machines.dosing!;
    let snap = start(r, { protocolId: def.id, protocolVersion: def.version, params: def.defaults, sessionNumber: 1 });
    const ctx = ctxFor('mdma-ptsd');
    const started = evaluate(r, snap, ev(ctx, 'START', 0));
    if (!started.accepted) throw new Error('START refused');
    snap = started.snapshot;
    const refused = evaluate(r, snap, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80 }, facts: stale }));
    expect(refused).toMatchObject({ accepted: false, unmet: [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }] });
    expect(evaluate(r, snap, ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80 }, facts: stale, waived: ['predose.pregnancy-test'] }))).toMatchObject({
      accepted: true,
      to: 'monitoring.acute',
    });
  });

  it('NOT_OVERRIDABLE requirements are never waived, whatever the event claims', () => {
    expect([...NOT_OVERRIDABLE]).toEqual(
      expect.arrayContaining(['dose.course', 'dose.device-sequence', 'dose.once', 'exit.kind', 'reason', 'role.investigator', 'supplemental.not-planned', 'supplemental.once']),
    );
    const cases: [Gate, DosingContext, SessionEvent][] = [];
    const given = dosed('mdma-ptsd', { supplementalAt: at(100), supplementalDecision: 'given' });
    cases.push([supplementalDoseGate, given, ev(given, 'DOSE_SUPPLEMENTAL', 200, { actor: CLINICIAN, reason: null, data: { amountMg: 60 } })]);
    const psi = dosed('psilocybin-trd');
    cases.push([supplementalDoseGate, psi, ev(psi, 'DOSE_SUPPLEMENTAL', 100, { data: { amountMg: 40 } })]);
    cases.push([initialDoseGate, psi, ev(psi, 'DOSE_INITIAL', 10, { data: { amountMg: 25 } })]);
    const esk = ctxFor('esketamine-rems', { doseAt: T0, devicesGiven: 2, lastDeviceAt: at(5), totalDoseMg: 56 });
    cases.push([deviceDoseGate, esk, ev(esk, 'DOSE_DEVICE', 6, { data: { deviceSeq: 1, amountMg: 28 } })]);
    cases.push([resolveHoldGate, psi, ev(psi, 'RESOLVE_HOLD', 10, { actor: CLINICIAN, reason: null })]);
    cases.push([abortGate, psi, ev(psi, 'ABORT', 10, { actor: CLINICIAN, data: { exit: 'nope' }, reason: null })]);
    cases.push([abortGate, psi, ev(psi, 'ABORT', 10, { actor: CLINICIAN, data: { exit: 'stopped_by_investigator' } })]);
    const undosed = ctxFor('mdma-ptsd');
    cases.push([initialDoseGate, undosed, ev(undosed, 'DOSE_INITIAL', 0, { data: { amountMg: 80 }, facts: (f) => (f.participant.courseState = 'ended.withdrawn') })]);
    for (const [gate, ctx, event] of cases) {
      const all = gate(ctx, event);
      const protectedOnes = all.filter((u) => NOT_OVERRIDABLE.has(u.requirement));
      expect(protectedOnes.length).toBeGreaterThan(0);
      // waive everything the gate reported: exactly the protected requirements remain
      expect(outstanding(gate, ctx, { ...event, waived: all.map((u) => u.requirement) })).toEqual(protectedOnes);
    }
    expect(requirements(outstanding(supplementalDoseGate, given, { ...cases[0][2], waived: ['supplemental.once', 'role.investigator'] }))).toEqual(
      expect.arrayContaining(['supplemental.once', 'role.investigator', 'reason']),
    );
  });

  // A positive pregnancy test has its own requirement, which no override waives (a stale test can be overridden).
  it('waiving the stale pregnancy test never lets a positive test through', () => {
    const ctx = ctxFor('mdma-ptsd');
    const positive = (f: SessionFacts) => (f.pregnancyTest = { result: 'positive', takenAt: at(-60) });
    const event = ev(ctx, 'DOSE_INITIAL', 0, { data: { amountMg: 80 }, facts: positive, waived: ['predose.pregnancy-test'] });
    expect(outstanding(initialDoseGate, ctx, event).map((u) => u.message)).toEqual(['pregnancy test is positive']);
  });

  it('a protocol without an overnight stay cannot start one by override', () => {
    const psi = dosed('psilocybin-trd');
    const event = ev(psi, 'START_OVERNIGHT', 400, { waived: ['overnight.not-planned'] });
    expect(requirements(outstanding(startOvernightGate, psi, event))).toEqual(['overnight.not-planned']);
  });

  // DOMAIN.md 3: the MDMA supplemental dose is "refused outright above 180/120 or on a confirmed >= 160/100".
  it('the supplemental dose above 180/120 cannot be given by override', () => {
    const ctx = dosed('mdma-ptsd');
    const event = ev(ctx, 'DOSE_SUPPLEMENTAL', 100, {
      data: { amountMg: 40 },
      facts: (f) => (f.alarms = { ...f.alarms, bpAtOrAbove160: true, bpAbove180: true }),
      waived: ['supplemental.blood-pressure'],
    });
    expect(requirements(outstanding(supplementalDoseGate, ctx, event))).toEqual(['supplemental.blood-pressure']);
  });
});
