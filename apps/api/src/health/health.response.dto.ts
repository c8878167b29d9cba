import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class StoreHealthDto {
  @ApiProperty({ enum: ['sqlite', 'postgres', 'eventstoredb'] }) store!: string;
  @ApiProperty({ example: true }) reachable!: boolean;
  @ApiPropertyOptional() detail?: string;
}

export class ProjectionFailureDto {
  @ApiProperty() error!: string;
  @ApiProperty({ type: String, nullable: true }) position!: string | null;
  @ApiProperty({ type: String, nullable: true }) eventId!: string | null;
}

export class ProjectionHealthDto {
  @ApiProperty({ example: 'customer_profile' }) name!: string;
  @ApiProperty({ example: 'running' }) status!: string;
  @ApiProperty() runningHere!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '1042' }) checkpoint!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '1042' }) headPosition!: string | null;
  @ApiProperty({ example: 0 }) lag!: number;
  @ApiProperty() lagIsLowerBound!: boolean;
  @ApiProperty({ type: ProjectionFailureDto, nullable: true })
  failure!: ProjectionFailureDto | null;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'unavailable'] }) status!: string;
  @ApiProperty({
    type: StoreHealthDto,
  })
  store!: StoreHealthDto;
  @ApiProperty({ type: ProjectionHealthDto, isArray: true }) projections!: ProjectionHealthDto[];
}
