import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'pg';

/**
 * The ceiling the API bench compares against: a bare Node HTTP server that parses and validates
 * the same feedback JSON and inserts it into a SQLite table with the same durability (WAL,
 * synchronous FULL unless told otherwise), or reads one customer row. Run as its own process:
 * `node bare-server.js <db path> <port> <customers> [synchronous]`, or on PostgreSQL with a
 * `postgres://` URL in place of the path and a schema name in place of `synchronous`.
 */
function main(): void {
  const [path, portArg, customersArg, synchronous = 'full'] = process.argv.slice(2);
  if (!path || !portArg || !customersArg) throw new Error('usage: bare-server <db> <port> <n>');
  if (/^postgres(ql)?:\/\//.test(path)) {
    void servePostgres(path, Number(portArg), Number(customersArg), synchronous);
    return;
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec(`CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
             data TEXT NOT NULL, recorded_at TEXT NOT NULL);
           CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, data TEXT NOT NULL);`);
  const seed = db.prepare('INSERT OR REPLACE INTO customers (id, data) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < Number(customersArg); i++) {
      seed.run(`c${i}`, JSON.stringify(customerRow(`c${i}`)));
    }
  })();
  const insert = db.prepare(
    'INSERT INTO feedback (id, customer_id, data, recorded_at) VALUES (?, ?, ?, ?)',
  );
  const read = db.prepare<[string], { data: string }>('SELECT data FROM customers WHERE id = ?');

  serve(Number(portArg), {
    insert: async (id, customerId, data, at) => void insert.run(id, customerId, data, at),
    read: async (id) => read.get(id)?.data,
  });
}

interface Table {
  insert(id: string, customerId: string, data: string, at: string): Promise<void>;
  read(customerId: string): Promise<string | undefined>;
}

/**
 * The same server on PostgreSQL (`bare-server.js postgres://... <port> <n> <schema>`): one INSERT
 * per request with synchronous_commit on, through a pool of 10 connections.
 */
async function servePostgres(
  url: string,
  port: number,
  customers: number,
  schema: string,
): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 10 });
  const s = `"${schema.replace(/"/g, '')}"`;
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${s}.feedback (id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL, data TEXT NOT NULL, recorded_at TEXT NOT NULL)`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${s}.customers (id TEXT PRIMARY KEY, data TEXT NOT NULL)`,
  );
  for (let i = 0; i < customers; i++) {
    await pool.query(
      `INSERT INTO ${s}.customers (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
      [`c${i}`, JSON.stringify(customerRow(`c${i}`))],
    );
  }
  serve(port, {
    insert: async (id, customerId, data, at) =>
      void (await pool.query({
        name: 'bare-insert',
        text: `INSERT INTO ${s}.feedback (id, customer_id, data, recorded_at) VALUES ($1, $2, $3, $4)`,
        values: [id, customerId, data, at],
      })),
    read: async (id) =>
      (
        await pool.query<{ data: string }>({
          name: 'bare-read',
          text: `SELECT data FROM ${s}.customers WHERE id = $1`,
          values: [id],
        })
      ).rows[0]?.data,
  });
}

function serve(port: number, table: Table): void {
  const server = createServer((req, res) => {
    const fail = () => send(res, 500, { title: 'store failed' });
    const feedback = /^\/customers\/([^/]+)\/feedback$/.exec(req.url ?? '');
    if (req.method === 'POST' && feedback) {
      readBody(req, (body) => {
        const problem = validateFeedback(body);
        if (problem) return send(res, 400, { title: problem });
        const id = randomUUID();
        table
          .insert(id, feedback[1], JSON.stringify(body), new Date().toISOString())
          .then(() => send(res, 201, { feedbackId: id }), fail);
      });
      return;
    }
    const customer = /^\/customers\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && customer) {
      table.read(customer[1] ?? '').then((data) => {
        if (data === undefined) return send(res, 404, { title: 'not found' });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(data);
      }, fail);
      return;
    }
    send(res, 404, { title: 'not found' });
  });
  server.listen(port, '127.0.0.1');
}

function readBody(req: IncomingMessage, done: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      done(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      done(undefined);
    }
  });
}

/** The same rules as the API's feedback DTO: scores on their scales, at least one, a comment. */
function validateFeedback(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not an object';
  const b = body as Record<string, unknown>;
  const scales: Record<string, [number, number]> = { nps: [0, 10], csat: [1, 5], ces: [1, 7] };
  let scores = 0;
  for (const [field, [min, max]] of Object.entries(scales)) {
    const v = b[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return field;
    scores++;
  }
  if (scores === 0) return 'no score';
  if (b.comment !== undefined && (typeof b.comment !== 'string' || b.comment.length > 2000)) {
    return 'comment';
  }
  if (b.occurredAt !== undefined && Number.isNaN(Date.parse(String(b.occurredAt)))) {
    return 'occurredAt';
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** About the size of the API's customer view, so both reads return comparable bytes. */
function customerRow(id: string): unknown {
  return {
    customerId: id,
    jurisdiction: 'EU',
    purchases: [{ purchaseId: `${id}-p1`, sku: 'TV-55-OLED', price: 899, currency: 'EUR' }],
    satisfaction: { state: 'neutral', reasons: ['no feedback yet'] },
    churn: { probability: 0.12, band: 'low', factors: [] },
    clv: { expectedPurchases: 0.4, expectedOrderValue: 420, clv: 168 },
  };
}

main();
