import { ApiProperty } from '@nestjs/swagger';

export class AccessEntryResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: string;
  @ApiProperty() principalId!: string;
  @ApiProperty() principalName!: string;
  @ApiProperty({ type: String, nullable: true }) onBehalfOf!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ type: String, nullable: true }) detail!: string | null;
  @ApiProperty({ enum: ['http', 'cli'] }) via!: string;
}

export class AccessLogPageResponseDto {
  @ApiProperty({ type: [AccessEntryResponseDto] }) entries!: AccessEntryResponseDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page' })
  next!: string | null;
}
