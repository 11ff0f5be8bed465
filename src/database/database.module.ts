import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VIGIL_CONFIG, VigilConfig } from '../config/configuration';
import { ConfigurationModule } from '../config/configuration.module';
import { dataSourceOptions } from './data-source-options';
import { UnitOfWork } from './unit-of-work';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [ConfigurationModule],
      inject: [VIGIL_CONFIG],
      useFactory: (config: VigilConfig) => ({ ...dataSourceOptions(config.database), autoLoadEntities: false }),
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
