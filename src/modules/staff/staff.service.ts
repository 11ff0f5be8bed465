import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { invalid } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import type { StaffRole } from '../../protocols/types';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { Session } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { User } from '../users/entities/user.entity';
import type { Role } from '../users/roles';
import { PutStaffDto } from './dto/staff.dto';
import { StaffPresence } from './entities/staff-presence.entity';

export interface StaffMember {
  userId: string;
  role: StaffRole;
}

/** The user roles that may take a staff role in the room: clinical staff, and monitors as monitors. */
const CLINICAL_ROLES: readonly Role[] = ['clinician', 'investigator'];
const STAFF_ROLE_HOLDERS: Partial<Record<StaffRole, readonly Role[]>> = { monitor: ['clinician', 'investigator', 'monitor'] };

const keyOf = (m: StaffMember) => `${m.userId}:${m.role}`;
const byRoleThenUser = (a: StaffMember, b: StaffMember) => a.role.localeCompare(b.role) || a.userId.localeCompare(b.userId);
const members = (rows: StaffMember[]) => rows.map((r) => ({ userId: r.userId, role: r.role })).sort(byRoleThenUser);

/**
 * Who is in the room during a session, in which role, from when until when. A PUT states
 * everyone present now: those left out are recorded as gone, newcomers as arrived, the rest
 * keep their original arrival time.
 */
@Injectable()
export class StaffService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async put(sessionId: string, dto: PutStaffDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const seen = new Set<string>();
    const duplicates: Record<string, string[]> = {};
    dto.present.forEach((m, i) => {
      if (seen.has(keyOf(m))) duplicates[`present.${i}`] = ['is listed twice with the same role'];
      seen.add(keyOf(m));
    });
    if (Object.keys(duplicates).length) throw invalid('Each person and role is listed once', duplicates);

    await this.uow.run(async (manager) => {
      await this.assertStaffOfSite(manager, dto.present, session.siteId);
      await this.lockSession(manager, session.id);
      const open = await manager.find(StaffPresence, { where: { sessionId: session.id, presentUntil: IsNull() } });
      const wanted = new Set(dto.present.map(keyOf));
      const current = new Set(open.map(keyOf));
      const leaving = open.filter((r) => !wanted.has(keyOf(r)));
      const arriving = dto.present.filter((m) => !current.has(keyOf(m)));
      if (leaving.length === 0 && arriving.length === 0) return;
      const now = this.clock.now();
      if (leaving.length) await manager.update(StaffPresence, { id: In(leaving.map((r) => r.id)) }, { presentUntil: now });
      if (arriving.length) {
        await manager.insert(
          StaffPresence,
          arriving.map((m) => ({ sessionId: session.id, userId: m.userId, role: m.role, presentFrom: now, presentUntil: null, recordedBy: auth.userId })),
        );
      }
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'session.staff-changed',
        entityType: 'session',
        entityId: session.id,
        old: { present: members(open) },
        new: { present: members(dto.present), arrived: members(arriving), left: members(leaving) },
      });
    });
    return this.viewOf(session.id);
  }

  async view(sessionId: string, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    return this.viewOf(session.id);
  }

  /** Who was present at `at` (default: now, i.e. everyone not yet gone), for the staffing gates. */
  async presentAt(sessionId: string, at?: Date, manager: EntityManager = this.uow.reader): Promise<StaffMember[]> {
    if (!at) return members(await manager.find(StaffPresence, { where: { sessionId, presentUntil: IsNull() } }));
    const t = at.getTime();
    const rows = await manager.find(StaffPresence, { where: { sessionId } });
    return members(rows.filter((r) => r.presentFrom.getTime() <= t && (r.presentUntil === null || r.presentUntil.getTime() > t)));
  }

  private async viewOf(sessionId: string) {
    const rows = await this.uow.reader.find(StaffPresence, { where: { sessionId } });
    const ids = [...new Set(rows.map((r) => r.userId))];
    const users = ids.length ? await this.uow.reader.find(User, { where: { id: In(ids) } }) : [];
    const nameOf = new Map(users.map((u) => [u.id, u.fullName]));
    const entry = (r: StaffPresence) => ({ userId: r.userId, fullName: nameOf.get(r.userId) ?? null, role: r.role, presentFrom: r.presentFrom.toISOString() });
    const byRoleThenName = (a: StaffPresence, b: StaffPresence) =>
      a.role.localeCompare(b.role) || (nameOf.get(a.userId) ?? '').localeCompare(nameOf.get(b.userId) ?? '') || a.userId.localeCompare(b.userId);
    return {
      present: rows.filter((r) => r.presentUntil === null).sort(byRoleThenName).map(entry),
      // newest first; rows still open are part of the history too
      history: [...rows]
        .sort((a, b) => b.presentFrom.getTime() - a.presentFrom.getTime() || byRoleThenName(a, b))
        .map((r) => ({ ...entry(r), presentUntil: r.presentUntil?.toISOString() ?? null, recordedBy: r.recordedBy })),
    };
  }

  /**
   * Everyone named must be an active user assigned to the session's site, and hold a clinical
   * role for the part they are listed in: the 'monitor' staff role may be held by a monitor
   * user, every other staff role (therapist, prescriber, ...) needs a clinician or investigator.
   */
  private async assertStaffOfSite(manager: EntityManager, present: StaffMember[], siteId: string): Promise<void> {
    const ids = [...new Set(present.map((m) => m.userId))];
    const users = ids.length ? await manager.find(User, { where: { id: In(ids) }, relations: { siteLinks: true } }) : [];
    const eligible = new Map(users.filter((u) => !u.disabled && u.siteLinks.some((l) => l.siteId === siteId)).map((u) => [u.id, u]));
    const errors: Record<string, string[]> = {};
    present.forEach((m, i) => {
      const user = eligible.get(m.userId);
      if (!user) {
        errors[`present.${i}.userId`] = ["is not an active user of this session's site"];
        return;
      }
      const allowed = STAFF_ROLE_HOLDERS[m.role] ?? CLINICAL_ROLES;
      if (!user.roles.some((r) => allowed.includes(r))) {
        errors[`present.${i}.role`] = [`may only be held by a user with the role ${allowed.join(' or ')}; this user is ${user.roles.join(', ') || 'without a role'}`];
      }
    });
    if (Object.keys(errors).length) {
      throw invalid("Staff present must be active users of the session's site who hold a clinical role for their part", errors);
    }
  }

  /** Two concurrent changes of one session's staff run one after the other (PostgreSQL; SQLite has its write lock). */
  private async lockSession(manager: EntityManager, sessionId: string): Promise<void> {
    if (!this.uow.isPostgres) return;
    await manager.createQueryBuilder(Session, 's').setLock('pessimistic_write').where('s.id = :id', { id: sessionId }).getOne();
  }
}
