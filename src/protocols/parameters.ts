import { z } from 'zod';

/**
 * The parameters a study sets for a protocol: one schema shared by the three shipped protocols,
 * each with its own defaults. Where DOMAIN.md says a number is configurable, the default is
 * Vigil's starting value, not a published figure.
 */
const mmHg = z.strictObject({ systolic: z.number().int().min(40).max(300), diastolic: z.number().int().min(20).max(200) });

/** A closed interval; `min` must not exceed `max`. Unknown keys (typos) are refused everywhere. */
const range = z
  .strictObject({ min: z.number().min(0), max: z.number().min(0) })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['max'] });

/** A limit and the alarm condition delay: the condition must persist this long on a device stream. */
const delayedLimit = z.strictObject({ value: z.number(), delaySeconds: z.number().min(0) });

/**
 * Alarm presets (DOMAIN.md 3, study-configurable). The alarm engine reads them from the session's
 * configuration; delays apply to device streams, a manual reading is a single value.
 */
export const alarmPresetsSchema = z.strictObject({
  bloodPressure: z.strictObject({
    /** SBP >= / DBP >= : medium, and a repeat reading is prompted. */
    mediumAtOrAbove: mmHg,
    repeatAfterMinutes: z.number().min(0),
    /** A repeat reading confirms the first only within this many minutes of it. */
    confirmWithinMinutes: z.number().positive(),
    /** SBP > / DBP > , or the medium limit confirmed on the repeat: high, latching. */
    highAbove: mmHg,
    /** Rise from the pre-dose baseline: medium. */
    riseFromBaseline: mmHg,
    systolicLowAtOrBelow: z.number(),
  }),
  heartRate: z.strictObject({ mediumAbove: delayedLimit, highAbove: delayedLimit, mediumAtOrBelow: delayedLimit }),
  spo2: z.strictObject({ mediumAtOrBelow: delayedLimit, highAtOrBelow: delayedLimit, sustainedMediumHighSeconds: z.number().min(0) }),
  respiration: z.strictObject({ highAtOrBelow: delayedLimit, mediumAtOrAbove: delayedLimit }),
  /** Core or tympanic only; skin temperature never drives fever alarms. */
  temperature: z.strictObject({ mediumAtOrAbove: z.number(), highAtOrAbove: z.number() }),
  news2: z.strictObject({ mediumAtOrAbove: z.number().int(), highAtOrAbove: z.number().int(), freshMinutes: z.number().positive() }),
  /** No data for this many send intervals raises "communication lost". */
  noDataIntervals: z.number().positive(),
  vitalsOverdueMediumAfterMinutes: z.number().min(0),
  escalation: z.strictObject({ highAfterSeconds: z.number().min(0), mediumAfterSeconds: z.number().min(0) }),
});

/** DOMAIN.md 3's default rules. */
export const DEFAULT_ALARM_PRESETS: z.infer<typeof alarmPresetsSchema> = {
  bloodPressure: {
    mediumAtOrAbove: { systolic: 160, diastolic: 100 },
    repeatAfterMinutes: 5,
    confirmWithinMinutes: 15,
    highAbove: { systolic: 180, diastolic: 120 },
    riseFromBaseline: { systolic: 40, diastolic: 25 },
    systolicLowAtOrBelow: 90,
  },
  heartRate: {
    mediumAbove: { value: 120, delaySeconds: 60 },
    highAbove: { value: 140, delaySeconds: 60 },
    mediumAtOrBelow: { value: 40, delaySeconds: 60 },
  },
  spo2: {
    mediumAtOrBelow: { value: 90, delaySeconds: 15 },
    highAtOrBelow: { value: 85, delaySeconds: 10 },
    sustainedMediumHighSeconds: 60,
  },
  respiration: { highAtOrBelow: { value: 8, delaySeconds: 30 }, mediumAtOrAbove: { value: 25, delaySeconds: 60 } },
  temperature: { mediumAtOrAbove: 38.0, highAtOrAbove: 39.1 },
  news2: { mediumAtOrAbove: 5, highAtOrAbove: 7, freshMinutes: 15 },
  noDataIntervals: 3,
  vitalsOverdueMediumAfterMinutes: 10,
  escalation: { highAfterSeconds: 60, mediumAfterSeconds: 300 },
};

export const checklistItemTemplateSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9-]{1,64}$/),
  label: z.string().min(1).max(300),
  required: z.boolean().default(true),
  /** Only when the participant can become pregnant, for example. */
  appliesTo: z.enum(['all', 'childbearing-potential']).default('all'),
  valueKind: z.enum(['none', 'pregnancy-test', 'blood-pressure', 'text']).default('none'),
});

