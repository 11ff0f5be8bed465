import { minimumMonitoringMinutes, plannedDose, ProtocolParameters } from './parameters';
import { addMinutes, formatDuration, formatLocalTime, HOUR_MS, localDate, minutesBetween, ms } from './time';
import { SessionEvent, SessionFacts, Unmet } from './types';

/**
 * Gates: pure functions `check(context, event) -> unmet[]`. The same function is the XState
 * guard (no unmet = allowed) and the body of the 409 refusal, so what the machine refuses and
 * what the clinician is told can never differ.
 */

/** What a dosing session remembers between events (lives in the persisted snapshot). */
export interface DosingContext {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
  /** 1-based number of this dosing session in the participant's course. */
  sessionNumber: number;
  doseAt: string | null;
  totalDoseMg: number;
  devicesGiven: number;
  lastDeviceAt: string | null;
  supplementalAt: string | null;
  supplementalDecision: 'given' | 'declined' | 'window-closed' | null;
  overnightStartedAt: string | null;
  holdReason: string | null;
  /** Where monitoring resumes when the hold is resolved. */
  holdFrom: 'dosing' | 'acute' | 'settled' | 'recovery' | null;
  exit: string | null;
}

export type Gate = (context: DosingContext, event: SessionEvent) => Unmet[];

/** Requirements that say a step does not exist in this protocol: such steps are not offered at all. */
export const NOT_APPLICABLE = new Set(['dose.kind', 'supplemental.not-planned', 'overnight.not-planned']);

/** Requirements an override cannot waive: who may act, and what already happened. */
export const NOT_OVERRIDABLE = new Set([
  'predose.pregnancy-positive',
  // DOMAIN.md 3: above 180/120, on a confirmed >= 160/100 or a confirmed high alarm the supplemental dose is refused outright
  'supplemental.blood-pressure',
  'supplemental.alarm',
  'dose.kind',
  'dose.course',
  'dose.time',
  'role.investigator',
  'reason',
  'exit.kind',
  'dose.once',
  'supplemental.once',
  'supplemental.not-planned',
  'overnight.not-planned',
  'dose.device-sequence',
]);

const unmet = (requirement: string, message: string): Unmet => ({ requirement, message });

/** The gate's unmet requirements, minus those an investigator overrode for this one step. */
export function outstanding(gate: Gate, context: DosingContext, event: SessionEvent): Unmet[] {
  return gate(context, event).filter((u) => NOT_OVERRIDABLE.has(u.requirement) || !event.waived.includes(u.requirement));
}

function checklistGate(facts: SessionFacts, params: ProtocolParameters, key: string, title: string): Unmet[] {
  const list = facts.checklists[key];
  const templates = params.checklists[key] ?? [];
  if (!list) return [unmet(`${key}.signed`, `${title} checklist: not started`)];
  const out: Unmet[] = [];
  for (const item of templates) {
    if (!item.required) continue;
    if (item.appliesTo === 'childbearing-potential' && !facts.participant.childbearingPotential) continue;
    const state = list.items[item.key];
    if (!state || state.status === 'open') out.push(unmet(`${key}.${item.key}`, `${title} checklist: ${item.label.toLowerCase()} not recorded`));
    else if (state.status === 'failed') out.push(unmet(`${key}.${item.key}`, `${title} checklist: ${item.label.toLowerCase()} failed`));
  }
  if (!list.signed) out.push(unmet(`${key}.signed`, `${title} checklist: not signed`));
  return out;
}

const sameLocalDay = (a: string, b: string, tz: string) => localDate(a, tz) === localDate(b, tz);

/** No dose once the course has left treatment (consent withdrawn, treatment discontinued, ...). */
function courseAllowsDose(facts: SessionFacts): Unmet[] {
  const state = facts.participant.courseState;
  if (state === 'treatment.dosing') return [];
  const why: Record<string, string> = {
    'ended.withdrawn': 'consent was withdrawn',
    'ended.death': 'the participant died',
    'ended.lostToFollowUp': 'the participant is lost to follow-up',
    followUp: 'treatment was discontinued or is complete',
  };
  return [unmet('dose.course', `no dose may be given: ${why[state] ?? `the course is in ${state}`}`)];
}

