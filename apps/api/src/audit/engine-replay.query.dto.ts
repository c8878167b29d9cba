import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';

/** The period of filing to re-decide: both bounds required, inclusive, business time. */
export class EngineReplayQueryDto {
  @ApiProperty({
    example: '2025-01-01',
    description: 'First day (or instant) the claims were filed',
  })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({
    example: '2025-12-31',
    description: 'Last day (or instant) the claims were filed',
  })
  @IsISO8601({ strict: true })
  to!: string;
}
