import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AnyRole, CurrentAuth, Roles } from '../auth/auth.decorators';
import type { AuthContext } from '../auth/auth-context';
import { CreateUserDto, ReasonDto, ResetPasswordDto, UpdateUserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateUserDto, @CurrentAuth() auth: AuthContext) {
    return this.users.create(dto, auth);
  }

  /** Everyone may look up colleagues at their own sites (staff lists, witnesses); admins see all. */
  @Get()
  @AnyRole()
  list(@CurrentAuth() auth: AuthContext) {
    return this.users.list(auth);
  }

  @Get(':id')
  @AnyRole()
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentAuth() auth: AuthContext) {
    return this.users.view(await this.users.get(id, auth));
  }

  @Patch(':id')
  @Roles('admin')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateUserDto, @CurrentAuth() auth: AuthContext) {
    return this.users.update(id, dto, auth);
  }

  @Post(':id/unlock')
  @Roles('admin')
  @HttpCode(200)
  unlock(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ReasonDto, @CurrentAuth() auth: AuthContext) {
    return this.users.unlock(id, auth, dto.reason);
  }

  @Post(':id/password')
  @Roles('admin')
  @HttpCode(200)
  resetPassword(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ResetPasswordDto, @CurrentAuth() auth: AuthContext) {
    return this.users.resetPassword(id, dto.password, auth, dto.reason);
  }
}
