import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';

/**
 * The API's port, opened before the application is loaded. Loading the compiled modules, building
 * the Nest application and the OpenAPI document take seconds on a busy machine, whatever the
 * store's size; meanwhile this server says the process is alive (`/health/live` 200), not ready
 * (`/health/ready` and `/health` 503, starting), and answers everything else with a 503 problem
 * and Retry-After; every answer carries `X-Aftercare-Starting: true`, so a client that needs the
 * application (not just the process) waits for a `/health/live` without it. The application takes
 * the same server over when it is built
 * (`ApiFastifyAdapter`), so the port never closes in between. Node's own `http` only: this
 * file is loaded before anything else.
 */
export function openPort(port: number, host: string, options: ServerOptions = {}): Promise<Server> {
  const server = createServer(options, answerWhileStarting);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** On every answer given before the application serves. */
export const STARTING_HEADER = 'X-Aftercare-Starting';

const STARTING = {
  status: 'error',
  info: {},
  error: { application: { status: 'down', message: 'starting' } },
  details: { application: { status: 'down', message: 'starting' } },
};

export function answerWhileStarting(request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0].replace(/\/+$/, '');
  // The body is not read; the request is answered and the connection may be reused.
  request.resume();
  if (path === '/health/live') {
    send(response, 200, 'application/json', { status: 'ok' });
  } else if (path === '/health/ready' || path === '/health') {
    send(response, 503, 'application/json', STARTING);
  } else {
    send(response, 503, 'application/problem+json', {
      type: 'https://aftercare.dev/problems/starting',
      title: 'Starting',
      status: 503,
      detail: 'The API is starting; try again in a moment',
      code: 'starting',
    });
  }
}

function send(response: ServerResponse, status: number, type: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    [STARTING_HEADER]: 'true',
    ...(status === 503 ? { 'Retry-After': '1' } : {}),
  });
  response.end(text);
}
