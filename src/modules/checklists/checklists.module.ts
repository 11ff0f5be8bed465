import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { SignaturesModule } from '../signatures/signatures.module';
import { ChecklistsController } from './checklists.controller';
import { ChecklistsService } from './checklists.service';

/** Session checklists: created with each session through SessionsService.onSessionCreated. */
@Module({
  imports: [AuditModule, SessionsModule, SignaturesModule],
  controllers: [ChecklistsController],
  providers: [ChecklistsService],
  exports: [ChecklistsService],
})
export class ChecklistsModule {}
