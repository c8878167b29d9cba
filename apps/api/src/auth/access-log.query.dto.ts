import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class AccessLogQueryDto {
  @ApiPropertyOptional({ description: 'Reads at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Reads at or before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'The reader: `key:<id>`, `oidc:<sub>`, `cli:<user>`' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  principal?: string;

  @ApiPropertyOptional({
    description: 'What was read: customer.view, customer.list, audit.claim, ...',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ description: 'Whose data: a customer id or a claim id' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  subject?: string;

  @ApiPropertyOptional({ description: 'Entries after this id (the last id of the previous page)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
