import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ZodError } from 'zod';
import { Clock, CLOCK } from '../../common/clock';
import { invalid, notFound } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { parseParameters, ProtocolParameters } from '../../protocols/parameters';
import { AuditActor, AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { ProtocolsService } from '../protocols/protocols.service';
import { StudyConfiguration } from './entities/study-configuration.entity';
import { Study } from './entities/study.entity';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and values replace. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

export const configurationView = (c: StudyConfiguration) => ({
  studyId: c.studyId,
  version: c.version,
  parameters: c.parameters,
  reason: c.reason,
  createdBy: c.createdBy,
  createdAt: c.createdAt.toISOString(),
});

/** A study's protocol parameters: validated against the protocol's schema, versioned, audited. */
@Injectable()
export class ConfigurationService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly protocols: ProtocolsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Version 1: the protocol's defaults, written with the study. */
  async createInitial(manager: EntityManager, study: Study, actor: AuditActor): Promise<void> {
    const parameters = this.protocols.get(study.protocolId, study.protocolVersion).defaults;
    await manager.insert(StudyConfiguration, {
      studyId: study.id,
      version: 1,
      parameters,
      createdBy: actor.userId,
      reason: 'protocol defaults',
      createdAt: this.clock.now(),
    });
  }

  async current(studyId: string, manager: EntityManager = this.uow.reader): Promise<StudyConfiguration> {
    const study = await manager.findOne(Study, { where: { id: studyId } });
    if (!study) throw notFound('Study');
    return this.version(studyId, study.configurationVersion, manager);
  }

  async version(studyId: string, version: number, manager: EntityManager = this.uow.reader): Promise<StudyConfiguration> {
    const row = await manager.findOne(StudyConfiguration, { where: { studyId, version } });
    if (!row) throw notFound(`Configuration version ${version}`);
    return row;
  }

  async put(studyId: string, patch: Record<string, unknown>, reason: string | undefined, auth: AuthContext) {
    const saved = await this.uow.run(async (manager) => {
      const study = await manager.findOne(Study, { where: { id: studyId } });
      if (!study) throw notFound('Study');
      const current = await this.version(studyId, study.configurationVersion, manager);
      let parameters: ProtocolParameters;
      try {
        parameters = parseParameters(deepMerge(current.parameters, patch));
      } catch (error) {
        if (error instanceof ZodError) {
          const errors: Record<string, string[]> = {};
          for (const issue of error.issues) {
            const path = ['parameters', ...issue.path.map(String)].join('.');
            (errors[path] ??= []).push(issue.message);
          }
          throw invalid('The configuration does not fit the protocol parameter schema', errors);
        }
        throw error;
      }
      const version = study.configurationVersion + 1;
      const result = await manager
        .createQueryBuilder()
        .update(Study)
        .set({ configurationVersion: version, version: study.version + 1 })
        .where('id = :id AND configuration_version = :v', { id: studyId, v: study.configurationVersion })
        .execute();
      if (!result.affected) throw invalid('The configuration changed meanwhile; reload it');
      const row = manager.create(StudyConfiguration, {
        studyId,
        version,
        parameters,
        createdBy: auth.userId,
        reason: reason ?? null,
        createdAt: this.clock.now(),
      });
      await manager.insert(StudyConfiguration, row);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'study.configuration-changed',
        entityType: 'study',
        entityId: studyId,
        old: { version: current.version, parameters: current.parameters },
        new: { version, parameters },
        reason,
      });
      return row;
    });
    return configurationView(saved);
  }
}
