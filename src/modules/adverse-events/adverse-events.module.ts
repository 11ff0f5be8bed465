import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { SignaturesModule } from '../signatures/signatures.module';
import { AdverseEventsController } from './adverse-events.controller';
import { AdverseEventsService } from './adverse-events.service';

/** Adverse events with the SAE report clock, corrections, voids and the investigator's confirmation. */
@Module({
  imports: [AuditModule, SessionsModule, SignaturesModule],
  controllers: [AdverseEventsController],
  providers: [AdverseEventsService],
  exports: [AdverseEventsService],
})
export class AdverseEventsModule {}
