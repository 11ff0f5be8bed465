/**
 * The vocabulary shared by every protocol: what a gate reads (facts), what it answers (unmet
 * requirements), and the events the machines take. Pure data, no NestJS, no database.
 */

/** A requirement a step needs and does not have, in words a clinician understands. */
export interface Unmet {
  /** Stable key, also what an investigator overrides (e.g. `predose.pregnancy-test`). */
  requirement: string;
  message: string;
}

export type Phase = 'preparation' | 'dosing' | 'integration' | 'follow-up';
export const PHASES: readonly Phase[] = ['preparation', 'dosing', 'integration', 'follow-up'];

export type ItemStatus = 'open' | 'done' | 'not_applicable' | 'failed';

export interface ChecklistItemFact {
  status: ItemStatus;
  value?: unknown;
  recordedAt?: string;
}

export interface ChecklistFact {
  signed: boolean;
  signedAt?: string;
  items: Record<string, ChecklistItemFact>;
}

export type StaffRole = 'therapist' | 'prescriber' | 'physician' | 'nurse' | 'monitor' | 'attendant';

export interface VitalsFact {
  takenAt: string;
  systolic?: number;
  diastolic?: number;
  heartRate?: number;
}

export interface DoseFact {
  kind: 'initial' | 'supplemental' | 'device';
  amountMg: number;
  at: string;
  deviceSeq?: number;
}

/**
 * Everything the gates of a session may look at, gathered by the runtime at the moment of the
 * event (the facts provider), so the machine stays pure and the refusal can be explained.
 */
export interface SessionFacts {
  /** ISO UTC instant the event is evaluated at (the injected clock). */
  now: string;
  /** The site's IANA zone, for times in messages ("window opens at 10:32"). */
  timezone: string;
  participant: {
    childbearingPotential: boolean;
    consentVersion: string | null;
    /** The course machine's state: no dose unless it is in `treatment.dosing`. */
    courseState: string;
  };
  /** When this session started (START): no dose may be recorded as given before it. */
  sessionStartedAt: string | null;
  /** The initial dose of the participant's previous dosing session (dosing sessions are spaced). */
  previousDoseAt: string | null;
  /** When the participant's last preparation session ended (some protocols time dosing from it). */
  lastPreparationEndedAt: string | null;
  checklists: Record<string, ChecklistFact>;
  pregnancyTest: { result: 'negative' | 'positive'; takenAt: string } | null;
  /** Latest C-SSRS screen of this session's day; positive needs a risk assessment before discharge. */
  cssrs: { at: string; positive: boolean; riskAssessmentRecorded: boolean } | null;
  fastingAttestedAt: string | null;
  /** Last vitals taken before the first dose (the baseline), and the latest of any. */
  baselineVitals: VitalsFact | null;
  latestVitals: VitalsFact | null;
  staff: { userId: string; role: StaffRole }[];
  /** Prohibited medication classes recorded for the participant (MAOIs, ...). */
  prohibitedMedications: string[];
  alarms: {
    /** Physiological alarms active, acknowledged or latched (not cleared). */
    openPhysiological: number;
    /** A confirmed high physiological condition (BP > 180/120 on repeat, SpO2 <= 85, RR <= 8). */
    confirmedHigh: boolean;
    /** BP of the latest reading: at or above 160/100, above 180/120, and whether confirmed on a repeat. */
    bpAtOrAbove160: boolean;
    bpAbove180: boolean;
    bpAtOrAbove160Confirmed: boolean;
  };
  assessments: {
    sedationResolved: boolean | null;
    dissociationResolved: boolean | null;
    respiratoryDepressionResolved: boolean | null;
  };
}

/** Who sends an event; some steps need a role (an investigator resolves a hold). */
export interface EventActor {
  userId: string | null;
  roles: string[];
}

/**
 * A session event as the runtime hands it to a machine: the type, its data, the facts at that
 * moment, the requirements an investigator has overridden for this one step, and who sent it.
 */
export interface SessionEvent {
  type: string;
  data?: Record<string, unknown>;
  facts: SessionFacts;
  waived: string[];
  actor: EventActor;
  reason?: string;
}
