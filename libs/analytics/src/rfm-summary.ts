/**
 * From transactions to the per-customer summary the models consume (frequency, recency, age,
 * monetary value), and parsers for the two transaction file layouts the CLI accepts.
 */
import { dayNumber, formatDayNumber } from './calendar';

export interface Transaction {
  readonly customerId: string;
  /** Calendar date, YYYY-MM-DD. */
  readonly date: string;
  readonly amount: number;
}

/** One customer in the calibration period. Times are in weeks (days / 7). */
export interface CustomerSummary {
  readonly customerId: string;
  /** Repeat purchase days: purchases on one day merge into one; the first purchase is not a repeat. */
  readonly x: number;
  /** Time of the last purchase, in weeks after the first purchase (0 when x = 0). */
  readonly tx: number;
  /** Weeks from the first purchase to the calibration end. */
  readonly T: number;
  /** Mean value of the repeat purchase days (each day's amounts summed); 0 when x = 0. */
  readonly monetary: number;
  /** Date of the first purchase, YYYY-MM-DD. */
  readonly firstPurchase: string;
}

/**
 * Summarises transactions up to and including calibrationEnd (YYYY-MM-DD); later transactions
 * are ignored, and customers whose first purchase is later are left out. Customers appear in the
 * order of their first transaction in the input.
 */
export function summarizeTransactions(
  transactions: readonly Transaction[],
  calibrationEnd: string,
): CustomerSummary[] {
  const endDay = dayNumber(calibrationEnd);
  if (endDay === undefined) throw new RangeError(`'${calibrationEnd}' is not a date (YYYY-MM-DD)`);

  const index = new Map<string, number>();
  const ids: string[] = [];
  const days: number[][] = [];
  const amounts: number[][] = [];
  for (const t of transactions) {
    const day = dayNumber(t.date);
    if (day === undefined) throw new RangeError(`'${t.date}' is not a date (YYYY-MM-DD)`);
    if (day > endDay) continue;
    let i = index.get(t.customerId);
    if (i === undefined) {
      i = ids.length;
      index.set(t.customerId, i);
      ids.push(t.customerId);
      days.push([]);
      amounts.push([]);
    }
    days[i].push(day);
    amounts[i].push(t.amount);
  }

  const result: CustomerSummary[] = [];
  for (let i = 0; i < ids.length; i++) {
    const d = days[i];
    const m = amounts[i];
    const order = d.length > 1 && !isSorted(d) ? sortedOrder(d) : undefined;
    const at = (k: number): number => (order ? order[k] : k);
    const first = d[at(0)];
    let x = 0;
    let last = first;
    let repeatTotal = 0;
    let dayTotal = 0;
    let currentDay = first;
    for (let k = 0; k < d.length; k++) {
      const day = d[at(k)];
      if (day !== currentDay) {
        if (currentDay !== first) repeatTotal += dayTotal;
        x++;
        currentDay = day;
        last = day;
        dayTotal = 0;
      }
      dayTotal += m[at(k)];
    }
    if (currentDay !== first) repeatTotal += dayTotal;
    result.push({
      customerId: ids[i],
      x,
      tx: (last - first) / 7,
      T: (endDay - first) / 7,
      monetary: x > 0 ? repeatTotal / x : 0,
      firstPurchase: formatDayNumber(first),
    });
  }
  return result;
}

function isSorted(values: readonly number[]): boolean {
  for (let k = 1; k < values.length; k++) if (values[k] < values[k - 1]) return false;
  return true;
}

function sortedOrder(values: readonly number[]): number[] {
  return values.map((_, k) => k).sort((i, j) => values[i] - values[j] || i - j);
}

/** True for a valid calendar date written YYYY-MM-DD. */
export function isCalendarDate(date: string): boolean {
  return dayNumber(date) !== undefined;
}

/** A transaction file line that cannot be read; `line` is 1-based. */
export class TransactionParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'TransactionParseError';
  }
}

