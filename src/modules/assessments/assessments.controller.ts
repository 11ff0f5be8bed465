import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { VoidRecordDto } from '../records/corrections';
import { CorrectAssessmentDto, CreateAssessmentDto } from './dto/assessment.dto';
import { AssessmentsService } from './assessments.service';

@ApiTags('assessments')
@ApiBearerAuth()
@Controller('sessions/:id/assessments')
export class AssessmentsController {
  constructor(private readonly assessments: AssessmentsService) {}

  /** Never gated; a positive C-SSRS answers `alert: 'investigator'`. */
  @Post()
  @Roles('clinician', 'investigator')
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateAssessmentDto, @CurrentAuth() auth: AuthContext) {
    return this.assessments.create(id, dto, auth);
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  list(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.assessments.list(id, auth);
  }

  @Patch(':recordId')
  @Roles('clinician', 'investigator')
  correct(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordId', ParseUUIDPipe) recordId: string,
    @Body() dto: CorrectAssessmentDto,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.assessments.correct(id, recordId, dto, auth);
  }

  @Post(':recordId/void')
  @Roles('clinician', 'investigator')
  @HttpCode(200)
  void(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordId', ParseUUIDPipe) recordId: string,
    @Body() dto: VoidRecordDto,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.assessments.void(id, recordId, dto, auth);
  }
}
