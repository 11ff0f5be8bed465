import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ALL_ROLES, Role } from '../users/roles';
import type { AuthContext } from './auth-context';

export const ROLES_KEY = 'vigil:roles';
export const PUBLIC_KEY = 'vigil:public';
export const ALLOW_PENDING_PASSWORD_KEY = 'vigil:allow-pending-password';

/** The roles that may call a route. Routes without it (and not @Public) are refused: deny by default. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Any signed-in user, whatever the role. */
export const AnyRole = () => SetMetadata(ROLES_KEY, ALL_ROLES);

/** No authentication (login, health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Reachable while the user still has to replace an admin-set password (change it, log out). */
export const AllowPendingPasswordChange = () => SetMetadata(ALLOW_PENDING_PASSWORD_KEY, true);

/** The authenticated caller, set by AuthGuard. */
export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  return ctx.switchToHttp().getRequest().auth;
});
