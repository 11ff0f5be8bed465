import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CLINICAL_READERS } from '../users/roles';
import { ChecklistsService } from './checklists.service';
import { AmendChecklistDto, ChecklistListQuery, RecordItemDto, SignChecklistDto } from './dto/checklist.dto';

const WRITERS = ['investigator', 'clinician'] as const;

@ApiTags('checklists')
@ApiBearerAuth()
@Controller('sessions/:id/checklists')
export class ChecklistsController {
  constructor(private readonly checklists: ChecklistsService) {}

  /** The current version of each checklist; `?history=true` adds the superseded ones. */
  @Get()
  @Roles(...CLINICAL_READERS)
  list(@Param('id', ParseUUIDPipe) id: string, @Query() query: ChecklistListQuery, @CurrentAuth() auth: AuthContext) {
    return this.checklists.list(id, auth, query.history === 'true');
  }

  /** Records one item (who and when); a signed checklist answers 409 until it is amended. */
  @Put(':key/items/:itemKey')
  @Roles(...WRITERS)
  recordItem(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('key') key: string,
    @Param('itemKey') itemKey: string,
    @Body() dto: RecordItemDto,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.checklists.recordItem(id, key, itemKey, dto, auth);
  }

  /** An electronic signature over the complete checklist; 409 protocol-refused lists what is missing. */
  @Post(':key/signatures')
  @Roles(...WRITERS)
  sign(@Param('id', ParseUUIDPipe) id: string, @Param('key') key: string, @Body() dto: SignChecklistDto, @CurrentAuth() auth: AuthContext) {
    return this.checklists.sign(id, key, dto, auth);
  }

  /** Reopens a signed checklist as a new version; its signatures are voided. */
  @Post(':key/amendments')
  @Roles(...WRITERS)
  amend(@Param('id', ParseUUIDPipe) id: string, @Param('key') key: string, @Body() dto: AmendChecklistDto, @CurrentAuth() auth: AuthContext) {
    return this.checklists.amend(id, key, dto, auth);
  }
}
