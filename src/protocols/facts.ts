import { SessionFacts } from './types';

/** Facts with nothing recorded: every gate that needs a record refuses. */
export function emptyFacts(now: Date, timezone: string): SessionFacts {
  return {
    now: now.toISOString(),
    timezone,
    participant: { childbearingPotential: false, consentVersion: null, courseState: 'unknown' },
    sessionStartedAt: null,
    previousDoseAt: null,
    lastPreparationEndedAt: null,
    checklists: {},
    pregnancyTest: null,
    cssrs: null,
    fastingAttestedAt: null,
    baselineVitals: null,
    latestVitals: null,
    staff: [],
    prohibitedMedications: [],
    alarms: { openPhysiological: 0, confirmedHigh: false, bpAtOrAbove160: false, bpAbove180: false, bpAtOrAbove160Confirmed: false },
    assessments: { sedationResolved: null, dissociationResolved: null, respiratoryDepressionResolved: null },
  };
}
