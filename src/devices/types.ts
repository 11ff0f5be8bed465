import type { VitalCode } from '../protocols/vital-signs';

/**
 * What a device driver emits: a pure Transform takes bytes and pushes these objects. Receive
 * time is added by the port handling around the driver (it is authoritative); the device's own
 * time, when it sends one, is carried beside it.
 */
export type DriverName = 'masimo-ascii' | 'nonin-2' | 'hl7-mllp';

/** Quality flags that mark a value (the alarm engine suppresses or discounts such values). */
export interface QualityFlags {
  lowPerfusion?: boolean;
  interference?: boolean;
  lowSignalIq?: boolean;
  artifact?: boolean;
  outOfTrack?: boolean;
  /** Nonin perfusion colour from the status byte. */
  perfusion?: 'green' | 'yellow' | 'red';
}

export interface DeviceObservation {
  kind: 'observation';
  code: VitalCode;
  value: number;
  /** UCUM: 'mm[Hg]', '/min', '%', 'Cel'. */
  unit: string;
  /** The device's own timestamp as sent (Masimo: two-digit year, no zone; HL7 OBX-14), or null. */
  deviceTime: string | null;
  quality: QualityFlags;
  /** Where it was measured: 'oximeter', 'nibp', 'invasive', 'ecg'; temperature body site. */
  source?: string;
  bodySite?: string;
}

export type TechnicalCondition =
  | 'no-sensor'
  | 'sensor-off'
  | 'sensor-fault'
  | 'cable-fault'
  | 'sensor-expired'
  | 'alarm-silenced'
  | 'low-battery'
  | 'device-alarm'
  | 'wrong-serial'
  | 'sensor-alarm';

/** A technical condition the device reports (sensor off, alarm silenced, ...). */
export interface TechnicalEvent {
  kind: 'technical';
  condition: TechnicalCondition;
  priority: 'medium' | 'low';
  detail: string;
}

/** A frame that failed its framing, checksum, serial number or range check: counted, never stored as a value. */
export interface RejectedFrame {
  kind: 'rejected';
  reason: string;
  /** The raw frame (text, or hex for binary formats), kept as source data. */
  raw: string;
}

/** Something well-formed the driver does not use (an unknown HL7 code): counted as ignored. */
export interface IgnoredItem {
  kind: 'ignored';
  reason: string;
  raw: string;
}

/** HL7 only: an acknowledgement to write back when the link is bidirectional. */
export interface AckToSend {
  kind: 'ack';
  bytes: Buffer;
}

export type DriverOutput = DeviceObservation | TechnicalEvent | RejectedFrame | IgnoredItem | AckToSend;

export interface DriverOptions {
  /** The registered device's serial number (Masimo SN) or id (HL7 OBX-18); a mismatch is rejected. */
  expectedSerial?: string | null;
}
