import { UnknownReadModelError } from '@aftercare/read-models';
import { ProblemDetailsFilter } from './problem-details.filter';

describe('ProblemDetailsFilter', () => {
  const filter = new ProblemDetailsFilter();

  it('answers a read of a read model no projector has created yet as 503, not 500', () => {
    // PostgreSQL with the projections run apart: the API is up before the projector's first start.
    const problem = filter.toProblem(new UnknownReadModelError('customer_profile'));
    expect(problem).toMatchObject({
      status: 503,
      code: 'read_model_unavailable',
      type: 'https://aftercare.dev/problems/read-model-unavailable',
    });
    expect(problem.detail).toContain("'customer_profile'");
    expect(problem.detail).toContain('projector');
  });

  it('keeps an unknown failure an opaque 500', () => {
    expect(filter.toProblem(new Error('secret detail'))).toMatchObject({
      status: 500,
      code: 'internal_error',
      detail: 'An unexpected error occurred',
    });
  });
});
