import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface ApiBenchOptions {
  /** Seconds per measurement (default 10). */
  seconds?: number;
  /** Connection counts to measure at (default 10 and 50). */
  connections?: number[];
  /** Customers registered before measuring (default 300). */
  customers?: number;
  /**
   * Run both servers on PostgreSQL instead (schemas of their own, dropped afterwards): the API
   * with AFTERCARE_STORE=postgres and its projections in-process, the bare server on a pool.
   */
  databaseUrl?: string;
  /**
   * Seconds each scenario runs, unmeasured, before the measurements (default 3; 0: none): V8
   * compiles a server's hot paths while it serves, and in the first seconds that compiling and
   * the code not yet optimized cost the API several times a warmed-up request's CPU.
   */
  warmUpSeconds?: number;
  /** Extra environment for the API process (e.g. AFTERCARE_PROJECTIONS=off). */
  apiEnv?: Record<string, string>;
  log: (line: string) => void;
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

interface Scenario {
  name: string;
  kind: 'write' | 'read';
  target: 'api' | 'bare';
  requests: (customers: number) => autocannon.Request[];
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** The server process's CPU time per answered request, ms (Linux; undefined elsewhere). */
  cpuMs?: number;
}

/**
 * HTTP throughput of the API on the embedded store, next to a bare Node server doing the same
 * work (validate the JSON, insert one row with the same durability; read one row) measured in the
 * same run with the same load generator (autocannon). Each server runs in its own process; the
 * load generator runs in this one.
 */
export async function runApiBench(options: ApiBenchOptions): Promise<void> {
  const seconds = options.seconds ?? 10;
  const connectionCounts = options.connections ?? [10, 50];
  const customers = options.customers ?? 300;
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-api-bench-'));
  const cpu = cpus();
  options.log(
    `machine: ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown cpu'}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const children: ChildProcess[] = [];
  const apiLogPath = join(dir, 'api.log');
  const apiLog = openSync(apiLogPath, 'a');
  let failures = 0;
  const suffix = randomUUID().slice(0, 8);
  const schemas = [`bench_api_${suffix}`, `bench_api_read_${suffix}`, `bench_bare_${suffix}`];
  const storeEnv: Record<string, string> = options.databaseUrl
    ? {
        AFTERCARE_STORE: 'postgres',
        DATABASE_URL: options.databaseUrl,
        AFTERCARE_PG_SCHEMA: schemas[0],
        AFTERCARE_PG_READ_SCHEMA: schemas[1],
        AFTERCARE_PROJECTIONS: 'on',
      }
    : { AFTERCARE_STORE: 'sqlite', AFTERCARE_SQLITE_PATH: join(dir, 'api.db') };
  try {
    // PostgreSQL has no first-start key file: the CLI creates the admin key.
    const createdKey = options.databaseUrl ? createAdminKey(storeEnv) : undefined;
    const apiPort = await freePort();
    const api = spawn(process.execPath, [join(__dirname, '../../../api/src/main.js')], {
      env: {
        ...process.env,
        ...storeEnv,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        // The limiter runs (its cost is measured) but never refuses the load generator.
        AFTERCARE_RATE_LIMIT: '10000000',
        ...options.apiEnv,
      },
      // Its log goes to a file: warnings and errors are shown if a scenario had failures.
      stdio: ['ignore', apiLog, apiLog],
    });
    children.push(api);
    let apiExit: string | undefined;
    api.on('exit', (code, signal) => (apiExit = `the API exited (${signal ?? code})`));
    const barePort = await freePort();
    const bare = spawn(
      process.execPath,
      [
        join(__dirname, 'bare-server.js'),
        options.databaseUrl ?? join(dir, 'bare.db'),
        String(barePort),
        String(customers),
        ...(options.databaseUrl ? [schemas[2]] : []),
      ],
      { stdio: 'ignore' },
    );
    children.push(bare);
    const apiTarget: Target = { url: `http://127.0.0.1:${apiPort}`, headers: {} };
    const bareTarget: Target = { url: `http://127.0.0.1:${barePort}`, headers: {} };
    await Promise.all([waitForHttp(apiTarget.url), waitForHttp(bareTarget.url)]);
    // The embedded default's first start wrote its admin key beside the database.
    const adminKey = createdKey ?? readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    apiTarget.headers.authorization = `Bearer ${adminKey}`;
    options.log(
      `registering ${customers} customers to write to and ${customers} to read, with a purchase ` +
        'each, through the API',
    );
    await registerCustomers(apiTarget, customers, 'bench');
    await registerCustomers(apiTarget, customers, READ_PREFIX);
    const warmUp = options.warmUpSeconds ?? 3;
    if (warmUp > 0) {
      options.log(`warming up: every scenario for ${warmUp} s, unmeasured`);
      for (const scenario of SCENARIOS) {
        const [target, server] = scenario.target === 'api' ? [apiTarget, api] : [bareTarget, bare];
        await load(target, server.pid, scenario.requests(customers), 10, warmUp);
      }
      await waitIdle(api.pid);
    }

    const table: string[] = [];
    for (const connections of connectionCounts) {
      const results = new Map<string, Figures>();
      let settled = false;
      for (const scenario of SCENARIOS) {
        const [target, server] = scenario.target === 'api' ? [apiTarget, api] : [bareTarget, bare];
        if (scenario.kind === 'read' && !settled) {
          // Reads are measured once the API has done the work the writes before them left (the
          // in-process projections, score index and signals): otherwise it counts as theirs.
          const waited = await waitIdle(api.pid);
          options.log(
            `${connections} connections: the API was idle after the writes in ${waited} ms`,
          );
          settled = true;
        }
        results.set(
          scenario.name,
          await load(target, server.pid, scenario.requests(customers), connections, seconds),
        );
      }
      const bareWrite = results.get('bare: POST feedback');
      const bareRead = results.get('bare: GET customer row');
      table.push(
        '',
        `${connections} connections, ${seconds} s each`,
        `| scenario | requests/s | p50 ms | p99 ms | 2xx | other | ratio to bare | server CPU ms/req | CPU ratio |`,
        `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
      );
      for (const scenario of SCENARIOS) {
        const f = results.get(scenario.name);
        const base = scenario.kind === 'write' ? bareWrite : bareRead;
        if (!f || !base) continue;
        const ratio = scenario.target === 'bare' ? '1' : (f.rps / base.rps).toFixed(2) + '×';
        // The bare server's CPU per request over this one's: the throughput ratio the two would
        // reach on a machine where each had the cores to itself (CPU-bound), whatever the load.
        const cpuRatio =
          f.cpuMs === undefined || base.cpuMs === undefined
            ? '–'
            : scenario.target === 'bare'
              ? '1'
              : (base.cpuMs / f.cpuMs).toFixed(2) + '×';
        failures += f.failed;
        table.push(
          `| ${scenario.name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.ok} | ${f.failed} | ${ratio} | ${f.cpuMs?.toFixed(2) ?? '–'} | ${cpuRatio} |`,
        );
      }
    }
    for (const line of table) options.log(line);
    if (apiExit) options.log(apiExit);
    if (failures > 0) for (const line of apiProblems(apiLogPath)) options.log(`api log: ${line}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    closeSync(apiLog);
    if (options.databaseUrl) await dropSchemas(options.databaseUrl, schemas);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits (at most 120 s) until the server is idle, using under a tenth of a core over half a second,
 * and returns how long that took in ms (Linux; at once elsewhere).
 */
async function waitIdle(pid: number | undefined): Promise<number> {
  const started = Date.now();
  let before = cpuTimeMs(pid);
  while (before !== undefined && Date.now() - started < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = cpuTimeMs(pid);
    if (after === undefined || after - before < 50) break;
    before = after;
  }
  return Date.now() - started;
}

/** An admin key made by `aftercare keys create` on the store `env` names. */
function createAdminKey(env: Record<string, string>): string {
  const out = execFileSync(
    process.execPath,
    [
      join(__dirname, '../main.js'),
      'keys',
      'create',
      '--role',
      'admin',
      '--name',
      'bench',
      '--json',
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  return (JSON.parse(out) as { key: string }).key;
}

async function dropSchemas(url: string, schemas: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The last warnings and errors of the API's log (pino JSON lines at level >= 40, or plain text). */
function apiProblems(path: string): string[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const problems = lines.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 40;
    } catch {
      return true;
    }
  });
  return problems.slice(-10).map((line) => line.slice(0, 500));
}

const pick = (customers: number): string => `bench-${Math.floor(Math.random() * customers)}`;
/**
 * Reads go to customers the writes never touch: their histories stay as registered (a sign-up and a
 * purchase), so each read scenario measures the same work whatever ran before it, as the bare
 * server's row does. Read from the customers written to, a view at 50 connections would read
 * histories grown by the 10-connection writes (tens of purchases each) and cost several times the
 * same view at 10 connections.
 */
const READ_PREFIX = 'bench-read';
const pickRead = (customers: number): string =>
  `${READ_PREFIX}-${Math.floor(Math.random() * customers)}`;

const FEEDBACK = JSON.stringify({ nps: 8, csat: 4, comment: 'Quick and friendly' });

/** One request per call, its path (and body and extra headers) drawn afresh for every request. */
function each(
  method: 'GET' | 'POST',
  draw: () => { path: string; body?: string; headers?: Record<string, string> },
): autocannon.Request[] {
  return [
    {
      method,
      setupRequest: (req) => {
        const { path, body, headers } = draw();
        return { ...req, path, ...(body ? { body } : {}), headers: { ...req.headers, ...headers } };
      },
    },
  ];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'api: POST feedback',
    kind: 'write',
    target: 'api',
    requests: (n) =>
      each('POST', () => ({ path: `/v1/customers/${pick(n)}/feedback`, body: FEEDBACK })),
  },
  {
    name: 'api: POST feedback + Idempotency-Key',
    kind: 'write',
    target: 'api',
    requests: (n) =>
      each('POST', () => ({
        path: `/v1/customers/${pick(n)}/feedback`,
        body: FEEDBACK,
        headers: { 'idempotency-key': randomUUID() },
      })),
  },
  {
    name: 'api: POST purchase',
    kind: 'write',
    target: 'api',
    requests: (n) =>
      each('POST', () => ({
        path: `/v1/customers/${pick(n)}/purchases`,
        body: JSON.stringify(purchase(randomUUID())),
      })),
  },
  {
    name: 'bare: POST feedback',
    kind: 'write',
    target: 'bare',
    requests: (n) =>
      each('POST', () => ({
        path: `/customers/c${Math.floor(Math.random() * n)}/feedback`,
        body: FEEDBACK,
      })),
  },
  {
    name: 'api: GET customer view',
    kind: 'read',
    target: 'api',
    requests: (n) => each('GET', () => ({ path: `/v1/customers/${pickRead(n)}` })),
  },
  {
    name: 'api: GET timeline',
    kind: 'read',
    target: 'api',
    requests: (n) =>
      each('GET', () => ({ path: `/v1/customers/${pickRead(n)}/timeline?limit=20` })),
  },
  {
    name: 'api: GET customer list',
    kind: 'read',
    target: 'api',
    requests: () => [{ method: 'GET', path: '/v1/customers?segment=small_business&limit=20' }],
  },
  {
    // No store, no auth, no logging: what the HTTP pipeline (Express, Nest, helmet, the rate
    // limiter) costs a request by itself, the floor under every other API figure.
    name: 'api: GET /health/live (pipeline only)',
    kind: 'read',
    target: 'api',
    requests: () => [{ method: 'GET', path: '/health/live' }],
  },
  {
    name: 'bare: GET customer row',
    kind: 'read',
    target: 'bare',
    requests: (n) => each('GET', () => ({ path: `/customers/c${Math.floor(Math.random() * n)}` })),
  },
];

function purchase(purchaseId: string): Record<string, unknown> {
  return {
    purchaseId,
    orderId: `o-${purchaseId}`,
    sku: 'TV-55-OLED',
    productCategory: 'tv',
    serialNumber: `SN-${purchaseId}`,
    price: 899,
    currency: 'EUR',
    channel: 'online',
    warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
    occurredAt: '2026-10-01T10:00:00Z',
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined off Linux. */
function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name: fields 3 onwards; utime and stime are fields 14 and 15, in clock
    // ticks of 10 ms (USER_HZ).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function load(
  target: Target,
  pid: number | undefined,
  requests: autocannon.Request[],
  connections: number,
  seconds: number,
): Promise<Figures> {
  const cpuBefore = cpuTimeMs(pid);
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...target.headers },
    requests,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    ...cpuPerRequest(cpuBefore, cpuTimeMs(pid), result['2xx'] + result.non2xx),
  };
}

function cpuPerRequest(
  before: number | undefined,
  after: number | undefined,
  answered: number,
): { cpuMs?: number } {
  return before === undefined || after === undefined || answered === 0
    ? {}
    : { cpuMs: (after - before) / answered };
}

async function registerCustomers(target: Target, customers: number, prefix: string): Promise<void> {
  const next = { i: 0 };
  const worker = async (): Promise<void> => {
    while (next.i < customers) {
      const id = `${prefix}-${next.i++}`;
      await post(target, '/v1/customers', {
        customerId: id,
        pii: { name: `Bench ${id}`, email: `${id}@example.com` },
        jurisdiction: 'EU',
        countryCode: 'DE',
        // The list scenario reads the read customers' page by their segment.
        segment: prefix === READ_PREFIX ? 'small_business' : 'consumer',
        signupChannel: 'online',
        occurredAt: '2026-09-30T10:00:00Z',
      });
      await post(target, `/v1/customers/${id}/purchases`, purchase(`${id}-p1`));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function post(target: Target, path: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${target.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode !== undefined && res.statusCode < 300
            ? resolve()
            : reject(new Error(`POST ${path} answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port')),
      );
    });
  });
}

/** Waits until something answers HTTP on `url` (any status), for at most 60 s. */
async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      // The API opens its port first and answers 'starting' until the application serves.
      const req = request(url, (res) => {
        res.resume();
        resolve(res.headers['x-aftercare-starting'] === undefined);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
