import { DEFAULT_ALARM_PRESETS, DEFAULT_SUPPLEMENTAL_RULE, DEFAULT_VALIDITY, DISCHARGE_ITEMS, PRE_DOSE_ITEMS, ProtocolParameters, ROOM_READINESS_ITEMS } from '../parameters';

/**
 * MDMA-assisted therapy for PTSD, modelled on MAPP1/MAPP2 (DOMAIN.md 1.1): 3 preparation
 * sessions, 3 dosing sessions about a month apart each followed by 3 integration sessions.
 */
export const MDMA_PTSD_DEFAULTS: ProtocolParameters = {
  course: {
    preparationSessions: 3,
    dosingSessions: 3,
    integrationSessionsPerDosing: 3,
    dosingSpacingDays: { min: 21, max: 35 },
    integrationWindowDays: 28,
    preparationBeforeDosingHours: null,
    followUpVisitDays: [],
    followUpVisitWindowDays: 7,
    dailyContactDays: 7,
    reachabilityHours: 0,
  },
  consent: { requiredVersion: '1.0' },
  dosing: {
    substance: 'MDMA',
    route: 'ORAL',
    // MAPP1: 80 + 40 mg in session 1, 120 + 60 mg in sessions 2 and 3
    perSession: [
      { initialMg: 80, supplementalMg: 40 },
      { initialMg: 120, supplementalMg: 60 },
      { initialMg: 120, supplementalMg: 60 },
    ],
    deviceMg: null,
    deviceIntervalMinutes: 0,
    // MAPP1: 1.5–2.5 h after the initial dose
    supplementalWindowMinutes: { from: 90, to: 150 },
    supplementalRule: DEFAULT_SUPPLEMENTAL_RULE,
  },
  monitoring: {
    minimumMinutes: 480,
    minimumByTotalDose: null,
    overnightStay: true,
    overnightMinimumHours: 8,
    needsSedationResolved: false,
  },
  vitals: {
    // Vigil's default (published timepoints not found): every 30 min for 4 h, then hourly to 8 h
    timepointsMinutes: [30, 60, 90, 120, 150, 180, 210, 240, 300, 360, 420, 480],
    windowMinutes: 10,
  },
  staffing: { therapists: 2, prescriberOnSite: false, overnightAttendant: true },
  validity: DEFAULT_VALIDITY,
  predoseBloodPressureLimit: null,
  prohibitedMedicationClasses: ['MAOI'],
  checklists: { 'room-readiness': ROOM_READINESS_ITEMS, 'pre-dose': PRE_DOSE_ITEMS, discharge: DISCHARGE_ITEMS },
  alarms: DEFAULT_ALARM_PRESETS,
  saeReportHours: 24,
};
