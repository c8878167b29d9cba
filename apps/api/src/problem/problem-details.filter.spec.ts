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

  it("answers the static files' refusals (http-errors with expose) with their own 4xx", () => {
    // @fastify/send, serving /docs and /console: `..` in the path, If-Match, an unsatisfiable Range.
    for (const [status, message] of [
      [403, 'Forbidden'],
      [412, 'Precondition Failed'],
      [416, 'Range Not Satisfiable'],
    ] as const) {
      const error = Object.assign(new Error(message), { status, statusCode: status, expose: true });
      expect(filter.toProblem(error)).toMatchObject({ status, detail: message });
    }
    // A 4xx status an error does not say is safe to show stays an opaque 500.
    const hidden = Object.assign(new Error('ENOENT /srv/x'), { statusCode: 404, expose: false });
    expect(filter.toProblem(hidden)).toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('keeps an unknown failure an opaque 500', () => {
    expect(filter.toProblem(new Error('secret detail'))).toMatchObject({
      status: 500,
      code: 'internal_error',
      detail: 'An unexpected error occurred',
    });
  });
});
