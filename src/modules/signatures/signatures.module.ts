import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SignaturesService } from './signatures.service';

@Module({
  imports: [AuditModule, AuthModule],
  providers: [SignaturesService],
  exports: [SignaturesService],
})
export class SignaturesModule {}
