import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NEXT_CURSOR_HEADER } from '../../common/pagination';
import { Roles } from '../auth/auth.decorators';
import { AuditService, AuditVerification } from './audit.service';
import { AuditQuery } from './dto/audit-query.dto';
import { AuditEntry } from './entities/audit-entry.entity';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('auditor', 'admin')
  async list(@Query() query: AuditQuery, @Res({ passthrough: true }) res: Response) {
    const { entries, nextCursor } = await this.audit.list(query);
    if (nextCursor !== undefined) res.setHeader(NEXT_CURSOR_HEADER, String(nextCursor));
    return entries.map(view);
  }

  @Get('verify')
  @Roles('auditor', 'admin')
  verify(): Promise<AuditVerification> {
    return this.audit.verify();
  }
}

function view(entry: AuditEntry) {
  return {
    seq: entry.seq,
    at: entry.at.toISOString(),
    userId: entry.userId,
    username: entry.username,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    oldValue: entry.oldValue === null ? null : JSON.parse(entry.oldValue),
    newValue: entry.newValue === null ? null : JSON.parse(entry.newValue),
    reason: entry.reason,
    hash: entry.hash,
    prevHash: entry.prevHash,
  };
}
