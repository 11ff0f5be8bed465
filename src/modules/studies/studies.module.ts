import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConfigurationService } from './configuration.service';
import { StudiesController } from './studies.controller';
import { StudiesService } from './studies.service';

@Module({
  imports: [AuditModule],
  controllers: [StudiesController],
  providers: [StudiesService, ConfigurationService],
  exports: [StudiesService, ConfigurationService],
})
export class StudiesModule {}
