import { IsInt, IsPositive, IsString, MaxLength, validate } from 'class-validator';
import { rememberValidationMetadata } from './validation-metadata-memo';

class Scored {
  @IsInt()
  score!: number;
}

class Commented extends Scored {
  @IsString()
  @MaxLength(5)
  comment!: string;
}

const failing = async (value: object) =>
  (await validate(value, { whitelist: true, forbidNonWhitelisted: true }))
    .map((error) => `${error.property}:${Object.keys(error.constraints ?? {}).join(',')}`)
    .sort();

describe('rememberValidationMetadata', () => {
  beforeAll(() => rememberValidationMetadata());

  it('validates with the rules of the class and its parents, every time', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        await failing(Object.assign(new Commented(), { score: 1.5, comment: 'too long' })),
      ).toEqual(['comment:maxLength', 'score:isInt']);
      expect(await failing(Object.assign(new Commented(), { score: 2, comment: 'ok' }))).toEqual(
        [],
      );
      expect(await failing(Object.assign(new Scored(), { score: 2, comment: 'x' }))).toEqual([
        'comment:whitelistValidation',
      ]);
    }
  });

  it('applies a rule registered after validations began', async () => {
    class Late {
      @IsInt()
      n!: number;
    }
    expect(await failing(Object.assign(new Late(), { n: -1 }))).toEqual([]);
    IsPositive()(Late.prototype, 'n');
    expect(await failing(Object.assign(new Late(), { n: -1 }))).toEqual(['n:isPositive']);
  });
});
