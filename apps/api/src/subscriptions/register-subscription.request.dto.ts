import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

/** Caps that keep one subscription's filter cheap to evaluate on every event. */
export const MAX_SUBSCRIPTION_CATEGORIES = 20;
export const MAX_SUBSCRIPTION_TYPES = 50;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export class RegisterSubscriptionRequestDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/aftercare', maxLength: 2000 })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({
    description:
      'Shared secret for the HMAC-SHA256 signature (16 to 200 characters); generated when absent. Shown once, in the answer to this request, and stored sealed.',
    minLength: 16,
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @Length(16, 200)
  secret?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['customer'],
    maxItems: MAX_SUBSCRIPTION_CATEGORIES,
    description: 'Stream categories (letters, digits, _ . : -; up to 100 characters each)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SUBSCRIPTION_CATEGORIES)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(NAME, { each: true, message: 'each category may hold letters, digits, _ . : - only' })
  categories?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['Complaint'],
    maxItems: MAX_SUBSCRIPTION_TYPES,
    description: 'Event type prefixes (up to 100 characters each)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SUBSCRIPTION_TYPES)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(NAME, { each: true, message: 'each type may hold letters, digits, _ . : - only' })
  types?: string[];

  @ApiPropertyOptional({ maxLength: 100, description: 'Only events of this customer' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'customerId may hold letters, digits, _ . : - only' })
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
    type: String,
    pattern: '^(start|end|\\d{1,19})$',
    description: "'end' (default) for events from now on, 'start' for all history, or a position",
  })
  // Only absence means the default: `null` is refused rather than turned into a position.
  @ValidateIf((body: RegisterSubscriptionRequestDto) => body.from !== undefined)
  @IsString()
  @MinLength(1)
  @Matches(/^(start|end|\d{1,19})$/, {
    message: "from must be 'start', 'end' or a global position",
  })
  from?: string;
}
