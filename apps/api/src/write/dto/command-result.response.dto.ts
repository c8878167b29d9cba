import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What every write answers (201). Bigints are decimal strings. */
export class CommandResultResponseDto {
  @ApiProperty({ example: 'customer-9f0c...' })
  streamId!: string;

  @ApiProperty({ type: String, isArray: true, description: 'Ids of the events recorded' })
  eventIds!: string[];

  @ApiProperty({ example: '3', description: 'Stream revision after the command' })
  revision!: string;

  @ApiProperty({ example: '42', description: 'Global position of the last event recorded' })
  position!: string;

  @ApiPropertyOptional() customerId?: string;
  @ApiPropertyOptional() purchaseId?: string;
  @ApiPropertyOptional() deliveryId?: string;
  @ApiPropertyOptional() complaintId?: string;
  @ApiPropertyOptional() repairId?: string;
  @ApiPropertyOptional() returnId?: string;
  @ApiPropertyOptional() feedbackId?: string;
  @ApiPropertyOptional() referralId?: string;
  @ApiPropertyOptional() planId?: string;
  @ApiPropertyOptional() policyId?: string;
  @ApiPropertyOptional() version?: number;
}

export class RuleTraceEntryResponseDto {
  @ApiProperty() ruleId!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) inputs!: Record<string, unknown>;
  @ApiProperty({ enum: ['passed', 'failed', 'not_applicable'] }) result!: string;
  @ApiProperty({ enum: ['none', 'cover', 'no_cover', 'reject', 'needs_review'] }) effect!: string;
  @ApiProperty() explanation!: string;
}

/** A warranty claim write: the outcome in effect after it. */
export class WarrantyClaimResponseDto extends CommandResultResponseDto {
  @ApiProperty() claimId!: string;
  @ApiProperty({ enum: ['approved', 'rejected', 'needs_review'] }) outcome!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['repair', 'replace', 'refund'] })
  remedy!: string | null;
  @ApiProperty() coveredAmount!: number;
  @ApiPropertyOptional() currency?: string;
  @ApiPropertyOptional() policyVersion?: number;
  @ApiPropertyOptional({ type: RuleTraceEntryResponseDto, isArray: true })
  ruleTrace?: RuleTraceEntryResponseDto[];
  @ApiPropertyOptional() factsDigest?: string;
}

export class WarrantyFulfilmentResponseDto extends CommandResultResponseDto {
  @ApiProperty() claimId!: string;
  @ApiProperty({ enum: ['repair', 'replace', 'refund'] }) remedy!: string;
  @ApiProperty() amount!: number;
  @ApiProperty() currency!: string;
}
