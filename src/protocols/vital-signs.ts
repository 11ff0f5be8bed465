/**
 * The vital signs Vigil records (DOMAIN.md 6): SDTM VSTESTCD, the CDISC test name and unit, LOINC
 * and the UCUM unit the API and FHIR use. Pure data, no NestJS, no database.
 *
 * The limits are **plausibility limits**, not alarm thresholds: a value outside them cannot come
 * from a living participant (a typo such as 384.5 for 38.45 °C, a sign slip such as -100, an
 * SpO2 of 140 %), so it is refused and never stored. Alarm thresholds are the study's alarm
 * presets (src/protocols/parameters.ts) and sit far inside these limits.
 */
export const VITAL_CODES = ['SYSBP', 'DIABP', 'MAP', 'PULSE', 'HR', 'RESP', 'OXYSAT', 'TEMP'] as const;
export type VitalCode = (typeof VITAL_CODES)[number];

/** UCUM units of the API (case-sensitive: `mm[Hg]`, `/min`, `%`, `Cel`). */
export type UcumUnit = 'mm[Hg]' | '/min' | '%' | 'Cel';

export interface VitalSign {
  code: VitalCode;
  /** SDTM VSTEST (CDISC controlled terminology). */
  test: string;
  /** LOINC code of the measurement. */
  loinc: string;
  /** Further LOINC codings a FHIR Observation carries (SpO2: pulse oximetry 59408-5). */
  extraLoinc: string[];
  ucum: UcumUnit;
  /** SDTM VSORRESU / VSSTRESU (CDISC controlled terminology). */
  sdtmUnit: 'mmHg' | 'beats/min' | 'breaths/min' | '%' | 'C';
  /** Plausibility limits, inclusive, in the UCUM unit. */
  limits: { min: number; max: number };
}

export const VITAL_SIGNS: Readonly<Record<VitalCode, VitalSign>> = {
  SYSBP: { code: 'SYSBP', test: 'Systolic Blood Pressure', loinc: '8480-6', extraLoinc: [], ucum: 'mm[Hg]', sdtmUnit: 'mmHg', limits: { min: 40, max: 300 } },
  DIABP: { code: 'DIABP', test: 'Diastolic Blood Pressure', loinc: '8462-4', extraLoinc: [], ucum: 'mm[Hg]', sdtmUnit: 'mmHg', limits: { min: 20, max: 200 } },
  MAP: { code: 'MAP', test: 'Mean Arterial Pressure', loinc: '8478-0', extraLoinc: [], ucum: 'mm[Hg]', sdtmUnit: 'mmHg', limits: { min: 30, max: 250 } },
  PULSE: { code: 'PULSE', test: 'Pulse Rate', loinc: '8867-4', extraLoinc: [], ucum: '/min', sdtmUnit: 'beats/min', limits: { min: 20, max: 300 } },
  HR: { code: 'HR', test: 'Heart Rate', loinc: '8867-4', extraLoinc: [], ucum: '/min', sdtmUnit: 'beats/min', limits: { min: 20, max: 300 } },
  RESP: { code: 'RESP', test: 'Respiratory Rate', loinc: '9279-1', extraLoinc: [], ucum: '/min', sdtmUnit: 'breaths/min', limits: { min: 2, max: 80 } },
  OXYSAT: { code: 'OXYSAT', test: 'Oxygen Saturation', loinc: '2708-6', extraLoinc: ['59408-5'], ucum: '%', sdtmUnit: '%', limits: { min: 40, max: 100 } },
  TEMP: { code: 'TEMP', test: 'Temperature', loinc: '8310-5', extraLoinc: [], ucum: 'Cel', sdtmUnit: 'C', limits: { min: 30, max: 45 } },
};

/** The LOINC panel a systolic/diastolic pair belongs to (blood pressure panel). */
export const BLOOD_PRESSURE_PANEL_LOINC = '85354-9';

export const isVitalCode = (code: unknown): code is VitalCode => typeof code === 'string' && (VITAL_CODES as readonly string[]).includes(code);

/**
 * Why a value cannot be stored, in words for the person who entered it, or undefined when it
 * is acceptable: an unknown code, a unit other than the code's UCUM unit (no conversion: a
 * wrong unit is a 400), a value that is not a finite number, or one outside the plausibility
 * limits.
 */
export function checkValue(code: string, value: number, unit: string): string | undefined {
  if (!isVitalCode(code)) return `${code} is not a vital sign code (one of ${VITAL_CODES.join(', ')})`;
  const sign = VITAL_SIGNS[code];
  if (unit !== sign.ucum) return `the unit of ${code} is ${sign.ucum} (UCUM), not ${unit}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${code} must be a number`;
  const { min, max } = sign.limits;
  if (value < min || value > max) {
    return `${code} ${value} ${sign.ucum} is not physiologically plausible (accepted ${min}–${max} ${sign.ucum}); check the entry`;
  }
  return undefined;
}

/**
 * A cuff reading: both values plausible, in mm[Hg], and the systolic above the diastolic (the
 * other way round is a swapped entry). Returns reasons by field, or undefined when acceptable.
 */
export function checkBloodPressure(systolic: number, diastolic: number, unit: string): Record<string, string[]> | undefined {
  if (unit !== VITAL_SIGNS.SYSBP.ucum) return { unit: [`the unit of blood pressure is ${VITAL_SIGNS.SYSBP.ucum} (UCUM), not ${unit}`] };
  const errors: Record<string, string[]> = {};
  const sys = checkValue('SYSBP', systolic, unit);
  const dia = checkValue('DIABP', diastolic, unit);
  if (sys) errors.systolic = [sys];
  if (dia) errors.diastolic = [dia];
  if (!sys && !dia && systolic <= diastolic) errors.diastolic = [`the diastolic ${diastolic} must be below the systolic ${systolic}; check the entry`];
  return Object.keys(errors).length ? errors : undefined;
}
