import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { VoidRecordDto } from '../records/corrections';
import { CorrectDoseDto, CreateDoseDto } from './dto/dose.dto';
import { DosesService } from './doses.service';

@ApiTags('doses')
@ApiBearerAuth()
@Controller('sessions/:id/doses')
export class DosesController {
  constructor(private readonly doses: DosesService) {}

  /** Fires the dose event; a refused dose answers 409 protocol-refused with `unmet` and stores nothing. */
  @Post()
  @Roles('clinician', 'investigator')
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateDoseDto, @CurrentAuth() auth: AuthContext) {
    return this.doses.create(id, dto, auth);
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  list(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.doses.list(id, auth);
  }

  @Patch(':recordId')
  @Roles('clinician', 'investigator')
  correct(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordId', ParseUUIDPipe) recordId: string,
    @Body() dto: CorrectDoseDto,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.doses.correct(id, recordId, dto, auth);
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
    return this.doses.void(id, recordId, dto, auth);
  }
}
