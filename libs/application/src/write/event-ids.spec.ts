import { AFTERCARE_NAMESPACE, entityIdFor, eventIdFor, uuidV5 } from './event-ids';

describe('name-based ids', () => {
  it('matches the RFC 4122 v5 reference value (python uuid5(NAMESPACE_DNS, "python.org"))', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('derives the same event ids for a retried command and different ones per index', () => {
    expect(eventIdFor('cmd-1', 0)).toBe(eventIdFor('cmd-1', 0));
    expect(eventIdFor('cmd-1', 0)).not.toBe(eventIdFor('cmd-1', 1));
    expect(eventIdFor('cmd-1', 0)).toBe(uuidV5('cmd-1:0', AFTERCARE_NAMESPACE));
    expect(eventIdFor('cmd-1', 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-/,
    );
  });

  it('keeps entity ids apart from event ids', () => {
    expect(entityIdFor('cmd-1', 'customerId')).not.toBe(eventIdFor('cmd-1', 0));
    expect(entityIdFor('cmd-1', 'customerId')).toBe(entityIdFor('cmd-1', 'customerId'));
  });
});
