import { ApiProperty } from '@nestjs/swagger';

export class PolicySummaryResponseDto {
  @ApiProperty({ example: 'standard' }) policyId!: string;
  @ApiProperty({ example: 'Standard warranty', description: "The latest version's name" })
  name!: string;
  @ApiProperty({ type: Number, isArray: true, example: [1, 2] }) versions!: number[];
  @ApiProperty({ example: 2 }) latestVersion!: number;
  @ApiProperty({ format: 'date-time' }) latestEffectiveFrom!: string;
}

export class PolicyVersionResponseDto {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'Standard warranty' }) name!: string;
  @ApiProperty({ format: 'date-time' }) effectiveFrom!: string;
  @ApiProperty({ format: 'date-time' }) publishedAt!: string;
  @ApiProperty({ type: String, nullable: true }) publishedBy!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The terms as published',
  })
  terms!: Record<string, unknown>;
}

export class PolicyDetailResponseDto {
  @ApiProperty({ example: 'standard' }) policyId!: string;
  @ApiProperty({ example: 'Standard warranty' }) name!: string;
  @ApiProperty({ type: PolicyVersionResponseDto, isArray: true })
  versions!: PolicyVersionResponseDto[];
}
