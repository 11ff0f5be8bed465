import { ProtocolParameters } from '../parameters';
import { addMinutes, localDate } from '../time';
import { ChecklistFact, SessionFacts } from '../types';

/**
 * Fact sets for tests (the protocol engine's test facts provider uses them until the clinical
 * records fill the real one). `completeFacts` satisfies every gate of a protocol at `now`.
 */
export function signedChecklist(params: ProtocolParameters, key: string, at: string): ChecklistFact {
  const items: ChecklistFact['items'] = {};
  for (const item of params.checklists[key] ?? []) items[item.key] = { status: 'done', recordedAt: at };
  return { signed: true, signedAt: at, items };
}

export function completeFacts(params: ProtocolParameters, now: string, timezone = 'Europe/Amsterdam'): SessionFacts {
  // 20 min before now, but never on the previous local day (same-day validity windows)
  const twentyBefore = addMinutes(now, -20);
  const earlier = localDate(twentyBefore, timezone) === localDate(now, timezone) ? twentyBefore : now;
  return {
    now,
    timezone,
    participant: { childbearingPotential: true, consentVersion: params.consent.requiredVersion, courseState: 'treatment.dosing' },
    sessionStartedAt: addMinutes(now, -90),
    previousDoseAt: null,
    lastPreparationEndedAt: addMinutes(now, -48 * 60),
    checklists: {
      'pre-dose': signedChecklist(params, 'pre-dose', earlier),
      discharge: signedChecklist(params, 'discharge', earlier),
    },
    pregnancyTest: { result: 'negative', takenAt: addMinutes(now, -120) },
    cssrs: { at: earlier, positive: false, riskAssessmentRecorded: false },
    fastingAttestedAt: earlier,
    baselineVitals: { takenAt: addMinutes(now, -10), systolic: 122, diastolic: 78, heartRate: 72 },
    latestVitals: { takenAt: addMinutes(now, -5), systolic: 128, diastolic: 80, heartRate: 80 },
    staff: [
      { userId: 'therapist-1', role: 'therapist' },
      { userId: 'therapist-2', role: 'therapist' },
      { userId: 'prescriber-1', role: 'prescriber' },
      { userId: 'attendant-1', role: 'attendant' },
    ],
    prohibitedMedications: [],
    alarms: { openPhysiological: 0, confirmedHigh: false, bpAtOrAbove160: false, bpAbove180: false, bpAtOrAbove160Confirmed: false },
    assessments: { sedationResolved: true, dissociationResolved: true, respiratoryDepressionResolved: true },
  };
}

/** Facts that refresh their time-dependent parts to `now` (vitals, tests) while keeping the rest. */
export function refreshed(facts: SessionFacts, now: string): SessionFacts {
  return {
    ...facts,
    now,
    latestVitals: facts.latestVitals ? { ...facts.latestVitals, takenAt: addMinutes(now, -5) } : null,
  };
}
