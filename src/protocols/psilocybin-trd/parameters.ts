import { DEFAULT_ALARM_PRESETS, DEFAULT_SUPPLEMENTAL_RULE, DEFAULT_VALIDITY, DISCHARGE_ITEMS, PRE_DOSE_ITEMS, ProtocolParameters, ROOM_READINESS_ITEMS } from '../parameters';

/**
 * Psilocybin for treatment-resistant depression, COMP360/Usona style (DOMAIN.md 1.2): one
 * preparation session, a single 25 mg dosing session, integration the next day, follow-up
 * visits on days 2, 8, 15, 29 and 43.
 */
export const PSILOCYBIN_TRD_DEFAULTS: ProtocolParameters = {
  course: {
    preparationSessions: 1,
    dosingSessions: 1,
    integrationSessionsPerDosing: 1,
    dosingSpacingDays: { min: 0, max: 0 },
    integrationWindowDays: 2,
    // Oregon OAR 333-333-5000 preset: preparation 24 h to 90 days before dosing
    preparationBeforeDosingHours: { min: 24, max: 90 * 24 },
    followUpVisitDays: [2, 8, 15, 29, 43],
    followUpVisitWindowDays: 2,
    dailyContactDays: 0,
    reachabilityHours: 24,
  },
  consent: { requiredVersion: '1.0' },
  dosing: {
    substance: 'PSILOCYBIN',
    route: 'ORAL',
    perSession: [{ initialMg: 25, supplementalMg: null }],
    deviceMg: null,
    deviceIntervalMinutes: 0,
    supplementalWindowMinutes: null,
    supplementalRule: DEFAULT_SUPPLEMENTAL_RULE,
  },
  monitoring: {
    minimumMinutes: 360,
    // Oregon OAR 333-333-5250 preset: minimum session length by total dose
    minimumByTotalDose: [
      { belowMg: 5, minutes: 60 },
      { belowMg: 10, minutes: 120 },
      { belowMg: 25, minutes: 240 },
      { belowMg: 35, minutes: 300 },
      { belowMg: 50.0001, minutes: 360 },
    ],
    overnightStay: false,
    overnightMinimumHours: 0,
    needsSedationResolved: false,
  },
  vitals: { timepointsMinutes: [60, 120, 180, 240, 300, 360], windowMinutes: 15 },
  staffing: { therapists: 2, prescriberOnSite: false, overnightAttendant: false },
  validity: DEFAULT_VALIDITY,
  predoseBloodPressureLimit: null,
  prohibitedMedicationClasses: ['MAOI'],
  checklists: { 'room-readiness': ROOM_READINESS_ITEMS, 'pre-dose': PRE_DOSE_ITEMS, discharge: DISCHARGE_ITEMS },
  alarms: DEFAULT_ALARM_PRESETS,
  saeReportHours: 24,
};
