import { EntityManager, IsNull } from 'typeorm';
import { AuthSession } from './entities/auth-session.entity';

/** Ends matching open sessions inside the caller's transaction (disable, reset, logout). */
export function endSessions(
  manager: EntityManager,
  where: { id?: string; userId?: string },
  reason: NonNullable<AuthSession['endReason']>,
  at: Date,
) {
  return manager.update(AuthSession, { ...where, endedAt: IsNull() }, { endedAt: at, endReason: reason });
}
