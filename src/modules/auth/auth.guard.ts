import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { forbidden, ProblemException, ProblemType, unauthenticated } from '../../common/problem';
import type { Role } from '../users/roles';
import { ALLOW_PENDING_PASSWORD_KEY, PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { AuthService } from './auth.service';

/**
 * The global guard: every route is closed unless it says @Public or names its @Roles.
 * Checks the bearer token's server-side session on every request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<Request & { auth?: unknown }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthenticated('An access token is required (Authorization: Bearer ...)');
    const auth = await this.auth.authenticate(match[1]);
    request.auth = auth;

    if (auth.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD_KEY, targets)) {
      throw new ProblemException(
        ProblemType.passwordChangeRequired,
        'Your password was set by an administrator; choose your own (POST /api/v1/auth/password) before anything else',
      );
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.some((role) => auth.roles.includes(role))) {
      throw forbidden(roles ? `This action needs one of the roles: ${roles.join(', ')}` : 'This action is not open to any role');
    }
    return true;
  }
}
