import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AllowPendingPasswordChange, AnyRole, CurrentAuth, Public } from './auth.decorators';
import type { AuthContext } from './auth-context';
import { AuthService, LoginResult } from './auth.service';
import { ChangePasswordDto, LoginDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Rate-limited per address (429 with Retry-After) on top of the per-account lockout. */
  @Post('login')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  login(@Body() body: LoginDto): Promise<LoginResult> {
    return this.auth.login(body.username, body.password);
  }

  @Post('refresh')
  @ApiBearerAuth()
  @AnyRole()
  @AllowPendingPasswordChange()
  @HttpCode(200)
  refresh(@CurrentAuth() auth: AuthContext): Promise<LoginResult> {
    return this.auth.refresh(auth);
  }

  @Post('logout')
  @ApiBearerAuth()
  @AnyRole()
  @AllowPendingPasswordChange()
  @HttpCode(200)
  async logout(@CurrentAuth() auth: AuthContext): Promise<{ ended: true }> {
    await this.auth.logout(auth);
    return { ended: true };
  }

  @Post('password')
  @ApiBearerAuth()
  @AnyRole()
  @AllowPendingPasswordChange()
  @HttpCode(200)
  async changePassword(@CurrentAuth() auth: AuthContext, @Body() body: ChangePasswordDto): Promise<{ changed: true }> {
    await this.auth.changePassword(auth, body.currentPassword, body.newPassword);
    return { changed: true };
  }
}
