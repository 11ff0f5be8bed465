import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { IsNull, Not } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { invalid, ProblemException, ProblemType, unauthenticated } from '../../common/problem';
import { VIGIL_CONFIG, VigilConfig } from '../../config/configuration';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { User } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { AuthContext } from './auth-context';
import { AuthSession } from './entities/auth-session.entity';
import { assertAcceptablePassword, burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
import { endSessions } from './sessions';

export interface TokenClaims {
  sub: string;
  sid: string;
}

export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: {
    id: string;
    username: string;
    fullName: string;
    roles: string[];
    siteIds: string[];
    mustChangePassword: boolean;
  };
}

const MINUTE = 60_000;

@Injectable()
export class AuthService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async login(usernameInput: string, password: string): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const user = await this.uow.reader.findOne(User, { where: { username }, relations: { siteLinks: true } });
    if (!user) {
      await burnPasswordCheck(password);
      await this.audit.recordAlone({
        actor: { userId: null, username },
        action: 'auth.login-failed',
        entityType: 'user',
        new: { reason: 'unknown username' },
      });
      throw unauthenticated('Username or password is not correct');
    }
    await this.assertNotLocked(user, 'auth.login-refused');
    const passwordOk = await verifyPassword(user.passwordHash, password);
    if (!passwordOk || user.disabled) {
      if (user.disabled) {
        await this.audit.recordAlone({
          actor: { userId: user.id, username: user.username },
          action: 'auth.login-failed',
          entityType: 'user',
          entityId: user.id,
          new: { reason: 'account disabled' },
        });
        throw unauthenticated('Username or password is not correct');
      }
      await this.registerFailure(user, 'auth.login-failed', 'wrong password');
      throw unauthenticated('Username or password is not correct');
    }

    const now = this.clock.now();
    const session = await this.uow.run(async (manager) => {
      await manager.update(User, { id: user.id }, { failedLoginCount: 0, lockedUntil: null });
      const created = await manager.save(
        manager.create(AuthSession, {
          userId: user.id,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + this.config.session.maxHours * 60 * MINUTE),
          endedAt: null,
          endReason: null,
          signedWithFullCredentials: false,
        }),
      );
      await this.audit.record(manager, {
        actor: { userId: user.id, username: user.username },
        action: 'auth.login',
        entityType: 'auth-session',
        entityId: created.id,
      });
      return created;
    });
    return this.issue(user, session);
  }

  /**
   * Counts a failed password (login, password change or signature) toward the lockout and
   * audits it; locks the account when the threshold is reached. Throws 423 on locking.
   */
  async registerFailure(user: User, action: string, reason: string): Promise<void> {
    const locked = await this.uow.run(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(User)
        .set({ failedLoginCount: () => 'failed_login_count + 1' })
        .where('id = :id', { id: user.id })
        .execute();
      const current = await manager.findOneOrFail(User, { where: { id: user.id } });
      const actor = { userId: user.id, username: user.username };
      await this.audit.record(manager, {
        actor,
        action,
        entityType: 'user',
        entityId: user.id,
        new: { reason, failedAttempts: current.failedLoginCount },
      });
      if (current.failedLoginCount < this.config.lockout.threshold) return null;
      const until = new Date(this.clock.now().getTime() + this.config.lockout.minutes * MINUTE);
      await manager.update(User, { id: user.id }, { lockedUntil: until, failedLoginCount: 0 });
      await this.audit.record(manager, {
        actor,
        action: 'user.locked',
        entityType: 'user',
        entityId: user.id,
        old: { lockedUntil: null },
        new: { lockedUntil: until.toISOString() },
        reason: `${this.config.lockout.threshold} failed attempts`,
      });
      return until;
    });
    if (locked) throw this.lockedProblem(locked);
  }

  async assertNotLocked(user: User, action: string): Promise<void> {
    if (user.lockedUntil && user.lockedUntil.getTime() > this.clock.now().getTime()) {
      await this.audit.recordAlone({
        actor: { userId: user.id, username: user.username },
        action,
        entityType: 'user',
        entityId: user.id,
        new: { reason: 'account locked' },
      });
      throw this.lockedProblem(user.lockedUntil);
    }
  }

  private lockedProblem(until: Date): ProblemException {
    const seconds = Math.max(1, Math.ceil((until.getTime() - this.clock.now().getTime()) / 1000));
    return new ProblemException(
      ProblemType.locked,
      `The account is locked after repeated failed sign-ins until ${until.toISOString()}; an administrator can unlock it`,
      { lockedUntil: until.toISOString() },
      { 'Retry-After': String(seconds) },
    );
  }

  /** Checks the token and its server-side session; ends sessions that went idle or expired. */
  async authenticate(token: string): Promise<AuthContext> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw unauthenticated('The access token is not valid');
    }
    if (typeof claims?.sid !== 'string' || typeof claims?.sub !== 'string') throw unauthenticated('The access token is not valid');
    const session = await this.uow.reader.findOne(AuthSession, { where: { id: claims.sid } });
    if (!session || session.userId !== claims.sub || session.endedAt) throw unauthenticated('The session has ended; sign in again');
    const user = await this.users.findWithSites(session.userId);
    if (!user || user.disabled) {
      await this.endSession(session.id, 'disabled');
      throw unauthenticated('The account is disabled');
    }
    const ended = this.sessionEndReason(session, user);
    if (ended === 'expired') {
      await this.endSession(session.id, 'expired');
      throw unauthenticated('The session has expired; sign in again');
    }
    if (ended === 'idle') {
      await this.endSession(session.id, 'idle');
      throw unauthenticated('The session ended after inactivity; sign in again');
    }
    const now = this.clock.now().getTime();
    const idleMs = this.idleLimitMs(user);
    // Touch at a coarse grain: one write per request would serialise every read behind the lock.
    if (now - session.lastSeenAt.getTime() > Math.min(15_000, idleMs / 10)) {
      await this.uow.run((m) => m.update(AuthSession, { id: session.id, endedAt: IsNull() }, { lastSeenAt: new Date(now) }));
    }
    return {
      userId: user.id,
      username: user.username,
      fullName: user.fullName,
      roles: user.roles,
      siteIds: (user.siteLinks ?? []).map((l) => l.siteId),
      sessionId: session.id,
      mustChangePassword: user.mustChangePassword,
    };
  }

  /** Why an open session can no longer be used ('expired', 'idle'), or undefined while it can. */
  sessionEndReason(session: AuthSession, user: User): 'expired' | 'idle' | undefined {
    const now = this.clock.now().getTime();
    if (now >= session.expiresAt.getTime()) return 'expired';
    if (now - session.lastSeenAt.getTime() > this.idleLimitMs(user)) return 'idle';
    return undefined;
  }

  private idleLimitMs(user: User): number {
    const onlyMonitor = user.roles.includes('monitor') && user.roles.every((r) => r === 'monitor' || r === 'auditor');
    return (onlyMonitor ? this.config.session.monitorIdleMinutes : this.config.session.idleMinutes) * MINUTE;
  }

  async refresh(auth: AuthContext): Promise<LoginResult> {
    const now = this.clock.now();
    const session = await this.uow.run(async (manager) => {
      await manager.update(
        AuthSession,
        { id: auth.sessionId },
        { lastSeenAt: now, expiresAt: new Date(now.getTime() + this.config.session.maxHours * 60 * MINUTE) },
      );
      return manager.findOneByOrFail(AuthSession, { id: auth.sessionId });
    });
    const user = await this.users.findWithSites(auth.userId);
    if (!user) throw unauthenticated();
    return this.issue(user, session);
  }

  async logout(auth: AuthContext): Promise<void> {
    await this.uow.run(async (manager) => {
      await manager.update(AuthSession, { id: auth.sessionId, endedAt: IsNull() }, { endedAt: this.clock.now(), endReason: 'logout' });
      await this.audit.record(manager, {
        actor: { userId: auth.userId, username: auth.username },
        action: 'auth.logout',
        entityType: 'auth-session',
        entityId: auth.sessionId,
      });
    });
  }

  async changePassword(auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.uow.reader.findOneByOrFail(User, { id: auth.userId });
    await this.assertNotLocked(user, 'auth.password-change-refused');
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      await this.registerFailure(user, 'auth.password-change-failed', 'wrong current password');
      throw invalid('The current password is not correct', { currentPassword: ['is not correct'] });
    }
    assertAcceptablePassword(newPassword, user.username, 'newPassword');
    if (await verifyPassword(user.passwordHash, newPassword)) {
      throw invalid('The new password must differ from the current one', { newPassword: ['must differ from the current password'] });
    }
    const hash = await hashPassword(newPassword);
    await this.uow.run(async (manager) => {
      await manager.update(
        User,
        { id: user.id },
        { passwordHash: hash, mustChangePassword: false, passwordChangedAt: this.clock.now(), failedLoginCount: 0, version: user.version + 1 },
      );
      // Other sessions of this user end; the one that changed the password goes on.
      await manager.update(
        AuthSession,
        { userId: user.id, endedAt: IsNull(), id: Not(auth.sessionId) },
        { endedAt: this.clock.now(), endReason: 'password-changed' },
      );
      await this.audit.record(manager, {
        actor: { userId: user.id, username: user.username },
        action: 'user.password-changed',
        entityType: 'user',
        entityId: user.id,
        old: { mustChangePassword: user.mustChangePassword },
        new: { mustChangePassword: false },
      });
    });
  }

  async endSession(sessionId: string, reason: NonNullable<AuthSession['endReason']>): Promise<void> {
    await this.uow.run((m) => endSessions(m, { id: sessionId }, reason, this.clock.now()));
  }

  private issue(user: User, session: AuthSession): LoginResult {
    const expiresIn = Math.max(1, Math.floor((session.expiresAt.getTime() - this.clock.now().getTime()) / 1000));
    const claims: TokenClaims = { sub: user.id, sid: session.id };
    return {
      // exp is the session's absolute end; idle expiry and logout are checked server-side
      accessToken: this.jwt.sign(claims, { expiresIn, algorithm: 'HS256' }),
      expiresIn,
      user: {
        id: user.id,
        username: user.username,
        fullName: user.fullName,
        roles: user.roles,
        siteIds: (user.siteLinks ?? []).map((l) => l.siteId),
        mustChangePassword: user.mustChangePassword,
      },
    };
  }
}
