import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SessionsModule } from '../sessions/sessions.module';
import { DosesController } from './doses.controller';
import { DosesService } from './doses.service';

@Module({
  imports: [AuditModule, AuthModule, SessionsModule],
  controllers: [DosesController],
  providers: [DosesService],
  exports: [DosesService],
})
export class DosesModule {}
