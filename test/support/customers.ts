/** A customer registration the API accepts: a consumer in Germany who signed up online. */
export function registration(customerId: string) {
  return {
    customerId,
    occurredAt: '2025-01-01T09:00:00Z',
    pii: { name: 'Ada Lovelace', email: 'ada@example.com' },
    jurisdiction: 'EU',
    countryCode: 'DE',
    segment: 'consumer',
    signupChannel: 'online',
  };
}
