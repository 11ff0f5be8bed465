import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AnyRole, CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CreateSiteDto } from './dto/site.dto';
import { SitesService, siteView } from './sites.service';

@ApiTags('sites')
@ApiBearerAuth()
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateSiteDto, @CurrentAuth() auth: AuthContext) {
    return this.sites.create(dto, auth);
  }

  @Get()
  @AnyRole()
  list(@CurrentAuth() auth: AuthContext) {
    return this.sites.list(auth);
  }

  @Get(':id')
  @AnyRole()
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return siteView(await this.sites.get(id, auth));
  }
}
