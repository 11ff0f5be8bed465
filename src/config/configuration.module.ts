import { Global, Module } from '@nestjs/common';
import { CLOCK, SystemClock } from '../common/clock';
import { loadConfig, VIGIL_CONFIG, VigilConfig } from './configuration';
import { resolveSecrets, SECRETS } from './secrets';

/**
 * Configuration is read when the application is built, not when this file is imported, so
 * each application instance (the e2e suites build several per process) sees its own settings.
 */
@Global()
@Module({
  providers: [
    { provide: VIGIL_CONFIG, useFactory: () => loadConfig(process.env) },
    { provide: SECRETS, inject: [VIGIL_CONFIG], useFactory: (config: VigilConfig) => resolveSecrets(config) },
    { provide: CLOCK, useClass: SystemClock },
  ],
  exports: [VIGIL_CONFIG, SECRETS, CLOCK],
})
export class ConfigurationModule {}