/** When the dose was given: the stated time when it is a valid one, else the time of the event. */
export function administeredAt(event: SessionEvent): string {
  const raw = event.data?.administeredAt;
  const parsed = typeof raw === 'string' ? Date.parse(raw) : NaN;
  return Number.isNaN(parsed) ? event.facts.now : new Date(parsed).toISOString();
}

/** A stated administration time must be a real instant, not in the future, not before `notBefore`. */
function doseTimeGate(event: SessionEvent, notBefore: string | null, notBeforeWhat = 'previous dose'): Unmet[] {
  const raw = event.data?.administeredAt;
  if (raw === undefined) return [];
  const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (Number.isNaN(at)) return [unmet('dose.time', 'administeredAt is not a valid time')];
  if (at > ms(event.facts.now) + 60_000) return [unmet('dose.time', 'a dose cannot be recorded as given in the future')];
  if (notBefore && at < ms(notBefore)) {
    return [unmet('dose.time', `administeredAt is before the ${notBeforeWhat} at ${formatLocalTime(notBefore, event.facts.timezone, event.facts.now)}`)];
  }
  return [];
}

/** Dosing sessions are spaced (MDMA: 3–5 weeks); an earlier one needs an override (a deviation). */
function spacingGate(ctx: DosingContext, facts: SessionFacts): Unmet[] {
  const min = ctx.params.course.dosingSpacingDays.min;
  if (!facts.previousDoseAt || min <= 0) return [];
  const earliest = addMinutes(facts.previousDoseAt, min * 24 * 60);
  return ms(facts.now) < ms(earliest)
    ? [unmet('predose.dosing-spacing', `dosing session ${ctx.sessionNumber} may start from ${localDate(earliest, facts.timezone)} (${min} days after the previous dose)`)]
    : [];
}

/** Pre-dose gate: consent, checklist, validity windows, staffing, prohibited medication, BP rule. */
export const predoseGate: Gate = (ctx, event) => {
  const { facts } = event;
  const p = ctx.params;
  const out: Unmet[] = [...courseAllowsDose(facts), ...spacingGate(ctx, facts)];
  if (facts.participant.consentVersion !== p.consent.requiredVersion) {
    out.push(
      unmet(
        'predose.consent',
        facts.participant.consentVersion
          ? `consent version ${facts.participant.consentVersion} is signed, the protocol requires ${p.consent.requiredVersion}: re-consent first`
          : 'consent not recorded',
      ),
    );
  }
  out.push(...checklistGate(facts, p, 'pre-dose', 'pre-dose'));
  if (facts.participant.childbearingPotential) {
    const test = facts.pregnancyTest;
    if (!test) out.push(unmet('predose.pregnancy-test', 'pre-dose checklist: pregnancy test not recorded'));
    else if (test.result !== 'negative') out.push(unmet('predose.pregnancy-positive', 'pregnancy test is positive'));
    else if (ms(facts.now) - ms(test.takenAt) > p.validity.pregnancyTestHours * HOUR_MS) {
      out.push(unmet('predose.pregnancy-test', `pregnancy test older than ${p.validity.pregnancyTestHours} h`));
    }
  }
  if (p.validity.cssrsSameDay) {
    if (!facts.cssrs) out.push(unmet('predose.cssrs', 'C-SSRS not done today'));
    else if (!sameLocalDay(facts.cssrs.at, facts.now, facts.timezone)) out.push(unmet('predose.cssrs', 'C-SSRS not done today (last one on another day)'));
  }
  if (p.validity.fastingSameDay && (!facts.fastingAttestedAt || !sameLocalDay(facts.fastingAttestedAt, facts.now, facts.timezone))) {
    out.push(unmet('predose.fasting', 'fasting not attested today'));
  }
  const baseline = facts.baselineVitals;
  if (!baseline) out.push(unmet('predose.baseline-vitals', 'baseline vitals not recorded'));
  else {
    const age = minutesBetween(baseline.takenAt, facts.now);
    if (age > p.validity.baselineVitalsMinutes) {
      out.push(unmet('predose.baseline-vitals', `baseline vitals older than ${p.validity.baselineVitalsMinutes} min (taken ${formatDuration(age)} ago)`));
    }
    const limit = p.predoseBloodPressureLimit;
    if (limit && baseline.systolic !== undefined && baseline.diastolic !== undefined && (baseline.systolic > limit.systolic || baseline.diastolic > limit.diastolic)) {
      out.push(
        unmet(
          'predose.blood-pressure',
          `baseline BP ${baseline.systolic}/${baseline.diastolic} is above ${limit.systolic}/${limit.diastolic}: an investigator must weigh the risk`,
        ),
      );
    }
  }
  out.push(...preparationWindowGate(facts, p));
  out.push(...staffingGate(facts, p));
  for (const med of facts.prohibitedMedications) {
    out.push(unmet('predose.prohibited-medication', `prohibited medication recorded: ${med}`));
  }
  return out;
};

