import { AnyStateMachine } from 'xstate';
import { COURSE_GATES, createCourseMachine } from './machines/course.machine';
import { createDosingMachine, DOSING_GATES } from './machines/dosing.machine';
import { createVisitMachine, VISIT_GATES } from './machines/visit.machine';
import { ESKETAMINE_REMS_DEFAULTS } from './esketamine-rems/parameters';
import { MDMA_PTSD_DEFAULTS } from './mdma-ptsd/parameters';
import { ProtocolParameters } from './parameters';
import { PSILOCYBIN_TRD_DEFAULTS } from './psilocybin-trd/parameters';
import { GateTable, RunnableMachine } from './runtime';
import { Phase } from './types';

export type MachineKind = 'course' | Phase;

/** One version of one protocol: its parameters' defaults and its machines. */
export interface ProtocolDefinition {
  id: string;
  version: string;
  title: string;
  phases: Phase[];
  defaults: ProtocolParameters;
  machines: Partial<Record<MachineKind, RunnableMachine>>;
}

/** XState ids may not contain dots (they address states), so versions are spelled with underscores. */
export const machineId = (protocolId: string, version: string, kind: MachineKind) => `${protocolId}-v${version.replace(/\./g, '_')}-${kind}`;

function runnable(machine: AnyStateMachine, gates: Record<string, unknown>, internalEvents: string[]): RunnableMachine {
  return { machine, gates: gates as GateTable, internalEvents };
}

/** Builds a protocol version from its parameters; the phases it uses decide its machines. */
export function defineProtocol(spec: { id: string; version: string; title: string; phases: Phase[]; defaults: ProtocolParameters }): ProtocolDefinition {
  const machines: ProtocolDefinition['machines'] = {
    course: runnable(createCourseMachine(machineId(spec.id, spec.version, 'course')), COURSE_GATES, ['SESSION_CLOSED']),
  };
  for (const phase of spec.phases) {
    machines[phase] =
      phase === 'dosing'
        ? runnable(createDosingMachine(machineId(spec.id, spec.version, phase)), DOSING_GATES, ['SUPPLEMENTAL_WINDOW_CLOSED'])
        : runnable(createVisitMachine(machineId(spec.id, spec.version, phase)), VISIT_GATES, []);
  }
  return { ...spec, machines };
}

const registry: ProtocolDefinition[] = [
  defineProtocol({
    id: 'mdma-ptsd',
    version: '1.0.0',
    title: 'MDMA-assisted therapy for PTSD',
    phases: ['preparation', 'dosing', 'integration', 'follow-up'],
    defaults: MDMA_PTSD_DEFAULTS,
  }),
  defineProtocol({
    id: 'psilocybin-trd',
    version: '1.0.0',
    title: 'Psilocybin for treatment-resistant depression',
    phases: ['preparation', 'dosing', 'integration', 'follow-up'],
    defaults: PSILOCYBIN_TRD_DEFAULTS,
  }),
  defineProtocol({
    id: 'esketamine-rems',
    version: '1.0.0',
    title: 'Esketamine nasal spray under the SPRAVATO REMS',
    phases: ['dosing', 'follow-up'],
    defaults: ESKETAMINE_REMS_DEFAULTS,
  }),
];

export const PROTOCOL_IDS = ['mdma-ptsd', 'psilocybin-trd', 'esketamine-rems'];

export function listProtocols(): readonly ProtocolDefinition[] {
  return registry;
}

/** Adds a protocol version (a new release, or a test's version 2). Refuses to replace one. */
export function registerProtocol(definition: ProtocolDefinition): void {
  if (registry.some((p) => p.id === definition.id && p.version === definition.version)) {
    throw new Error(`protocol ${definition.id}@${definition.version} is already registered`);
  }
  registry.push(definition);
}

/** The named version, or the newest when no version is given; undefined when unknown. */
export function findProtocol(id: string, version?: string): ProtocolDefinition | undefined {
  const candidates = registry.filter((p) => p.id === id && (version === undefined || p.version === version));
  return candidates.sort((a, b) => compareVersions(b.version, a.version))[0];
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
