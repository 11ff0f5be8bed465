import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { AdverseEventsService } from './adverse-events.service';
import {
  ConfirmAdverseEventDto,
  CreateAdverseEventDto,
  ListAdverseEventsQuery,
  ReportAdverseEventDto,
  UpdateAdverseEventDto,
  VoidAdverseEventDto,
} from './dto/adverse-event.dto';

const RECORDERS = ['investigator', 'clinician'] as const;

@ApiTags('adverse-events')
@ApiBearerAuth()
@Controller()
export class AdverseEventsController {
  constructor(private readonly adverseEvents: AdverseEventsService) {}

  /** Never gated by the protocol: recordable in any session state. */
  @Post('sessions/:id/adverse-events')
  @Roles(...RECORDERS)
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateAdverseEventDto, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.create(id, dto, auth);
  }

  @Get('sessions/:id/adverse-events')
  @Roles(...CLINICAL_READERS)
  listForSession(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.listForSession(id, auth);
  }

  @Get('adverse-events')
  @Roles(...CLINICAL_READERS)
  list(@Query() query: ListAdverseEventsQuery, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.list(query, auth);
  }

  @Get('adverse-events/:id')
  @Roles(...CLINICAL_READERS)
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.get(id, auth);
  }

  @Patch('adverse-events/:id')
  @Roles(...RECORDERS)
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateAdverseEventDto, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.update(id, dto, auth);
  }

  @Post('adverse-events/:id/void')
  @Roles(...RECORDERS)
  @HttpCode(200)
  void(@Param('id', ParseUUIDPipe) id: string, @Body() dto: VoidAdverseEventDto, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.void(id, dto, auth);
  }

  /** The investigator's signed confirmation of grade and relatedness: 201 with the event. */
  @Post('adverse-events/:id/confirmations')
  @Roles('investigator')
  confirm(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ConfirmAdverseEventDto, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.confirm(id, dto, auth);
  }

  /** Marks a serious event as reported to the sponsor. */
  @Post('adverse-events/:id/report')
  @Roles(...RECORDERS)
  @HttpCode(200)
  report(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ReportAdverseEventDto, @CurrentAuth() auth: AuthContext) {
    return this.adverseEvents.report(id, dto, auth);
  }
}
