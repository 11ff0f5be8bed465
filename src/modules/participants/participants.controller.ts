import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { CreateParticipantDto, EventDto, ListParticipantsQuery } from './dto/participant.dto';
import { ParticipantsService } from './participants.service';

@ApiTags('participants')
@ApiBearerAuth()
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @Roles('investigator', 'clinician')
  create(@Body() dto: CreateParticipantDto, @CurrentAuth() auth: AuthContext) {
    return this.participants.create(dto, auth);
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  list(@Query() query: ListParticipantsQuery, @CurrentAuth() auth: AuthContext) {
    return this.participants.list(query, auth);
  }

  @Get(':id')
  @Roles(...CLINICAL_READERS)
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.participants.view(await this.participants.get(id, auth));
  }

  /** Course events: consent, eligibility, and the endings (each with a reason). */
  @Post(':id/events')
  @Roles('investigator', 'clinician')
  @HttpCode(200)
  event(@Param('id', ParseUUIDPipe) id: string, @Body() dto: EventDto, @CurrentAuth() auth: AuthContext) {
    return this.participants.courseEvent(id, dto, auth);
  }
}
