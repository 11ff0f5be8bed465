import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { VitalsController } from './vitals.controller';
import { VitalsService } from './vitals.service';

/** Vital signs of a session: manual entry, corrections, and the readings gates and alarms read. */
@Module({
  imports: [AuditModule, SessionsModule],
  controllers: [VitalsController],
  providers: [VitalsService],
  exports: [VitalsService],
})
export class VitalsModule {}