/** Psilocybin preset (Oregon): the last preparation session 24 h to 90 days before dosing. */
function preparationWindowGate(facts: SessionFacts, p: ProtocolParameters): Unmet[] {
  const window = p.course.preparationBeforeDosingHours;
  if (!window) return [];
  const last = facts.lastPreparationEndedAt;
  if (!last) return [unmet('predose.preparation-window', 'no preparation session has been completed')];
  const hours = minutesBetween(last, facts.now) / 60;
  if (hours < window.min) {
    const from = addMinutes(last, window.min * 60);
    return [unmet('predose.preparation-window', `dosing may start ${window.min} h after the preparation session, at ${formatLocalTime(from, facts.timezone, facts.now)}`)];
  }
  if (hours > window.max) {
    return [unmet('predose.preparation-window', `the last preparation session was more than ${formatDuration(window.max * 60)} ago`)];
  }
  return [];
}

function staffingGate(facts: SessionFacts, p: ProtocolParameters): Unmet[] {
  const out: Unmet[] = [];
  const therapists = facts.staff.filter((s) => s.role === 'therapist').length;
  if (therapists < p.staffing.therapists) {
    out.push(unmet('staff.therapists', `${p.staffing.therapists} therapists must be present (${therapists} present)`));
  }
  if (p.staffing.prescriberOnSite && !facts.staff.some((s) => s.role === 'prescriber')) {
    out.push(unmet('staff.prescriber', 'a prescriber must be on site'));
  }
  return out;
}

const amountOf = (event: SessionEvent): number | undefined => {
  const value = event.data?.amountMg;
  return typeof value === 'number' ? value : undefined;
};

/** The initial dose: once, the planned amount, after the pre-dose gate. */
export const initialDoseGate: Gate = (ctx, event) => {
  if (ctx.params.dosing.deviceMg !== null) {
    return [unmet('dose.kind', 'this protocol doses by nasal device: record each device (DOSE_DEVICE)')];
  }
  const out: Unmet[] = [];
  if (ctx.doseAt) out.push(unmet('dose.once', 'the initial dose has already been given'));
  const planned = plannedDose(ctx.params, ctx.sessionNumber).initialMg;
  const amount = amountOf(event);
  if (amount === undefined) out.push(unmet('dose.amount', `the amount is not stated (dosing session ${ctx.sessionNumber} gives ${planned} mg)`));
  else if (amount !== planned) out.push(unmet('dose.amount', `dosing session ${ctx.sessionNumber} gives ${planned} mg, not ${amount} mg`));
  return [...out, ...doseTimeGate(event, event.facts.sessionStartedAt, 'start of the session'), ...predoseGate(ctx, event)];
};

