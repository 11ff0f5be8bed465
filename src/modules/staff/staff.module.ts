import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { StaffController } from './staff.controller';
import { StaffService } from './staff.service';

/** Staff present during a session (the staffing gates read it through StaffService.presentAt). */
@Module({
  imports: [AuditModule, SessionsModule],
  controllers: [StaffController],
  providers: [StaffService],
  exports: [StaffService],
})
export class StaffModule {}
