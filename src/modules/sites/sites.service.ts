import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { conflict, notFound } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf, canSeeSite, isAdmin } from '../auth/auth-context';
import { CreateSiteDto } from './dto/site.dto';
import { Site } from './entities/site.entity';

export const siteView = (site: Site) => ({
  id: site.id,
  code: site.code,
  name: site.name,
  timezone: site.timezone,
  country: site.country,
  version: site.version,
  createdAt: site.createdAt.toISOString(),
});

@Injectable()
export class SitesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateSiteDto, auth: AuthContext) {
    const site = await this.uow.run(async (manager) => {
      // Checked first for a clear message; the unique index still decides a race (-> 409).
      if (await manager.exists(Site, { where: { code: dto.code } })) throw conflict(`A site with code ${dto.code} exists`);
      const created = await manager.save(manager.create(Site, { ...dto, version: 1 }));
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'site.created',
        entityType: 'site',
        entityId: created.id,
        new: { code: created.code, name: created.name, timezone: created.timezone, country: created.country },
      });
      return created;
    });
    return siteView(site);
  }

  async list(auth: AuthContext) {
    if (!isAdmin(auth) && auth.siteIds.length === 0) return [];
    const where = isAdmin(auth) ? {} : { id: In(auth.siteIds) };
    const sites = await this.uow.reader.find(Site, { where, order: { code: 'ASC' } });
    return sites.map(siteView);
  }

  /** Another site's record answers 404, as if it did not exist. */
  async get(id: string, auth: AuthContext): Promise<Site> {
    const site = canSeeSite(auth, id) ? await this.uow.reader.findOne(Site, { where: { id } }) : null;
    if (!site) throw notFound('Site');
    return site;
  }
}
