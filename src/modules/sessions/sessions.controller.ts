import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { EventDto } from '../participants/dto/participant.dto';
import { CreateOverrideDto, CreateSessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller()
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('participants/:id/sessions')
  @Roles('investigator', 'clinician')
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateSessionDto, @CurrentAuth() auth: AuthContext) {
    return this.sessions.create(id, dto, auth);
  }

  @Get('participants/:id/sessions')
  @Roles(...CLINICAL_READERS)
  list(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.sessions.listForParticipant(id, auth);
  }

  @Get('participants/:id/deviations')
  @Roles(...CLINICAL_READERS)
  participantDeviations(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.sessions.participantDeviations(id, auth);
  }

  /** Follow-up contacts, reachability and visit windows with their due times. */
  @Get('participants/:id/tasks')
  @Roles(...CLINICAL_READERS)
  tasks(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.sessions.tasks(id, auth);
  }

  @Get('sessions/:id')
  @Roles(...CLINICAL_READERS)
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.sessions.view(await this.sessions.get(id, auth), auth);
  }

  /** Protocol steps; a refused step answers 409 protocol-refused with `unmet`. */
  @Post('sessions/:id/events')
  @Roles('investigator', 'clinician', 'monitor')
  @HttpCode(200)
  event(@Param('id', ParseUUIDPipe) id: string, @Body() dto: EventDto, @CurrentAuth() auth: AuthContext) {
    return this.sessions.event(id, dto, auth);
  }

  @Post('sessions/:id/overrides')
  @Roles('investigator')
  override(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateOverrideDto, @CurrentAuth() auth: AuthContext) {
    return this.sessions.override(id, dto, auth);
  }

  @Get('sessions/:id/deviations')
  @Roles(...CLINICAL_READERS)
  deviations(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.sessions.deviations(id, auth);
  }
}
