import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class DeadLetterDto {
  @ApiProperty({ example: '42', description: 'Global position of the event that failed' })
  position!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 8 }) attempts!: number;
  @ApiProperty({ example: 'HTTP 500' }) lastError!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class WebhookViewResponseDto {
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ example: 'https://crm.example.com/hooks/aftercare' }) url!: string;
  @ApiProperty({ type: String, isArray: true, example: ['customer'] }) categories!: string[];
  @ApiProperty({ type: String, isArray: true, example: ['Complaint'] }) typePrefixes!: string[];
  @ApiProperty({ type: String, nullable: true }) customerId!: string | null;
  @ApiProperty({ example: 8 }) maxAttempts!: number;
  @ApiProperty({ format: 'date-time' }) registeredAt!: string;
  @ApiProperty({ enum: ['active', 'dead_letter', 'removed'] }) status!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '41',
    description: 'Position of the last acknowledged delivery',
  })
  checkpoint!: string | null;
  @ApiProperty({ type: DeadLetterDto, nullable: true }) deadLetter!: DeadLetterDto | null;
}

export class DeliveryLogEntryResponseDto {
  @ApiProperty({ example: '42' }) position!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 1 }) attempt!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 500,
    description: "The receiver's HTTP status",
  })
  status!: number | null;
  @ApiProperty({ enum: ['delivered', 'failed', 'dead_lettered'] }) outcome!: string;
  @ApiPropertyOptional({ example: 'HTTP 500' }) error?: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}