/** Esketamine: devices in sequence, a set interval apart; the first one passes the pre-dose gate. */
export const deviceDoseGate: Gate = (ctx, event) => {
  const p = ctx.params;
  if (p.dosing.deviceMg === null) return [unmet('dose.kind', 'this protocol has no device doses: record the dose (DOSE_INITIAL)')];
  const out: Unmet[] = [];
  const seq = event.data?.deviceSeq;
  const devicesPlanned = plannedDevices(ctx);
  if (seq !== ctx.devicesGiven + 1) {
    out.push(unmet('dose.device-sequence', `the next device is number ${ctx.devicesGiven + 1}, not ${String(seq ?? 'unstated')}`));
  }
  if (ctx.devicesGiven >= devicesPlanned) out.push(unmet('dose.once', `all ${devicesPlanned} devices have been given`));
  if (amountOf(event) !== p.dosing.deviceMg) out.push(unmet('dose.amount', `each device delivers ${p.dosing.deviceMg} mg`));
  if (ctx.lastDeviceAt) {
    const next = addMinutes(ctx.lastDeviceAt, p.dosing.deviceIntervalMinutes);
    if (ms(administeredAt(event)) < ms(next)) {
      out.push(
        unmet(
          'dose.device-interval',
          `next device at ${formatLocalTime(next, event.facts.timezone)} (${p.dosing.deviceIntervalMinutes} min after the previous one)`,
        ),
      );
    }
  }
  out.push(...(ctx.lastDeviceAt ? doseTimeGate(event, ctx.lastDeviceAt) : doseTimeGate(event, event.facts.sessionStartedAt, 'start of the session')));
  if (ctx.devicesGiven === 0) out.push(...predoseGate(ctx, event));
  else out.push(...courseAllowsDose(event.facts));
  return out;
};

export function plannedDevices(ctx: DosingContext): number {
  const mg = ctx.params.dosing.deviceMg;
  return mg ? Math.round(plannedDose(ctx.params, ctx.sessionNumber).initialMg / mg) : 0;
}

const isInvestigator = (event: SessionEvent) => event.actor.roles.includes('investigator');
const hasReason = (event: SessionEvent) => typeof event.reason === 'string' && event.reason.trim().length > 0;

/** MDMA supplemental half dose: inside its window, once, fresh vitals, BP rule, an investigator decision. */
export const supplementalDoseGate: Gate = (ctx, event) => {
  const p = ctx.params;
  const { facts } = event;
  const window = p.dosing.supplementalWindowMinutes;
  const planned = plannedDose(p, ctx.sessionNumber).supplementalMg;
  if (!window || planned === null || !ctx.doseAt) return [unmet('supplemental.not-planned', 'this session has no supplemental dose')];
  const out: Unmet[] = [...courseAllowsDose(facts), ...doseTimeGate(event, ctx.doseAt)];
  if (ctx.supplementalAt) out.push(unmet('supplemental.once', 'the supplemental dose has already been given'));
  else if (ctx.supplementalDecision) out.push(unmet('supplemental.once', `the supplemental dose was ${ctx.supplementalDecision === 'declined' ? 'declined' : 'not given in its window'}`));
  const opens = addMinutes(ctx.doseAt, window.from);
  const closes = addMinutes(ctx.doseAt, window.to);
  const givenAt = administeredAt(event);
  if (ms(givenAt) < ms(opens)) out.push(unmet('supplemental.window', `supplemental window opens at ${formatLocalTime(opens, facts.timezone)}`));
  if (ms(givenAt) > ms(closes)) out.push(unmet('supplemental.window', `supplemental window closed at ${formatLocalTime(closes, facts.timezone)}`));
  if (amountOf(event) !== planned) out.push(unmet('dose.amount', `the supplemental dose of session ${ctx.sessionNumber} is ${planned} mg`));
  const rule = p.dosing.supplementalRule;
  const vitals = facts.latestVitals;
  if (!vitals || minutesBetween(vitals.takenAt, facts.now) > rule.vitalsWithinMinutes) {
    out.push(
      unmet(
        'supplemental.vitals',
        vitals
          ? `vitals must be taken within ${rule.vitalsWithinMinutes} min before the supplemental dose (last at ${formatLocalTime(vitals.takenAt, facts.timezone)})`
          : `vitals must be taken within ${rule.vitalsWithinMinutes} min before the supplemental dose`,
      ),
    );
  }
  if (facts.alarms.bpAbove180) {
    out.push(unmet('supplemental.blood-pressure', `BP above ${rule.refuseAbove.systolic}/${rule.refuseAbove.diastolic}: supplemental dose refused`));
  } else if (facts.alarms.bpAtOrAbove160Confirmed) {
    out.push(unmet('supplemental.blood-pressure', `BP at or above ${rule.decisionAtOrAbove.systolic}/${rule.decisionAtOrAbove.diastolic} confirmed on a repeat reading: supplemental dose refused`));
  }
  if (facts.alarms.confirmedHigh) out.push(unmet('supplemental.alarm', 'a confirmed high alarm is present: supplemental dose refused'));
  const needsDecision = rule.investigatorDecision || facts.alarms.bpAtOrAbove160;
  if (needsDecision && !isInvestigator(event)) {
    out.push(unmet('role.investigator', facts.alarms.bpAtOrAbove160 ? `BP at or above ${rule.decisionAtOrAbove.systolic}/${rule.decisionAtOrAbove.diastolic}: an investigator must decide on the supplemental dose` : 'an investigator must decide on the supplemental dose'));
  }
  if (needsDecision && !hasReason(event)) out.push(unmet('reason', 'the supplemental-dose decision needs a reason'));
  return out;
};

