import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNumber, Min } from 'class-validator';
import { REPAIR_PAYERS, type RepairPayer } from '@aftercare/domain';
import { IsEntityId, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class RecordRepairRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  repairId?: string;

  @IsEntityId({ required: true })
  purchaseId!: string;

  @IsText({ required: true, max: 100 })
  serialNumber!: string;

  @ApiProperty({ enum: REPAIR_PAYERS })
  @IsIn(REPAIR_PAYERS)
  paidBy!: RepairPayer;

  @ApiProperty({ example: 80, minimum: 0, description: "In the purchase's currency" })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  cost!: number;

  @IsText({ required: true, max: 100 })
  defectCode!: string;

  @IsEntityId({ required: false, description: 'The warranty claim this repair fulfils' })
  warrantyClaimId?: string;
}
