import { customerView, ERASED, REDACTED } from '@aftercare/application';
import { customerProfileProjection, initialSatisfaction } from '@aftercare/projections';
// The folds' journey fixtures: spec helpers of the projections library, not part of its exports.
import { CUSTOMER, purchase, registered } from '../../../../libs/projections/src/journey.fixtures';
import { given } from '../../../../libs/projections/src/spec-events';
import { formatCustomerView } from './customer.command';

describe('customer show (text)', () => {
  const view = customerView({
    profile: given(customerProfileProjection, CUSTOMER, [
      registered(),
      purchase('p1', '2024-01-10T10:00:00Z'),
    ]),
    satisfaction: initialSatisfaction(CUSTOMER),
    now: '2024-06-01T00:00:00Z',
    fit: null,
  });
  const firstLine = (contact: { name: unknown; email: unknown }): string =>
    formatCustomerView({ ...view, contact } as typeof view).split('\n')[0];

  it('names the customer and their email', () => {
    expect(firstLine({ name: 'Ada Lovelace', email: 'ada@example.com' })).toBe(
      `Customer ${CUSTOMER} — Ada Lovelace <ada@example.com>`,
    );
  });

  it('says erased where the contact was erased after the date shown (--as-of, --known-at)', () => {
    // The vault puts {"erased": true} in each sealed field whose key is gone.
    expect(firstLine({ name: ERASED, email: ERASED })).toBe(
      `Customer ${CUSTOMER} — [erased] <[erased]>`,
    );
  });

  it('says redacted where the reader may not see personal data', () => {
    expect(firstLine({ name: REDACTED, email: REDACTED })).toBe(
      `Customer ${CUSTOMER} — [redacted] <[redacted]>`,
    );
  });
});
