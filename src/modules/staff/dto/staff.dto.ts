import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsUUID, ValidateNested } from 'class-validator';
import type { StaffRole } from '../../../protocols/types';

export const STAFF_ROLES: readonly StaffRole[] = ['therapist', 'prescriber', 'physician', 'nurse', 'monitor', 'attendant'];

export class StaffMemberDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES)
  role: StaffRole;
}

export class PutStaffDto {
  @ApiProperty({ type: [StaffMemberDto], description: 'everyone present now; those left out are recorded as gone' })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => StaffMemberDto)
  present: StaffMemberDto[];
}
