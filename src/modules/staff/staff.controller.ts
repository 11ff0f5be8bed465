import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { PutStaffDto } from './dto/staff.dto';
import { StaffService } from './staff.service';

@ApiTags('staff')
@ApiBearerAuth()
@Controller('sessions/:id/staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  /** Who is in the room now, in which role; changes are kept with their times. */
  @Put()
  @Roles('investigator', 'clinician')
  put(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PutStaffDto, @CurrentAuth() auth: AuthContext) {
    return this.staff.put(id, dto, auth);
  }

  @Get()
  @Roles('investigator', 'clinician', 'monitor', 'auditor')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.staff.view(id, auth);
  }
}
