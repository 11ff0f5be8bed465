import { Injectable } from '@nestjs/common';
import { notFound } from '../../common/problem';
import { parametersJsonSchema } from '../../protocols/parameters';
import { findProtocol, listProtocols, MachineKind, ProtocolDefinition } from '../../protocols/registry';
import { RunnableMachine } from '../../protocols/runtime';

/** NestJS face of the pure protocol registry in src/protocols. */
@Injectable()
export class ProtocolsService {
  list() {
    return listProtocols().map((p) => ({ id: p.id, version: p.version, title: p.title, phases: p.phases }));
  }

  get(id: string, version?: string): ProtocolDefinition {
    const definition = findProtocol(id, version);
    if (!definition) throw notFound(version ? `Protocol ${id}@${version}` : `Protocol ${id}`);
    return definition;
  }

  runnable(id: string, version: string, kind: MachineKind): RunnableMachine {
    const machine = this.get(id, version).machines[kind];
    if (!machine) throw notFound(`The ${kind} machine of ${id}@${version}`);
    return machine;
  }

  /** The definition with its machines as JSON and the parameter schema (GET /protocols/:id). */
  describe(id: string, version?: string) {
    const p = this.get(id, version);
    const machines: Record<string, unknown> = {};
    for (const [kind, runnable] of Object.entries(p.machines)) {
      machines[kind] = JSON.parse(JSON.stringify(runnable!.machine.definition));
    }
    return {
      id: p.id,
      version: p.version,
      title: p.title,
      phases: p.phases,
      machines,
      parameterSchema: parametersJsonSchema(),
      defaults: p.defaults,
    };
  }
}
