import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AnyRole, CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CreateStudyDto } from './dto/study.dto';
import { StudiesService, studyView } from './studies.service';

@ApiTags('studies')
@ApiBearerAuth()
@Controller('studies')
export class StudiesController {
  constructor(private readonly studies: StudiesService) {}

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
}
