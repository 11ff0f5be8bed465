import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SchedulerService } from './scheduler.service';

@Global()
@Module({
  imports: [AuditModule],
  providers: [SchedulerService],
  exports: [SchedulerService],
})
export class SchedulerModule {}
