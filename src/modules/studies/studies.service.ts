import { Injectable } from '@nestjs/common';
import { conflict, invalid, notFound } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { findProtocol } from '../../protocols/registry';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { ConfigurationService } from './configuration.service';
import { CreateStudyDto } from './dto/study.dto';
import { Study } from './entities/study.entity';

export const studyView = (study: Study) => ({
  id: study.id,
  code: study.code,
  title: study.title,
  sponsor: study.sponsor,
  protocol: { id: study.protocolId, version: study.protocolVersion },
  configurationVersion: study.configurationVersion,
  createdAt: study.createdAt.toISOString(),
});

@Injectable()
export class StudiesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly configuration: ConfigurationService,
  ) {}

  async create(dto: CreateStudyDto, auth: AuthContext) {
    const protocol = findProtocol(dto.protocolId, dto.protocolVersion);
    if (!protocol) {
      throw invalid(`Protocol ${dto.protocolId}@${dto.protocolVersion} is not known`, {
        protocolVersion: ['no such version of the protocol'],
      });
    }
    const study = await this.uow.run(async (manager) => {
      if (await manager.exists(Study, { where: { code: dto.code } })) throw conflict(`A study with code ${dto.code} exists`);
      const created = await manager.save(
        manager.create(Study, {
          code: dto.code,
          title: dto.title,
          sponsor: dto.sponsor ?? null,
          protocolId: protocol.id,
          protocolVersion: protocol.version,
          configurationVersion: 1,
          version: 1,
        }),
      );
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'study.created',
        entityType: 'study',
        entityId: created.id,
        new: { code: created.code, title: created.title, sponsor: created.sponsor, protocol: `${protocol.id}@${protocol.version}` },
      });
      await this.configuration.createInitial(manager, created, actorOf(auth));
      return created;
    });
    return studyView(study);
  }

  async list() {
    return (await this.uow.reader.find(Study, { order: { code: 'ASC' } })).map(studyView);
  }

  async get(id: string): Promise<Study> {
    const study = await this.uow.reader.findOne(Study, { where: { id } });
    if (!study) throw notFound('Study');
    return study;
  }
}
