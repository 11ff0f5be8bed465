import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { StudiesModule } from '../studies/studies.module';
import { ParticipantsController } from './participants.controller';
import { ParticipantsService } from './participants.service';

@Module({
  imports: [AuditModule, StudiesModule],
  controllers: [ParticipantsController],
  providers: [ParticipantsService],
  exports: [ParticipantsService],
})
export class ParticipantsModule {}
