import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A minimal SSE reader for tests: collects frames from a URL and lets the test cut the
 * connection at any moment, as a crashing client would.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  /** Comment lines (heartbeats) received. */
  comments = 0;
  private req?: ClientRequest;
  private res?: IncomingMessage;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  connect(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.req = request(
        this.url,
        { headers: { accept: 'text/event-stream', ...this.headers } },
        (res) => {
          this.res = res;
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (block.startsWith(':')) this.comments++;
              const frame = parseBlock(block);
              if (frame) this.frames.push(frame);
            }
            this.waiters.splice(0).forEach((w) => w());
          });
          resolve(res.statusCode ?? 0);
        },
      );
      this.req.on('error', (error) => (this.res ? undefined : reject(error)));
      this.req.end();
    });
  }

  /** Frames carrying an id: the recorded events. */
  get events(): SseFrame[] {
    return this.frames.filter((f) => f.id !== undefined);
  }

  async waitFor(predicate: (client: SseClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline)
        throw new Error(`SSE wait timed out with ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.req?.destroy();
    this.res?.destroy();
  }
}

function parseBlock(block: string): SseFrame | undefined {
  const frame: SseFrame = { data: '' };
  let any = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    any = true;
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data ? `${frame.data}\n${value}` : value;
  }
  return any ? frame : undefined;
}
