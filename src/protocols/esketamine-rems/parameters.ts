import { DEFAULT_ALARM_PRESETS, DEFAULT_SUPPLEMENTAL_RULE, DEFAULT_VALIDITY, DISCHARGE_ITEMS, ESKETAMINE_PRE_DOSE_ITEMS, ProtocolParameters, ROOM_READINESS_ITEMS } from '../parameters';

/**
 * Esketamine nasal spray under the SPRAVATO REMS (DOMAIN.md 1.3): 28 mg devices 5 minutes apart
 * (day 1: 56 mg), BP before and about 40 min after, at least 2 h of monitoring and until
 * sedation, dissociation and respiratory depression have resolved.
 */
export const ESKETAMINE_REMS_DEFAULTS: ProtocolParameters = {
  course: {
    preparationSessions: 0,
    // induction: twice weekly for 4 weeks
    dosingSessions: 8,
    integrationSessionsPerDosing: 0,
    dosingSpacingDays: { min: 2, max: 7 },
    integrationWindowDays: 0,
    preparationBeforeDosingHours: null,
    followUpVisitDays: [],
    followUpVisitWindowDays: 0,
    dailyContactDays: 0,
    reachabilityHours: 0,
  },
  consent: { requiredVersion: '1.0' },
  dosing: {
    substance: 'ESKETAMINE',
    route: 'NASAL',
    perSession: [{ initialMg: 56, supplementalMg: null }],
    deviceMg: 28,
    deviceIntervalMinutes: 5,
    supplementalWindowMinutes: null,
    supplementalRule: DEFAULT_SUPPLEMENTAL_RULE,
  },
  monitoring: {
    minimumMinutes: 120,
    minimumByTotalDose: null,
    overnightStay: false,
    overnightMinimumHours: 0,
    needsSedationResolved: true,
  },
  vitals: { timepointsMinutes: [40, 120], windowMinutes: 10 },
  staffing: { therapists: 0, prescriberOnSite: true, overnightAttendant: false },
  validity: { ...DEFAULT_VALIDITY, cssrsSameDay: false },
  // widely cited, label wording not verified: a configurable pre-dose rule
  predoseBloodPressureLimit: { systolic: 140, diastolic: 90 },
  prohibitedMedicationClasses: ['benzodiazepine', 'non-benzodiazepine hypnotic', 'psychostimulant', 'MAOI', 'opioid'],
  checklists: { 'room-readiness': ROOM_READINESS_ITEMS, 'pre-dose': ESKETAMINE_PRE_DOSE_ITEMS, discharge: DISCHARGE_ITEMS },
  alarms: DEFAULT_ALARM_PRESETS,
  saeReportHours: 24,
};
