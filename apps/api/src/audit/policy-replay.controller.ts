import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Min } from 'class-validator';
import { type PolicyReplay, Roles, WarrantyPolicyReplay } from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { IsInstantOrDate } from '../write/dto/dto-validators';
import { ReplayCostDto } from './engine-replay.response.dto';
import { ReadModelRoute } from '../read/read-model-route.decorator';

export class PolicyReplayQueryDto {
  @ApiProperty({ example: 'standard' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, { message: 'policyId is not a policy id' })
  policyId!: string;

  @ApiProperty({ example: 2, minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version!: number;

  @IsInstantOrDate({ description: 'Claims filed on or after this date (business time)' })
  from?: string;

  @IsInstantOrDate({ description: 'Claims filed on or before this date (business time)' })
  to?: string;
}

class ReplayedOutcomeDto {
  @ApiProperty({ example: 'approved' }) outcome!: string;
  @ApiProperty({ example: 800 }) coveredAmount!: number;
}

class RecordedOutcomeDto extends ReplayedOutcomeDto {
  @ApiProperty({ example: 1 }) policyVersion!: number;
}

class PolicyReplayChangeDto {
  @ApiProperty({ example: 'w-1' }) claimId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: RecordedOutcomeDto }) recorded!: RecordedOutcomeDto;
  @ApiProperty({ type: ReplayedOutcomeDto }) replayed!: ReplayedOutcomeDto;
  @ApiProperty({ example: 800, description: 'Replayed minus recorded approved amount' })
  costDifference!: number;
}

class PolicyReplayResponseDto {
  @ApiProperty({ example: 'standard' }) policyId!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ example: 120, description: 'Claims re-decided' }) claims!: number;
  @ApiProperty({ type: PolicyReplayChangeDto, isArray: true }) changed!: PolicyReplayChangeDto[];
  @ApiProperty({ type: ReplayCostDto, isArray: true, description: 'Per currency' })
  costs!: ReplayCostDto[];
}

/** Compliance what-if: the claims of a period re-decided under another policy version. */
@ApiTags('audit')
@ApiProblems(400, ...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1/audit')
export class PolicyReplayController {
  constructor(private readonly policyReplay: WarrantyPolicyReplay) {}

  @Get('policy-replay')
  @Roles('auditor')
  @ApiOperation({
    summary:
      'Claims filed in the period under a policy, re-decided with another version of it (each with the engine it recorded): the decisions that change and the cost per currency. Writes nothing.',
  })
  @ApiOkResponse({ type: PolicyReplayResponseDto })
  @ApiProblems(404)
  async replay(@Query() query: PolicyReplayQueryDto): Promise<PolicyReplay> {
    const replay = await this.policyReplay.replay(query.policyId, query.version, {
      from: query.from,
      to: query.to,
    });
    if (!replay) {
      throw new NotFoundException(`Policy ${query.policyId} has no version ${query.version}`);
    }
    return replay;
  }
}
