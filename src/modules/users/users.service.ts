import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { conflict, invalid, notFound, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditActor, AuditService } from '../audit/audit.service';
import { AuthContext, actorOf, isAdmin } from '../auth/auth-context';
import { assertAcceptablePassword, hashPassword } from '../auth/passwords';
import { endSessions } from '../auth/sessions';
import { Site } from '../sites/entities/site.entity';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { UserSite } from './entities/user-site.entity';
import { User } from './entities/user.entity';
import type { Role } from './roles';
import { userAuditImage, userView } from './user.view';

@Injectable()
export class UsersService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  findWithSites(id: string, manager: EntityManager = this.uow.reader): Promise<User | null> {
    return manager.findOne(User, { where: { id }, relations: { siteLinks: true } });
  }

  view(user: User) {
    return userView(user, this.clock.now());
  }

  async create(dto: CreateUserDto, auth: AuthContext) {
    const username = dto.username.toLowerCase();
    assertAcceptablePassword(dto.password, username, 'password');
    this.assertRolesHaveSites(dto.roles, dto.siteIds);
    const passwordHash = await hashPassword(dto.password);
    const id = await this.uow.run(async (manager) => {
      await this.assertSitesExist(manager, dto.siteIds);
      if (await manager.exists(User, { where: { username } })) throw conflict(`The username ${username} is taken`);
      const user = await manager.save(
        manager.create(User, {
          username,
          fullName: dto.fullName,
          passwordHash,
          roles: dto.roles,
          mustChangePassword: true,
          disabled: false,
          failedLoginCount: 0,
          lockedUntil: null,
          passwordChangedAt: this.clock.now(),
          version: 1,
        }),
      );
      await this.setSites(manager, user.id, dto.siteIds);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        new: userAuditImage(user, dto.siteIds),
      });
      return user.id;
    });
    return this.view((await this.findWithSites(id))!);
  }

  /** Admins list everyone; other roles the users who share one of their sites. */
  async list(auth: AuthContext) {
    const users = await this.uow.reader.find(User, { relations: { siteLinks: true }, order: { username: 'ASC' } });
    return users.filter((u) => this.visible(u, auth)).map((u) => this.view(u));
  }

  async get(id: string, auth: AuthContext): Promise<User> {
    const user = await this.findWithSites(id);
    if (!user || !this.visible(user, auth)) throw notFound('User');
    return user;
  }

  private visible(user: User, auth: AuthContext): boolean {
    if (isAdmin(auth) || user.id === auth.userId) return true;
    return (user.siteLinks ?? []).some((l) => auth.siteIds.includes(l.siteId));
  }

  async update(id: string, dto: UpdateUserDto, auth: AuthContext) {
    await this.uow.run(async (manager) => {
      const user = await this.findWithSites(id, manager);
      if (!user) throw notFound('User');
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== user.version) throw versionConflict();
      const oldSites = (user.siteLinks ?? []).map((l) => l.siteId);
      const before = userAuditImage(user, oldSites);
      const roles = dto.roles ?? user.roles;
      const siteIds = dto.siteIds ?? oldSites;
      const disabled = dto.disabled ?? user.disabled;
      this.assertRolesHaveSites(roles, siteIds);
      if (dto.siteIds) await this.assertSitesExist(manager, dto.siteIds);
      if (user.roles.includes('admin') && !user.disabled && (!roles.includes('admin') || disabled)) {
        await this.assertAnotherAdmin(manager, user.id);
      }
      // Conditional update: a concurrent change in between makes this one a clean 409.
      const result = await manager
        .createQueryBuilder()
        .update(User)
        .set({ fullName: dto.fullName ?? user.fullName, roles, disabled, version: user.version + 1 })
        .where('id = :id AND version = :version', { id, version: user.version })
        .execute();
      if (!result.affected) throw versionConflict();
      if (dto.siteIds) await this.setSites(manager, id, siteIds);
      if (disabled && !user.disabled) await endSessions(manager, { userId: id }, 'disabled', this.clock.now());
      const after = userAuditImage({ ...user, fullName: dto.fullName ?? user.fullName, roles, disabled }, siteIds);
      const permissionsChanged = JSON.stringify(before.roles) !== JSON.stringify(after.roles) || JSON.stringify(before.siteIds) !== JSON.stringify(after.siteIds);
      const action = disabled !== user.disabled ? (disabled ? 'user.disabled' : 'user.enabled') : permissionsChanged ? 'user.permissions-changed' : 'user.updated';
      await this.audit.record(manager, { actor: actorOf(auth), action, entityType: 'user', entityId: id, old: before, new: after, reason: dto.reason });
    });
    return this.view((await this.findWithSites(id))!);
  }

  async unlock(id: string, auth: AuthContext, reason?: string) {
    await this.uow.run(async (manager) => {
      const user = await manager.findOne(User, { where: { id } });
      if (!user) throw notFound('User');
      await manager.update(User, { id }, { failedLoginCount: 0, lockedUntil: null, version: user.version + 1 });
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'user.unlocked',
        entityType: 'user',
        entityId: id,
        old: { lockedUntil: user.lockedUntil?.toISOString() ?? null, failedAttempts: user.failedLoginCount },
        new: { lockedUntil: null, failedAttempts: 0 },
        reason,
      });
    });
    return this.view((await this.findWithSites(id))!);
  }

  /** An admin-set password is one-time: the user must change it, and cannot sign with it. */
  async resetPassword(id: string, password: string, auth: AuthContext, reason?: string) {
    const target = await this.uow.reader.findOne(User, { where: { id } });
    if (!target) throw notFound('User');
    assertAcceptablePassword(password, target.username, 'password');
    const passwordHash = await hashPassword(password);
    await this.uow.run(async (manager) => {
      const user = await manager.findOneOrFail(User, { where: { id } });
      await manager.update(
        User,
        { id },
        { passwordHash, mustChangePassword: true, passwordChangedAt: this.clock.now(), failedLoginCount: 0, lockedUntil: null, version: user.version + 1 },
      );
      await endSessions(manager, { userId: id }, 'password-reset', this.clock.now());
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'user.password-reset',
        entityType: 'user',
        entityId: id,
        old: { mustChangePassword: user.mustChangePassword },
        new: { mustChangePassword: true },
        reason,
      });
    });
    return this.view((await this.findWithSites(id))!);
  }

  /** First start on an empty database: one admin with a one-time password. Returns it, or null. */
  async bootstrapAdmin(password: string, actor: AuditActor): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    return this.uow.run(async (manager) => {
      if ((await manager.count(User)) > 0) return false;
      const admin = await manager.save(
        manager.create(User, {
          username: 'admin',
          fullName: 'Vigil administrator',
          passwordHash,
          roles: ['admin'] as Role[],
          mustChangePassword: true,
          disabled: false,
          failedLoginCount: 0,
          lockedUntil: null,
          passwordChangedAt: this.clock.now(),
          version: 1,
        }),
      );
      await this.audit.record(manager, {
        actor,
        action: 'user.created',
        entityType: 'user',
        entityId: admin.id,
        new: userAuditImage(admin, []),
        reason: 'first start on an empty database',
      });
      return true;
    });
  }

  private assertRolesHaveSites(roles: Role[], siteIds: string[]): void {
    if (roles.length === 0) throw invalid('A user needs at least one role', { roles: ['must not be empty'] });
    if (roles.some((r) => r !== 'admin') && siteIds.length === 0) {
      throw invalid('Site-scoped roles need at least one site', { siteIds: ['must name at least one site for roles other than admin'] });
    }
  }

  private async assertSitesExist(manager: EntityManager, siteIds: string[]): Promise<void> {
    if (siteIds.length === 0) return;
    const found = await manager.find(Site, { where: { id: In(siteIds) }, select: { id: true } });
    const missing = siteIds.filter((id) => !found.some((s) => s.id === id));
    if (missing.length) throw invalid('Unknown sites', { siteIds: missing.map((id) => `no site ${id}`) });
  }

  private async assertAnotherAdmin(manager: EntityManager, exceptId: string): Promise<void> {
    const admins = await manager.find(User, { where: { disabled: false }, select: { id: true, roles: true } });
    if (!admins.some((u) => u.id !== exceptId && u.roles.includes('admin'))) {
      throw conflict('This is the last enabled administrator; appoint another first');
    }
  }

  private async setSites(manager: EntityManager, userId: string, siteIds: string[]): Promise<void> {
    await manager.delete(UserSite, { userId });
    if (siteIds.length) await manager.insert(UserSite, siteIds.map((siteId) => ({ userId, siteId })));
  }
}
