import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ParticipantsModule } from '../participants/participants.module';
import { SignaturesModule } from '../signatures/signatures.module';
import { StudiesModule } from '../studies/studies.module';
import { FACTS_PROVIDER, RecordedFactsProvider } from './facts.provider';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [AuditModule, ParticipantsModule, StudiesModule, SignaturesModule],
  controllers: [SessionsController],
  providers: [SessionsService, { provide: FACTS_PROVIDER, useClass: RecordedFactsProvider }],
  exports: [SessionsService, FACTS_PROVIDER],
})
export class SessionsModule {}
