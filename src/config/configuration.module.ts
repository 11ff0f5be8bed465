import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { CLOCK, SystemClock } from '../common/clock';
import { loadConfig, VIGIL_CONFIG, VigilConfig } from './configuration';
import { resolveSecrets, SECRETS } from './secrets';

const vigilConfig = registerAs('vigil', () => loadConfig(process.env));

@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [vigilConfig] })],
  providers: [
    { provide: VIGIL_CONFIG, inject: [ConfigService], useFactory: (cs: ConfigService) => cs.getOrThrow('vigil') },
    { provide: SECRETS, inject: [VIGIL_CONFIG], useFactory: (config: VigilConfig) => resolveSecrets(config) },
    { provide: CLOCK, useClass: SystemClock },
  ],
  exports: [VIGIL_CONFIG, SECRETS, CLOCK],
})
export class ConfigurationModule {}
