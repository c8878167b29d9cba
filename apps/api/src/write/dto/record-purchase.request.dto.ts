import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '@aftercare/domain';
import {
  IsAmount,
  IsCurrency,
  IsEntityId,
  IsNestedObject,
  IsSupplierBatch,
  IsText,
} from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class PurchaseWarrantyTermsDto {
  @IsEntityId({ required: true, description: 'The warranty policy the product was sold under' })
  warrantyPolicyId!: string;

  @ApiProperty({ example: 30, minimum: 0, maximum: 3650 })
  @IsInt()
  @Min(0)
  @Max(3650)
  returnWindowDays!: number;
}

export class RecordPurchaseRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  purchaseId?: string;

  @IsText({ required: true, max: 100 })
  orderId!: string;

  @IsText({ required: true, max: 100 })
  sku!: string;

  @IsText({ required: true, max: 100 })
  productCategory!: string;

  @IsText({ required: false, max: 100, description: 'Absent for products without a serial' })
  serialNumber?: string;

  @IsSupplierBatch()
  supplierBatch?: string;

  @IsAmount({ example: 499.99 })
  price!: number;

  @IsCurrency()
  currency!: string;

  @ApiProperty({ enum: SALES_CHANNELS })
  @IsIn(SALES_CHANNELS)
  channel!: SalesChannel;

  @IsNestedObject(() => PurchaseWarrantyTermsDto, { required: true })
  warranty!: PurchaseWarrantyTermsDto;
}