export const declineSupplementalGate: Gate = (ctx, event) => {
  const out: Unmet[] = [];
  if (!ctx.params.dosing.supplementalWindowMinutes) out.push(unmet('supplemental.not-planned', 'this session has no supplemental dose'));
  if (ctx.supplementalDecision) out.push(unmet('supplemental.once', 'the supplemental dose has already been decided'));
  if (!hasReason(event)) out.push(unmet('reason', 'declining the supplemental dose needs a reason'));
  return out;
};

/** Recovery starts once the supplemental dose is decided (given, declined or window over). */
export const beginRecoveryGate: Gate = (ctx, event) => {
  const window = ctx.params.dosing.supplementalWindowMinutes;
  const planned = plannedDose(ctx.params, ctx.sessionNumber).supplementalMg;
  if (!window || planned === null || ctx.supplementalDecision || !ctx.doseAt) return [];
  const closes = addMinutes(ctx.doseAt, window.to);
  if (ms(event.facts.now) > ms(closes)) return [];
  return [unmet('supplemental.decision', `supplemental dose not decided (window closes at ${formatLocalTime(closes, event.facts.timezone)})`)];
};

function minimumTimeGate(ctx: DosingContext, facts: SessionFacts): Unmet[] {
  if (!ctx.doseAt) return [];
  const minutes = minimumMonitoringMinutes(ctx.params, ctx.totalDoseMg);
  const left = minutes - minutesBetween(ctx.doseAt, facts.now);
  return left > 0 ? [unmet('discharge.minimum-time', `minimum monitoring time not reached: ${formatDuration(left)} left`)] : [];
}

function clinicalReleaseGate(ctx: DosingContext, facts: SessionFacts): Unmet[] {
  const out: Unmet[] = [];
  if (facts.alarms.openPhysiological > 0) {
    out.push(unmet('discharge.alarms', `${facts.alarms.openPhysiological} physiological alarm${facts.alarms.openPhysiological > 1 ? 's' : ''} not cleared`));
  }
  if (facts.cssrs?.positive && !facts.cssrs.riskAssessmentRecorded) {
    out.push(unmet('discharge.cssrs', 'C-SSRS positive: risk assessment or safety plan not recorded'));
  }
  if (ctx.params.monitoring.needsSedationResolved) {
    const a = facts.assessments;
    if (a.sedationResolved !== true) out.push(unmet('discharge.sedation', 'sedation not assessed as resolved (MOAA/S)'));
    if (a.dissociationResolved !== true) out.push(unmet('discharge.dissociation', 'dissociation not assessed as resolved'));
    if (a.respiratoryDepressionResolved !== true) out.push(unmet('discharge.respiration', 'respiratory depression not assessed as resolved'));
  }
  out.push(...checklistGate(facts, ctx.params, 'discharge', 'discharge'));
  return out;
}