export const protocolParametersSchema = z.strictObject({
  course: z.strictObject({
    preparationSessions: z.number().int().min(0).max(20),
    dosingSessions: z.number().int().min(1).max(50),
    integrationSessionsPerDosing: z.number().int().min(0).max(20),
    /** Days between dosing sessions (about 4 weeks apart, 3–5 weeks). */
    dosingSpacingDays: range,
    /** Integration sessions must happen within this many days after their dosing session. */
    integrationWindowDays: z.number().min(0),
    /** Last preparation session to first dose (Oregon: 24 h to 90 days), or null. */
    preparationBeforeDosingHours: range.nullable(),
    /** Follow-up visits, in days after the last dose, each with a +/- window. */
    followUpVisitDays: z.array(z.number().min(0)),
    followUpVisitWindowDays: z.number().min(0),
    /** Daily phone contacts after each dosing session (MDMA: 7). */
    dailyContactDays: z.number().int().min(0).max(30),
    /** Hours a monitor stays reachable by phone after a session (psilocybin: 24). */
    reachabilityHours: z.number().min(0),
  }),
  consent: z.strictObject({ requiredVersion: z.string().min(1) }),
  dosing: z.strictObject({
    substance: z.string().min(1),
    route: z.string().min(1),
    /** Dose per dosing session (1-based; the last entry repeats). */
    perSession: z.array(z.strictObject({ initialMg: z.number().positive(), supplementalMg: z.number().positive().nullable() })).min(1),
    /** Esketamine: each device delivers this much; a dose is a series of devices. */
    deviceMg: z.number().positive().nullable(),
    deviceIntervalMinutes: z.number().min(0),
    /** MDMA: the supplemental half dose, minutes after the initial dose. */
    supplementalWindowMinutes: z
      .strictObject({ from: z.number().min(0), to: z.number().min(0) })
      .refine((w) => w.from <= w.to, { message: 'from must not be after to', path: ['to'] })
      .nullable(),
    supplementalRule: z.strictObject({
      vitalsWithinMinutes: z.number().min(0),
      investigatorDecision: z.boolean(),
      decisionAtOrAbove: mmHg,
      refuseAbove: mmHg,
    }),
  }),
  monitoring: z.strictObject({
    minimumMinutes: z.number().min(0),
    /** Psilocybin preset (Oregon OAR 333-333-5250): minimum by total dose; first matching row wins. */
    minimumByTotalDose: z.array(z.strictObject({ belowMg: z.number().positive(), minutes: z.number().min(0) })).nullable(),
    overnightStay: z.boolean(),
    overnightMinimumHours: z.number().min(0),
    needsSedationResolved: z.boolean(),
  }),
  vitals: z.strictObject({
    /** Scheduled checks, minutes after the initial dose. */
    timepointsMinutes: z.array(z.number().int().min(0)),
    /** A check counts when taken within this many minutes of its time. */
    windowMinutes: z.number().min(0),
  }),
  staffing: z.strictObject({
    therapists: z.number().int().min(0),
    prescriberOnSite: z.boolean(),
    overnightAttendant: z.boolean(),
  }),
  validity: z.strictObject({
    pregnancyTestHours: z.number().positive(),
    baselineVitalsMinutes: z.number().positive(),
    cssrsSameDay: z.boolean(),
    fastingSameDay: z.boolean(),
  }),
  /** Esketamine: a baseline above this is a reason to weigh the risk before dosing (configurable). */
  predoseBloodPressureLimit: mmHg.nullable(),
  prohibitedMedicationClasses: z.array(z.string()),
  checklists: z.record(z.string().regex(/^[a-z0-9-]{1,32}$/), z.array(checklistItemTemplateSchema)),
  alarms: alarmPresetsSchema,
  /** Serious adverse event report to the sponsor, hours after awareness (EU CTR Art. 41). */
  saeReportHours: z.number().positive(),
});

export type ProtocolParameters = z.infer<typeof protocolParametersSchema>;
export type ChecklistItemTemplate = z.infer<typeof checklistItemTemplateSchema>;

/** The dose planned for dosing session `n` (1-based). */
export function plannedDose(params: ProtocolParameters, sessionNumber: number) {
  const list = params.dosing.perSession;
  return list[Math.min(Math.max(sessionNumber, 1), list.length) - 1];
}

/** Minimum monitoring minutes for a total dose: the by-dose table where the study uses one. */
export function minimumMonitoringMinutes(params: ProtocolParameters, totalDoseMg: number): number {
  const table = params.monitoring.minimumByTotalDose;
  if (table) {
    const row = table.find((r) => totalDoseMg < r.belowMg);
    if (row) return row.minutes;
  }
  return params.monitoring.minimumMinutes;
}