export type TransactionFormat = 'cdnow' | 'csv';

export const TRANSACTION_FORMATS: readonly TransactionFormat[] = ['cdnow', 'csv'];

export function parseTransactions(text: string, format: TransactionFormat): Transaction[] {
  switch (format) {
    case 'cdnow':
      return parseCdnowTransactions(text);
    case 'csv':
      return parseCsvTransactions(text);
    default: {
      const unknown: never = format;
      throw new RangeError(`unknown transaction format '${String(unknown)}'`);
    }
  }
}

/**
 * The CDNOW layouts, whitespace-separated, blank lines skipped:
 * - sample: `masterId sampleId YYYYMMDD cds dollars`, no header; the sample id is the customer id;
 * - master: a `customer_id date number_of_cds dollar_value` header, then 4 columns.
 * The layout is detected from the first non-blank line; every data line must follow it.
 */
export function parseCdnowTransactions(text: string): Transaction[] {
  const lines = text.split('\n');
  const result: Transaction[] = [];
  let columns: 4 | 5 | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    if (columns === undefined) {
      if (/^customer_id$/i.test(fields[0])) {
        if (fields.length !== 4) {
          throw new TransactionParseError(lineNo, 'the master header has 4 columns');
        }
        columns = 4;
        continue;
      }
      if (fields.length !== 4 && fields.length !== 5) {
        throw new TransactionParseError(
          lineNo,
          `expected 5 columns (masterId sampleId YYYYMMDD cds dollars) or 4 (customer_id date cds dollars), got ${fields.length}`,
        );
      }
      columns = fields.length;
    }
    if (fields.length !== columns) {
      throw new TransactionParseError(lineNo, `expected ${columns} columns, got ${fields.length}`);
    }
    const [customerId, rawDate, cds, dollars] = columns === 5 ? fields.slice(1) : fields;
    if (!/^[0-9]{8}$/.test(rawDate)) {
      throw new TransactionParseError(lineNo, `'${rawDate}' is not a date (YYYYMMDD)`);
    }
    const date = `${rawDate.slice(0, 4)}-${rawDate.slice(4, 6)}-${rawDate.slice(6, 8)}`;
    if (dayNumber(date) === undefined) {
      throw new TransactionParseError(lineNo, `'${rawDate}' is not a calendar date`);
    }
    if (!/^[0-9]+$/.test(cds)) {
      throw new TransactionParseError(lineNo, `'${cds}' is not a number of CDs`);
    }
    result.push({ customerId, date, amount: parseAmount(dollars, lineNo) });
  }
  return result;
}

/** `customer_id,date,amount` with that header line; dates YYYY-MM-DD; blank lines skipped. */
export function parseCsvTransactions(text: string): Transaction[] {
  const lines = text.split('\n');
  const result: Transaction[] = [];
  let sawHeader = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (!sawHeader) {
      if (fields.join(',').toLowerCase() !== 'customer_id,date,amount') {
        throw new TransactionParseError(lineNo, `expected the header 'customer_id,date,amount'`);
      }
      sawHeader = true;
      continue;
    }
    if (fields.length !== 3) {
      throw new TransactionParseError(lineNo, `expected 3 fields, got ${fields.length}`);
    }
    const [customerId, date, amount] = fields;
    if (customerId === '') throw new TransactionParseError(lineNo, 'empty customer_id');
    if (dayNumber(date) === undefined) {
      throw new TransactionParseError(lineNo, `'${date}' is not a date (YYYY-MM-DD)`);
    }
    result.push({ customerId, date, amount: parseAmount(amount, lineNo) });
  }
  if (!sawHeader)
    throw new TransactionParseError(1, `expected the header 'customer_id,date,amount'`);
  return result;
}

function parseAmount(raw: string, lineNo: number): number {
  const amount = Number(raw);
  if (raw === '' || !Number.isFinite(amount)) {
    throw new TransactionParseError(lineNo, `'${raw}' is not an amount`);
  }
  return amount;
}
