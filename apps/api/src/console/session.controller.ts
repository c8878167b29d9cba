import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import {
  canReadPii,
  COMPLAINT_TARGETS,
  CurrentPrincipal,
  type Principal,
  ROLES,
  Roles,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';

class ComplaintTargetDto {
  @ApiProperty({ example: 48 }) acknowledgeWithinHours!: number;
  @ApiProperty({ example: 240 }) resolveWithinHours!: number;
}

class ComplaintTargetsDto {
  @ApiProperty({ type: ComplaintTargetDto }) critical!: ComplaintTargetDto;
  @ApiProperty({ type: ComplaintTargetDto }) high!: ComplaintTargetDto;
  @ApiProperty({ type: ComplaintTargetDto }) medium!: ComplaintTargetDto;
  @ApiProperty({ type: ComplaintTargetDto }) low!: ComplaintTargetDto;
}

export class SessionResponseDto {
  @ApiProperty({ example: 'key:0f3a9c1d2b4e5f60' }) principalId!: string;
  @ApiProperty({ example: 'service desk' }) name!: string;
  @ApiProperty({ enum: ['api_key', 'oidc', 'cli', 'system'] }) kind!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: string[];
  @ApiProperty({ description: 'Whether personal data reaches this caller' }) canReadPii!: boolean;
  @ApiProperty({
    type: ComplaintTargetsDto,
    description: 'Complaint handling targets by severity (both clocks start at filing)',
  })
  complaintTargets!: ComplaintTargetsDto;
}

export interface SessionResponse {
  principalId: string;
  name: string;
  kind: Principal['kind'];
  roles: string[];
  canReadPii: boolean;
  complaintTargets: typeof COMPLAINT_TARGETS;
}

/** Who the caller is, so a client (the web console) shows only what the roles allow. */
@ApiTags('session')
@ApiProblems(...COMMON_PROBLEMS)
@Controller('v1/session')
export class SessionController {
  @Roles(...ROLES)
  @Get()
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiOperation({ summary: "The caller's identity, roles and whether it may read personal data" })
  session(@CurrentPrincipal() principal: Principal): SessionResponse {
    return {
      principalId: principal.id,
      name: principal.name,
      kind: principal.kind,
      roles: [...principal.roles],
      canReadPii: canReadPii(principal),
      complaintTargets: COMPLAINT_TARGETS,
    };
  }
}
