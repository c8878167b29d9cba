import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WARRANTY_OUTCOMES, WARRANTY_REMEDIES } from '@aftercare/domain';

/** What every write answers (201). Bigints are decimal strings. */
export class CommandResultResponseDto {
  @ApiProperty({ example: 'customer-ada' })
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
  @ApiProperty({ example: 'passed', description: 'passed, failed, not_applicable, ...' })
  result!: string;
  @ApiProperty({ example: 'cover', description: 'What the rule does to the outcome' })
  effect!: string;
  @ApiProperty() explanation!: string;
  @ApiPropertyOptional({ description: 'Legal rules: the provision applied' }) statute?: string;
}

/** A warranty claim write: the outcome in effect after it. */
export class WarrantyClaimResponseDto extends CommandResultResponseDto {
  @ApiProperty() claimId!: string;
  @ApiProperty({ enum: WARRANTY_OUTCOMES }) outcome!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'repair',
    description: `One of ${WARRANTY_REMEDIES.join(', ')}; null when nothing is covered`,
  })
  remedy!: string | null;
  @ApiProperty() coveredAmount!: number;
  @ApiPropertyOptional() currency?: string;
  @ApiPropertyOptional() policyVersion?: number;
  @ApiPropertyOptional({ example: 'DE', description: 'The consumer-law row applied' })
  law?: string;
  @ApiPropertyOptional({ example: 'warranty-engine/2' }) engineVersion?: string;
  @ApiPropertyOptional({ type: RuleTraceEntryResponseDto, isArray: true })
  ruleTrace?: RuleTraceEntryResponseDto[];
  @ApiPropertyOptional() factsDigest?: string;
}

export class WarrantyFulfilmentResponseDto extends CommandResultResponseDto {
  @ApiProperty() claimId!: string;
  @ApiProperty({ enum: WARRANTY_REMEDIES }) remedy!: string;
  @ApiProperty() amount!: number;
  @ApiProperty() currency!: string;
}
