import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

export class RegisterSubscriptionRequestDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/aftercare' })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url!: string;

  @ApiProperty({
    description: 'Shared secret for the HMAC-SHA256 signature (at least 16 characters)',
  })
  @IsString()
  @MinLength(16)
  secret!: string;

  @ApiPropertyOptional({ type: [String], example: ['customer'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  categories?: string[];

  @ApiPropertyOptional({ type: [String], example: ['Complaint'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  types?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  customerId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 50,
    description: 'Attempts before dead-lettering (default 8)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxAttempts?: number;

  @ApiPropertyOptional({
    description: "'end' (default) for events from now on, 'start' for all history, or a position",
  })
  @IsOptional()
  @Matches(/^(start|end|\d+)$/, { message: "from must be 'start', 'end' or a global position" })
  from?: string;
}
