import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NEXT_CURSOR_HEADER } from '../../common/pagination';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { CorrectVitalDto, RecordVitalDto, VitalsQuery, VoidRecordDto } from './dto/vitals.dto';
import { VitalsService } from './vitals.service';

/** Monitors may record what they measure; correcting or voiding a record is for clinical staff. */
const RECORDERS = ['investigator', 'clinician', 'monitor'] as const;
const CORRECTORS = ['investigator', 'clinician'] as const;

@ApiTags('vitals')
@ApiBearerAuth()
@Controller('sessions/:id/vitals')
export class VitalsController {
  constructor(private readonly vitals: VitalsService) {}

  /** 201 with the stored observations: one, or two (SYSBP and DIABP with one readingId) for a BP. */
  @Post()
  @Roles(...RECORDERS)
  record(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RecordVitalDto, @CurrentAuth() auth: AuthContext) {
    return this.vitals.record(id, dto, auth);
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  async list(@Param('id', ParseUUIDPipe) id: string, @Query() query: VitalsQuery, @CurrentAuth() auth: AuthContext, @Res({ passthrough: true }) res: Response) {
    const { items, nextCursor } = await this.vitals.list(id, query, auth);
    if (nextCursor !== undefined) res.setHeader(NEXT_CURSOR_HEADER, nextCursor);
    return items;
  }

  @Get(':recordId')
  @Roles(...CLINICAL_READERS)
  get(@Param('id', ParseUUIDPipe) id: string, @Param('recordId', ParseUUIDPipe) recordId: string, @CurrentAuth() auth: AuthContext) {
    return this.vitals.getOne(id, recordId, auth);
  }

  @Patch(':recordId')
  @Roles(...CORRECTORS)
  correct(@Param('id', ParseUUIDPipe) id: string, @Param('recordId', ParseUUIDPipe) recordId: string, @Body() dto: CorrectVitalDto, @CurrentAuth() auth: AuthContext) {
    return this.vitals.correct(id, recordId, dto, auth);
  }

  @Post(':recordId/void')
  @Roles(...CORRECTORS)
  @HttpCode(200)
  void(@Param('id', ParseUUIDPipe) id: string, @Param('recordId', ParseUUIDPipe) recordId: string, @Body() dto: VoidRecordDto, @CurrentAuth() auth: AuthContext) {
    return this.vitals.void(id, recordId, dto, auth);
  }
}
