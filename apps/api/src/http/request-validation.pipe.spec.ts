import { BadRequestException } from '@nestjs/common';
import { IsInt, IsOptional, IsString, Max } from 'class-validator';
import { Transform } from 'class-transformer';
import { RequestValidationPipe } from './request-validation.pipe';

class OptionalQuery {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsInt()
  page?: number = 1;
}

class RequiredQuery {
  @IsString()
  term!: string;
}

describe('RequestValidationPipe', () => {
  const pipe = new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
  });
  const query = (metatype: new () => object) => ({ type: 'query' as const, metatype });

  it('answers an empty query with the DTO and its defaults, every time', async () => {
    for (let i = 0; i < 3; i++) {
      const value = await pipe.transform({}, query(OptionalQuery));
      expect(value).toBeInstanceOf(OptionalQuery);
      expect(value).toEqual(Object.assign(new OptionalQuery(), { page: 1 }));
    }
  });

  it('still validates every query that has parameters', async () => {
    await pipe.transform({}, query(OptionalQuery));
    expect(await pipe.transform({ limit: '20' }, query(OptionalQuery))).toMatchObject({
      limit: 20,
    });
    await expect(pipe.transform({ limit: '900' }, query(OptionalQuery))).rejects.toThrow(
      BadRequestException,
    );
    await expect(pipe.transform({ limt: '20' }, query(OptionalQuery))).rejects.toThrow(
      BadRequestException,
    );
  });

  it('refuses an empty query every time when the DTO requires a parameter', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({}, query(RequiredQuery))).rejects.toThrow(BadRequestException);
    }
  });
});
