/**
 * ISO/IEEE 11073 MDC codes an HL7 v2 ORU^R01 (IHE PCD-01) monitor sends in OBX-3, and the
 * units it sends in OBX-6, as data (DEVICES.md, "HL7 v2 ORU^R01 over MLLP"). Pure data, no I/O.
 */
import type { UcumUnit, VitalCode } from '../../protocols/vital-signs';

export interface MdcMapping {
  /** The vital sign the value is stored as, or null when it must never be stored as one. */
  vitalCode: VitalCode | null;
  /** The MDC reference id. */
  name: string;
  /** Where it was measured ('oximeter', 'nibp', 'invasive', 'ecg'), or null when not known. */
  source: string | null;
  /** Temperature body site ('core', 'tympanic', 'skin'), or null when not known / not relevant. */
  bodySite: string | null;
  /** Invasive arterial pressure: never stored as a cuff SYSBP / DIABP / MAP. */
  neverCuffBp?: boolean;
  /** Skin temperature: never drives a fever alarm. */
  neverDrivesFever?: boolean;
}

export const MDC_CODES: Readonly<Record<string, MdcMapping>> = {
  '150456': { vitalCode: 'OXYSAT', name: 'MDC_PULS_OXIM_SAT_O2', source: 'oximeter', bodySite: null },
  '149530': { vitalCode: 'PULSE', name: 'MDC_PULS_OXIM_PULS_RATE', source: 'oximeter', bodySite: null },
  '149514': { vitalCode: 'PULSE', name: 'MDC_PULS_RATE', source: null, bodySite: null },
  '149546': { vitalCode: 'PULSE', name: 'MDC_PULS_RATE_NON_INV', source: 'nibp', bodySite: null },
  '149522': { vitalCode: 'PULSE', name: 'MDC_BLD_PULS_RATE_INV', source: 'invasive', bodySite: null },
  '147842': { vitalCode: 'HR', name: 'MDC_ECG_HEART_RATE', source: 'ecg', bodySite: null },
  '151562': { vitalCode: 'RESP', name: 'MDC_RESP_RATE', source: null, bodySite: null },
  '150021': { vitalCode: 'SYSBP', name: 'MDC_PRESS_BLD_NONINV_SYS', source: 'nibp', bodySite: null },
  '150022': { vitalCode: 'DIABP', name: 'MDC_PRESS_BLD_NONINV_DIA', source: 'nibp', bodySite: null },
  '150023': { vitalCode: 'MAP', name: 'MDC_PRESS_BLD_NONINV_MEAN', source: 'nibp', bodySite: null },
  '150301': { vitalCode: 'SYSBP', name: 'MDC_PRESS_CUFF_SYS', source: 'nibp', bodySite: null },
  '150302': { vitalCode: 'DIABP', name: 'MDC_PRESS_CUFF_DIA', source: 'nibp', bodySite: null },
  '150303': { vitalCode: 'MAP', name: 'MDC_PRESS_CUFF_MEAN', source: 'nibp', bodySite: null },
  // Invasive arterial pressure: the output contract has no code for it yet, so it is ignored
  // (counted), never stored as cuff BP.
  '150033': { vitalCode: null, name: 'MDC_PRESS_BLD_ART_SYS', source: 'invasive', bodySite: null, neverCuffBp: true },
  '150034': { vitalCode: null, name: 'MDC_PRESS_BLD_ART_DIA', source: 'invasive', bodySite: null, neverCuffBp: true },
  '150035': { vitalCode: null, name: 'MDC_PRESS_BLD_ART_MEAN', source: 'invasive', bodySite: null, neverCuffBp: true },
  '150344': { vitalCode: 'TEMP', name: 'MDC_TEMP', source: null, bodySite: null },
  '150368': { vitalCode: 'TEMP', name: 'MDC_TEMP_CORE', source: null, bodySite: 'core' },
  '150392': { vitalCode: 'TEMP', name: 'MDC_TEMP_TYMP', source: null, bodySite: 'tympanic' },
  '150388': { vitalCode: 'TEMP', name: 'MDC_TEMP_SKIN', source: null, bodySite: 'skin', neverDrivesFever: true },
};

export interface MdcUnit {
  name: string;
  ucum: UcumUnit;
}

/** OBX-6 MDC unit codes and their UCUM unit (no conversion: each maps to exactly one). */
export const MDC_UNITS: Readonly<Record<string, MdcUnit>> = {
  '262688': { name: 'MDC_DIM_PERCENT', ucum: '%' },
  '264864': { name: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min' },
  '264928': { name: 'MDC_DIM_RESP_PER_MIN', ucum: '/min' },
  '266016': { name: 'MDC_DIM_MMHG', ucum: 'mm[Hg]' },
  '268192': { name: 'MDC_DIM_DEGC', ucum: 'Cel' },
};

export const lookupMdcCode = (code: string): MdcMapping | undefined =>
  Object.prototype.hasOwnProperty.call(MDC_CODES, code) ? MDC_CODES[code] : undefined;

export const lookupMdcUnit = (code: string): MdcUnit | undefined =>
  Object.prototype.hasOwnProperty.call(MDC_UNITS, code) ? MDC_UNITS[code] : undefined;
