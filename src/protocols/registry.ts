/**
 * The protocols Vigil ships, by id and version. This is the registry the studies module
 * checks against; the protocol engine adds each protocol's parameters and machines here.
 */
export interface ProtocolEntry {
  id: string;
  version: string;
  title: string;
  phases: string[];
}

export const PROTOCOLS: readonly ProtocolEntry[] = [
  {
    id: 'mdma-ptsd',
    version: '1.0.0',
    title: 'MDMA-assisted therapy for PTSD',
    phases: ['preparation', 'dosing', 'integration', 'follow-up'],
  },
  {
    id: 'psilocybin-trd',
    version: '1.0.0',
    title: 'Psilocybin for treatment-resistant depression',
    phases: ['preparation', 'dosing', 'integration', 'follow-up'],
  },
  {
    id: 'esketamine-rems',
    version: '1.0.0',
    title: 'Esketamine nasal spray under the SPRAVATO REMS',
    phases: ['dosing', 'follow-up'],
  },
];

export const PROTOCOL_IDS = [...new Set(PROTOCOLS.map((p) => p.id))];

/** The newest version of a protocol, or the named one; undefined when unknown. */
export function findProtocol(id: string, version?: string): ProtocolEntry | undefined {
  const candidates = PROTOCOLS.filter((p) => p.id === id && (version === undefined || p.version === version));
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
