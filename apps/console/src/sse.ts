import { authHeaders, ApiProblem } from './api';

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream with fetch, so the credential travels in the Authorization
 * header (EventSource cannot send one, and a key in the URL would end up in access logs).
 * `lastEventId` resumes after that position. Resolves when the stream ends or `signal` aborts.
 */
export async function readEventStream(
  url: string,
  options: { lastEventId?: string | null; signal: AbortSignal; onFrame: (frame: SseFrame) => void },
): Promise<void> {
  const response = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...authHeaders(),
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: options.signal,
    cache: 'no-store',
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { title?: string; detail?: string };
    throw new ApiProblem(response.status, body.title ?? response.statusText, body.detail ?? '');
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame = parseFrame(block);
      if (frame) options.onFrame(frame);
    }
  }
}

/** One SSE block: `field: value` lines; comments (heartbeats) give no frame. */
export function parseFrame(block: string): SseFrame | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && id === null ? null : { id, event, data: data.join('\n') };
}
