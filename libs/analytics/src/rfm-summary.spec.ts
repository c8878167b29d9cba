import {
  TransactionParseError,
  parseCdnowTransactions,
  parseCsvTransactions,
  parseTransactions,
  summarizeTransactions,
} from './rfm-summary';

describe('summarizeTransactions', () => {
  const tx = (customerId: string, date: string, amount: number) => ({ customerId, date, amount });

  it('counts repeat purchase days, merging same-day purchases, in weeks from the first purchase', () => {
    const [a] = summarizeTransactions(
      [
        tx('a', '2024-01-01', 10),
        tx('a', '2024-01-01', 5), // same day as the first purchase: not a repeat
        tx('a', '2024-01-15', 20),
        tx('a', '2024-01-15', 4), // merged with the other 2024-01-15 purchase
        tx('a', '2024-02-12', 30),
      ],
      '2024-03-11',
    );
    expect(a).toEqual({
      customerId: 'a',
      x: 2,
      tx: 6, // 42 days
      T: 10, // 70 days
      monetary: (24 + 30) / 2,
      firstPurchase: '2024-01-01',
    });
  });

  it('ignores transactions after the calibration end and customers who start after it', () => {
    const summary = summarizeTransactions(
      [
        tx('a', '2024-01-01', 10),
        tx('b', '2024-03-01', 10),
        tx('a', '2024-02-01', 99),
        tx('a', '2024-01-08', 7),
      ],
      '2024-01-29',
    );
    expect(summary).toEqual([
      { customerId: 'a', x: 1, tx: 1, T: 4, monetary: 7, firstPurchase: '2024-01-01' },
    ]);
  });

  it('sorts each customer by date and keeps customers in order of first appearance', () => {
    const summary = summarizeTransactions(
      [tx('z', '2024-01-15', 3), tx('y', '2024-01-01', 1), tx('z', '2024-01-01', 2)],
      '2024-01-15',
    );
    expect(summary.map((c) => [c.customerId, c.x, c.tx, c.T, c.monetary])).toEqual([
      ['z', 1, 2, 2, 3],
      ['y', 0, 0, 2, 0],
    ]);
  });

  it('counts days across month, year and leap-day boundaries', () => {
    const [c] = summarizeTransactions(
      [tx('c', '2023-12-31', 1), tx('c', '2024-02-29', 1)],
      '2024-03-01',
    );
    expect(c.tx * 7).toBeCloseTo(60, 10);
    expect(c.T * 7).toBeCloseTo(61, 10);
  });

  it('rejects a calibration end that is not a date', () => {
    expect(() => summarizeTransactions([], '2024-02-30')).toThrow(RangeError);
  });
});

describe('parseCdnowTransactions', () => {
  it('reads the 5-column sample layout, using the sample id as customer id', () => {
    const text = ' 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n';
    expect(parseCdnowTransactions(text)).toEqual([
      { customerId: '0001', date: '1997-01-01', amount: 29.33 },
      { customerId: '0001', date: '1997-01-18', amount: 29.73 },
    ]);
  });

  it('reads the master layout with its header', () => {
    const text = ' customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n';
    expect(parseTransactions(text, 'cdnow')).toEqual([
      { customerId: '00001', date: '1997-01-01', amount: 11.77 },
    ]);
  });

  it.each([
    [' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2\n', 2, /columns/],
    [' 00004 0001 19970101  2   29.33\n\n 00004 0001 19971301  2 1.0\n', 3, /date/],
    [' 00004 0001 1997010  2   29.33\n', 1, /date/],
    [' 00004 0001 19970101  2   abc\n', 1, /amount/],
    ['a b c\n', 1, /columns/],
  ])('reports the 1-based line of a malformed line', (text, line, reason) => {
    const error = captureParseError(() => parseCdnowTransactions(text));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(reason);
  });
});

describe('parseCsvTransactions', () => {
  it('reads customer_id,date,amount with its header', () => {
    expect(parseCsvTransactions('customer_id,date,amount\r\nc-1,2024-05-01,19.90\n\n')).toEqual([
      { customerId: 'c-1', date: '2024-05-01', amount: 19.9 },
    ]);
  });

  it.each([
    ['c-1,2024-05-01,19.90\n', 1, /header/],
    ['', 1, /header/],
    ['customer_id,date,amount\nc-1,2024-05-01\n', 2, /3 fields/],
    ['customer_id,date,amount\nc-1,2024-05-01,1\nc-2,2024/05/01,2\n', 3, /date/],
    ['customer_id,date,amount\nc-1,2024-05-01,\n', 2, /amount/],
  ])('reports the 1-based line of a malformed line', (text, line, reason) => {
    const error = captureParseError(() => parseCsvTransactions(text));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(reason);
  });
});

function captureParseError(run: () => unknown): TransactionParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof TransactionParseError) return error;
    throw error;
  }
  throw new Error('expected a TransactionParseError');
}
