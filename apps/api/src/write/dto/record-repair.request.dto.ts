import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { REPAIR_PAYERS, type RepairPayer } from '@aftercare/domain';
import { IsAmount, IsEntityId, IsText } from './dto-validators';
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

  @IsAmount({ example: 80, description: "In the purchase's currency" })
  cost!: number;

  @IsText({ required: true, max: 100 })
  defectCode!: string;

  @IsEntityId({ required: false, description: 'The warranty claim this repair fulfils' })
  warrantyClaimId?: string;
}
