import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AnyRole } from '../auth/auth.decorators';
import { ProtocolsService } from './protocols.service';

@ApiTags('protocols')
@ApiBearerAuth()
@Controller('protocols')
export class ProtocolsController {
  constructor(private readonly protocols: ProtocolsService) {}

  @Get()
  @AnyRole()
  list() {
    return this.protocols.list();
  }

  @Get(':id')
  @AnyRole()
  @ApiQuery({ name: 'version', required: false })
  get(@Param('id') id: string, @Query('version') version?: string) {
    return this.protocols.describe(id, typeof version === 'string' && version ? version : undefined);
  }
}
