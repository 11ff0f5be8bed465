import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { VIGIL_CONFIG, VigilConfig } from '../../config/configuration';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { UsersService } from './users.service';

/**
 * First start on an empty database creates `admin` with a one-time password: VIGIL_ADMIN_PASSWORD
 * or a random one printed once to the console (never to the structured log).
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  constructor(
    private readonly users: UsersService,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const given = this.config.adminPassword;
    const password = given ?? randomBytes(15).toString('base64url');
    const created = await this.users.bootstrapAdmin(password, SYSTEM_ACTOR);
    if (created && !given) {
      process.stdout.write(
        `\n  Vigil: created user "admin" with the one-time password\n\n      ${password}\n\n` +
          `  It is shown only this once and must be changed at first sign-in.\n\n`,
      );
    }
  }
}
