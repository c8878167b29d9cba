import { ApiProperty } from '@nestjs/swagger';

const OPEN = { type: 'object', additionalProperties: true } as const;

export class DecisionRowDto {
  @ApiProperty({ example: 'w-1' }) claimId!: string;
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ format: 'date-time' }) filedAt!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ example: 'standard' }) policyId!: string;
  @ApiProperty({ example: 1 }) policyVersion!: number;
  @ApiProperty({ example: 'DE', description: 'The consumer-law row (or v1 jurisdiction) applied' })
  jurisdiction!: string;
  @ApiProperty({ example: 'warranty-engine/2' }) engineVersion!: string;
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty({ example: 'approved', description: "The engine's outcome" }) outcome!: string;
  @ApiProperty({ example: 'approved', description: 'The outcome after any override' })
  finalOutcome!: string;
  @ApiProperty({ type: String, nullable: true, example: 'repair' }) remedy!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'repair', description: 'After overrides' })
  finalRemedy!: string | null;
  @ApiProperty({ example: 899, description: "The engine's covered amount" }) coveredAmount!: number;
  @ApiProperty({ example: 899, description: 'After overrides: an override costs what it approved' })
  finalCoveredAmount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty() overridden!: boolean;
  @ApiProperty() insideLegalGuarantee!: boolean;
  @ApiProperty({ type: String, isArray: true }) failedRules!: string[];
}

export class DecisionsResponseDto {
  @ApiProperty({ type: DecisionRowDto, isArray: true, description: 'This page, by filing date' })
  decisions!: DecisionRowDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  nextCursor!: string | null;
  @ApiProperty({
    ...OPEN,
    description:
      'Approval rates by policy version, product and rule; rejections inside the legal guarantee',
  })
  summary!: Record<string, unknown>;
}

export class ClaimVerificationDto {
  @ApiProperty({ ...OPEN, description: 'The hash chain over the claim stream' })
  chain!: Record<string, unknown>;
  @ApiProperty({ ...OPEN, nullable: true, description: 'The decision recomputed from its facts' })
  recomputation!: Record<string, unknown> | null;
  @ApiProperty({ type: Boolean, nullable: true }) policyMatchesPublished!: boolean | null;
  @ApiProperty() ok!: boolean;
}

export class ClaimAuditResponseDto {
  @ApiProperty({ example: 'w-1' }) claimId!: string;
  @ApiProperty({ example: 'warranty-w-1' }) streamId!: string;
  @ApiProperty({ ...OPEN, nullable: true, description: 'WarrantyClaimFiled as recorded' })
  claim!: Record<string, unknown> | null;
  @ApiProperty({
    ...OPEN,
    nullable: true,
    description: 'Outcome, remedy, amount, facts and their digest, policy version, rule trace',
  })
  decision!: Record<string, unknown> | null;
  @ApiProperty({
    type: 'array',
    items: OPEN,
    description: 'Every decision: on filing, then after each assessment or refusal',
  })
  decisions!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: OPEN }) assessments!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: OPEN }) remedyRefusals!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: OPEN }) overrides!: Record<string, unknown>[];
  @ApiProperty({ type: String, nullable: true, example: 'approved' })
  finalOutcome!: string | null;
  @ApiProperty({ type: 'array', items: OPEN }) events!: Record<string, unknown>[];
  @ApiProperty({ type: ClaimVerificationDto }) verification!: ClaimVerificationDto;
}
