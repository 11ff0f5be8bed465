import { AuditActor } from '../audit/audit.service';
import type { Role } from '../users/roles';

/** Who is calling, as the guard established it for this request. */
export interface AuthContext {
  userId: string;
  username: string;
  fullName: string;
  roles: Role[];
  siteIds: string[];
  sessionId: string;
  mustChangePassword: boolean;
}

export const isAdmin = (auth: AuthContext): boolean => auth.roles.includes('admin');

export const actorOf = (auth: AuthContext): AuditActor => ({ userId: auth.userId, username: auth.username });

/** Admins see every site; everyone else only the sites they are assigned to. */
export function canSeeSite(auth: AuthContext, siteId: string): boolean {
  return isAdmin(auth) || auth.siteIds.includes(siteId);
}
