import { randomBytes } from 'node:crypto';
import { openBox, sealBox } from './secret-box';

describe('secret box', () => {
  const key = randomBytes(32);

  it('opens what it sealed, for the same owner only', () => {
    const box = sealBox(key, Buffer.from('Ada Lovelace'), 'customer-ada');
    expect(openBox(key, box, 'customer-ada').toString()).toBe('Ada Lovelace');
    expect(() => openBox(key, box, 'customer-bo')).toThrow();
  });

  it('never seals two messages under the same nonce, across refills of its random pool', () => {
    const nonces = new Set<string>();
    // 4,096 random bytes a refill, 12 a nonce: this crosses several refills.
    for (let i = 0; i < 2_000; i++) {
      nonces.add(sealBox(key, Buffer.from('same'), 'customer-ada').subarray(0, 12).toString('hex'));
    }
    expect(nonces.size).toBe(2_000);
  });
});