export const dischargeGate: Gate = (ctx, event) => {
  const out = [...minimumTimeGate(ctx, event.facts), ...clinicalReleaseGate(ctx, event.facts)];
  if (ctx.params.monitoring.overnightStay && !ctx.overnightStartedAt) {
    out.unshift(unmet('discharge.overnight', 'the protocol requires an overnight stay before discharge'));
  }
  return out;
};

export const startOvernightGate: Gate = (ctx, event) => {
  const out: Unmet[] = [];
  if (!ctx.params.monitoring.overnightStay) out.push(unmet('overnight.not-planned', 'this protocol has no overnight stay'));
  out.push(...minimumTimeGate(ctx, event.facts));
  if (ctx.params.staffing.overnightAttendant && !event.facts.staff.some((s) => s.role === 'attendant')) {
    out.push(unmet('staff.attendant', 'an overnight attendant must be named'));
  }
  return out;
};

export const endOvernightGate: Gate = (ctx, event) => {
  const out: Unmet[] = [];
  if (ctx.overnightStartedAt) {
    const earliest = addMinutes(ctx.overnightStartedAt, ctx.params.monitoring.overnightMinimumHours * 60);
    if (ms(event.facts.now) < ms(earliest)) {
      out.push(unmet('overnight.minimum-time', `the overnight stay ends no earlier than ${formatLocalTime(earliest, event.facts.timezone, event.facts.now)}`));
    }
  }
  return [...out, ...clinicalReleaseGate(ctx, event.facts)];
};

export const raiseHoldGate: Gate = (_ctx, event) => (hasReason(event) ? [] : [unmet('reason', 'a medical hold needs a reason')]);

export const resolveHoldGate: Gate = (_ctx, event) => {
  const out: Unmet[] = [];
  if (!isInvestigator(event)) out.push(unmet('role.investigator', 'only an investigator can resolve a medical hold'));
  if (!hasReason(event)) out.push(unmet('reason', 'resolving a medical hold needs a reason'));
  return out;
};

export const SESSION_EXITS = ['emergency_transfer', 'left_against_advice', 'stopped_by_investigator', 'other'] as const;

export const abortGate: Gate = (_ctx, event) => {
  const out: Unmet[] = [];
  const exit = event.data?.exit;
  if (!SESSION_EXITS.includes(exit as (typeof SESSION_EXITS)[number])) {
    out.push(unmet('exit.kind', `exit must be one of ${SESSION_EXITS.join(', ')}`));
  }
  if (exit === 'stopped_by_investigator' && !isInvestigator(event)) {
    out.push(unmet('role.investigator', 'only an investigator can stop a session'));
  }
  if (!hasReason(event)) out.push(unmet('reason', 'ending a session early needs a reason'));
  return out;
};

export const noGate: Gate = () => [];

/** The window timer: only once the window has really closed. */
export const supplementalWindowClosedGate: Gate = (ctx, event) => {
  const window = ctx.params.dosing.supplementalWindowMinutes;
  if (!window || !ctx.doseAt) return [unmet('supplemental.not-planned', 'this session has no supplemental dose')];
  const closes = addMinutes(ctx.doseAt, window.to);
  return ms(event.facts.now) < ms(closes) ? [unmet('supplemental.window', `the supplemental window closes at ${formatLocalTime(closes, event.facts.timezone)}`)] : [];
};

/** Visits (preparation, integration, follow-up): closing needs a positive C-SSRS followed up. */
export const visitCloseGate: Gate = (_ctx, event) =>
  event.facts.cssrs?.positive && !event.facts.cssrs.riskAssessmentRecorded
    ? [unmet('visit.cssrs', 'C-SSRS positive: risk assessment or safety plan not recorded')]
    : [];
