import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

@ValidatorConstraint({ name: 'ianaTimeZone' })
export class IsIanaTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 64) return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }

  defaultMessage(): string {
    return 'timezone must be an IANA time zone such as Europe/Amsterdam';
  }
}

export class CreateSiteDto {
  @ApiProperty({ example: 'AMS-01' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'code must be 1 to 32 letters, digits, dots, underscores or dashes' })
  code: string;

  @ApiProperty({ example: 'Amsterdam UMC, Psychiatry' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'Europe/Amsterdam' })
  @Validate(IsIanaTimeZone)
  timezone: string;

  @ApiProperty({ example: 'NL', description: 'ISO 3166-1 alpha-2' })
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as NL' })
  country: string;
}
