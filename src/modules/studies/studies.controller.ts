import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AnyRole, CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { ConfigurationService, configurationView } from './configuration.service';
import { PutConfigurationDto } from './dto/configuration.dto';
import { CreateStudyDto } from './dto/study.dto';
import { StudiesService, studyView } from './studies.service';

@ApiTags('studies')
@ApiBearerAuth()
@Controller('studies')
export class StudiesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly configuration: ConfigurationService,
  ) {}

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateStudyDto, @CurrentAuth() auth: AuthContext) {
    return this.studies.create(dto, auth);
  }

  @Get()
  @AnyRole()
  list() {
    return this.studies.list();
  }

  @Get(':id')
  @AnyRole()
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return studyView(await this.studies.get(id));
  }

  @Get(':id/configuration')
  @AnyRole()
  async getConfiguration(@Param('id', ParseUUIDPipe) id: string) {
    return configurationView(await this.configuration.current(id));
  }

  /** Investigators and admins set a study's parameters; each change is a new, audited version. */
  @Put(':id/configuration')
  @Roles('admin', 'investigator')
  putConfiguration(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PutConfigurationDto, @CurrentAuth() auth: AuthContext) {
    return this.configuration.put(id, dto.parameters, dto.reason, auth);
  }
}
