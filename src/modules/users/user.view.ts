import { User } from './entities/user.entity';

/** What the API shows of a user: never the password hash. */
export function userView(user: User, now: Date) {
  const locked = !!user.lockedUntil && user.lockedUntil.getTime() > now.getTime();
  return {
    id: user.id,
    username: user.username,
    fullName: user.fullName,
    roles: user.roles,
    siteIds: (user.siteLinks ?? []).map((l) => l.siteId).sort(),
    disabled: user.disabled,
    mustChangePassword: user.mustChangePassword,
    locked,
    lockedUntil: locked ? user.lockedUntil!.toISOString() : null,
    version: user.version,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** The audited image of a user: permissions and state, no secrets, no timestamps that churn. */
export function userAuditImage(user: Pick<User, 'username' | 'fullName' | 'roles' | 'disabled'>, siteIds: string[]) {
  return { username: user.username, fullName: user.fullName, roles: [...user.roles].sort(), siteIds: [...siteIds].sort(), disabled: user.disabled };
}
