import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import {
  CUSTOMER_SEGMENTS,
  SALES_CHANNELS,
  type CustomerSegment,
  type SalesChannel,
} from '@aftercare/domain';
import { IsEntityId, IsNestedObject, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class PostalAddressDto {
  @IsText({ required: true, max: 200 })
  line1!: string;

  @IsText({ required: false, max: 200 })
  line2?: string;

  @IsText({ required: true, max: 100 })
  city!: string;

  @IsText({ required: true, max: 20 })
  postalCode!: string;

  @IsText({ required: false, max: 100 })
  region?: string;

  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2', pattern: '^[A-Z]{2}$' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: '$property must be an ISO 3166-1 alpha-2 code such as DE' })
  country!: string;
}

/** Personal data, kept apart so it can be erased. */
export class CustomerPiiDto {
  @IsText({ required: true, max: 200 })
  name!: string;

  @ApiProperty({ example: 'ada@example.com', format: 'email', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsText({ required: false, max: 40 })
  phone?: string;

  @IsNestedObject(() => PostalAddressDto, { required: false })
  address?: PostalAddressDto;
}

export class RegisterCustomerRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  customerId?: string;

  @IsNestedObject(() => CustomerPiiDto, { required: true })
  pii!: CustomerPiiDto;

  @ApiProperty({
    example: 'EU',
    description: "Legal regime for warranty decisions ('EU', 'UK', 'US', ...)",
    pattern: '^[A-Z]{2,8}$',
  })
  @IsString()
  @Matches(/^[A-Z]{2,8}$/, { message: '$property must be an upper-case code such as EU' })
  jurisdiction!: string;

  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2', pattern: '^[A-Z]{2}$' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: '$property must be an ISO 3166-1 alpha-2 code such as DE' })
  countryCode!: string;

  @ApiProperty({ enum: CUSTOMER_SEGMENTS })
  @IsIn(CUSTOMER_SEGMENTS)
  segment!: CustomerSegment;

  @ApiProperty({ enum: SALES_CHANNELS })
  @IsIn(SALES_CHANNELS)
  signupChannel!: SalesChannel;
}