/**
 * Vigil's default supplemental-dose rule (DOMAIN.md 1.1: an investigator decision with a reason,
 * vitals within 15 min, no confirmed high alarm; DOMAIN.md 3: decide at >= 160/100, refuse > 180/120).
 */
export const DEFAULT_SUPPLEMENTAL_RULE: ProtocolParameters['dosing']['supplementalRule'] = {
  vitalsWithinMinutes: 15,
  investigatorDecision: true,
  decisionAtOrAbove: { systolic: 160, diastolic: 100 },
  refuseAbove: { systolic: 180, diastolic: 120 },
};

/** DOMAIN.md 1.4 validity windows (defaults). */
export const DEFAULT_VALIDITY: ProtocolParameters['validity'] = {
  pregnancyTestHours: 48,
  baselineVitalsMinutes: 60,
  cssrsSameDay: true,
  fastingSameDay: true,
};

/** The default pre-dose readiness and discharge checklists of DOMAIN.md section 2. */
export const PRE_DOSE_ITEMS: ChecklistItemTemplate[] = [
  { key: 'consent-current', label: 'Consent current', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'eligibility-confirmed', label: 'Eligibility confirmed', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'pregnancy-test', label: 'Pregnancy test negative', required: true, appliesTo: 'childbearing-potential', valueKind: 'pregnancy-test' },
  { key: 'urine-drug-screen', label: 'Urine drug screen', required: false, appliesTo: 'all', valueKind: 'text' },
  { key: 'medication-washout', label: 'Medication washout attested', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'fasting', label: 'Fasting attested', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'support-person', label: 'Support person reachable', required: true, appliesTo: 'all', valueKind: 'text' },
  { key: 'transport-plan', label: 'Transport plan signed or overnight stay arranged', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'baseline-vitals', label: 'Baseline vitals recorded and in range', required: true, appliesTo: 'all', valueKind: 'blood-pressure' },
  { key: 'cssrs', label: 'C-SSRS done', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'staff-present', label: 'Required staff present', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'emergency-equipment', label: 'Emergency equipment checked (crash cart, AED, oxygen, airway, BP and rescue medication in date)', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'room-ready', label: 'Room ready', required: true, appliesTo: 'all', valueKind: 'none' },
];

export const DISCHARGE_ITEMS: ChecklistItemTemplate[] = [
  { key: 'minimum-time', label: 'Minimum monitoring time reached', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'vitals-acceptable', label: 'Vitals back near baseline and acceptable', required: true, appliesTo: 'all', valueKind: 'blood-pressure' },
  { key: 'alert-oriented', label: 'Alert and oriented, distress at or below baseline', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'no-active-alarm', label: 'No active or unacknowledged alarm', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'agreement', label: 'Clinicians and participant agree', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'released-to', label: 'Released to a named adult or overnight attendant', required: true, appliesTo: 'all', valueKind: 'text' },
  { key: 'transport-followed', label: 'Transport plan followed', required: true, appliesTo: 'all', valueKind: 'none' },
];

/** Room and emergency readiness (DOMAIN.md 2), checked before the participant arrives. */
export const ROOM_READINESS_ITEMS: ChecklistItemTemplate[] = [
  { key: 'crash-cart', label: 'Crash cart checked', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'aed', label: 'AED checked', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'oxygen', label: 'Oxygen available', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'airway', label: 'Airway equipment checked', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'bp-medication', label: 'BP medications in date', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'rescue-medication', label: 'Rescue medication in date', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'room-ready', label: 'Room ready', required: true, appliesTo: 'all', valueKind: 'none' },
];

/** Esketamine pre-dose (DOMAIN.md 1.3): fasting times, REMS enrolment, prescriber and oximeter on site. */
export const ESKETAMINE_PRE_DOSE_ITEMS: ChecklistItemTemplate[] = [
  ...PRE_DOSE_ITEMS.filter((i) => !['support-person', 'fasting'].includes(i.key)),
  { key: 'fasting', label: 'No food for 2 h and no liquids for 30 min', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'rems-enrolment', label: 'Patient enrolled in the REMS', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'pulse-oximeter', label: 'Pulse oximeter on site', required: true, appliesTo: 'all', valueKind: 'none' },
  { key: 'no-driving', label: 'Patient agrees not to drive until the next day', required: true, appliesTo: 'all', valueKind: 'none' },
];

/** Parses and fills defaults; throws a ZodError listing every wrong field. */
export function parseParameters(input: unknown): ProtocolParameters {
  return protocolParametersSchema.parse(input);
}

export function parametersJsonSchema() {
  return z.toJSONSchema(protocolParametersSchema);
}
