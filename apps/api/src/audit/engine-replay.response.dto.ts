import { ApiProperty } from '@nestjs/swagger';

class ReplayedDecisionDto {
  @ApiProperty({ example: 'warranty-engine/1' }) engineVersion!: string;
  @ApiProperty({ example: 'rejected' }) outcome!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) remedy!: string | null;
  @ApiProperty({ example: 0 }) coveredAmount!: number;
}

export class EngineReplayRowDto {
  @ApiProperty({ example: 'w-1' }) claimId!: string;
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ format: 'date-time' }) filedAt!: string;
  @ApiProperty({
    example: 'GB-EAW',
    description: 'The consumer-law row the current engine applies',
  })
  law!: string;
  @ApiProperty({ example: 'GBP' }) currency!: string;
  @ApiProperty({ type: ReplayedDecisionDto }) recorded!: ReplayedDecisionDto;
  @ApiProperty({ type: ReplayedDecisionDto }) replayed!: ReplayedDecisionDto;
  @ApiProperty({ example: 'rejected', description: 'What stands today, after overrides' })
  finalOutcome!: string;
  @ApiProperty({
    example: 900,
    description: 'Replayed minus recorded approved amount, in currency',
  })
  costDifference!: number;
}

class OutcomeChangeDto {
  @ApiProperty({ example: 'rejected' }) from!: string;
  @ApiProperty({ example: 'approved' }) to!: string;
  @ApiProperty({ example: 12 }) claims!: number;
}

export class ReplayCostDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 10400 }) recorded!: number;
  @ApiProperty({ example: 12100 }) replayed!: number;
  @ApiProperty({ example: 1700 }) difference!: number;
}

export class EngineReplayResponseDto {
  @ApiProperty({ example: 'warranty-engine/2' }) engineVersion!: string;
  @ApiProperty({ type: String, nullable: true, example: '2025-01-01' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2025-12-31' }) to!: string | null;
  @ApiProperty({ example: 120, description: 'Claims re-decided' }) claims!: number;
  @ApiProperty({ example: 14, description: 'Claims the current engine decides differently' })
  changed!: number;
  @ApiProperty({ type: OutcomeChangeDto, isArray: true }) byChange!: OutcomeChangeDto[];
  @ApiProperty({ type: ReplayCostDto, isArray: true, description: 'Per currency, never summed' })
  costs!: ReplayCostDto[];
  @ApiProperty({ type: EngineReplayRowDto, isArray: true }) rows!: EngineReplayRowDto[];
}
