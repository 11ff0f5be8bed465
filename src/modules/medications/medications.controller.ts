import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { VoidRecordDto } from '../records/corrections';
import { CorrectMedicationDto, CreateMedicationDto } from './dto/medication.dto';
import { MedicationsService } from './medications.service';

@ApiTags('medications')
@ApiBearerAuth()
@Controller('sessions/:id/medications')
export class MedicationsController {
  constructor(private readonly medications: MedicationsService) {}

  /** Never gated: also after the session closed. */
  @Post()
  @Roles('clinician', 'investigator')
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateMedicationDto, @CurrentAuth() auth: AuthContext) {
    return this.medications.create(id, dto, auth);
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  list(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.medications.list(id, auth);
  }

  @Patch(':recordId')
  @Roles('clinician', 'investigator')
  correct(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordId', ParseUUIDPipe) recordId: string,
    @Body() dto: CorrectMedicationDto,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.medications.correct(id, recordId, dto, auth);
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
    return this.medications.void(id, recordId, dto, auth);
  }
}
