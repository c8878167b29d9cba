import { useEffect, useState } from 'preact/hooks';
import { withQuery } from '../api';
import { ProblemBox } from '../components/status';
import { dateTime } from '../data';
import { setQuery, useLocation } from '../router';
import { readEventStream } from '../sse';

interface FeedEvent {
  position: string;
  type: string;
  streamId: string;
  recordedAt?: string;
  data?: { occurredAt?: string; customerId?: string };
}

const POSITION_KEY = 'aftercare.live.position';
const KEEP = 200;
const RETRY_MS = 2000;

/**
 * The lifecycle feed as it happens (GET /v1/events/stream). The last position seen is kept in
 * sessionStorage per filter, so a reload resumes after it (Last-Event-ID) instead of replaying.
 */
export function LivePage() {
  const { query } = useLocation();
  const category = query.get('category') ?? '';
  const type = query.get('type') ?? '';
  const customerId = query.get('customerId') ?? '';
  const filterKey = `${POSITION_KEY}:${category}|${type}|${customerId}`;
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [status, setStatus] = useState('connecting');
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    setEvents([]);
    const url = withQuery('/v1/events/stream', { category, type, customerId, from: 'end' });
    const connect = (): void => {
      setStatus('connecting');
      readEventStream(url, {
        lastEventId: sessionStorage.getItem(filterKey),
        signal: abort.signal,
        onFrame: (frame) => {
          if (frame.event === 'caught-up') return setStatus('live');
          if (frame.id) sessionStorage.setItem(filterKey, frame.id);
          const event = JSON.parse(frame.data) as FeedEvent;
          setEvents((old) => [event, ...old].slice(0, KEEP));
          setStatus('live');
        },
      }).then(
        () => !abort.signal.aborted && setTimeout(connect, RETRY_MS),
        (e: Error) => {
          if (abort.signal.aborted) return;
          setError(e);
          setStatus('disconnected');
          if (!('status' in e) || (e as { status: number }).status >= 500)
            setTimeout(connect, RETRY_MS);
        },
      );
    };
    connect();
    return () => abort.abort();
  }, [filterKey]);
  return (
    <>
      <h1>Live</h1>
      {/* Text fields are the browser's until Apply (a value prop would wipe what is being typed
          at each event that arrives); the form is made anew when the applied filters change. */}
      <form
        key={filterKey}
        class="filters"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.target as HTMLFormElement);
          setQuery({
            category: String(form.get('category') ?? ''),
            type: String(form.get('type') ?? ''),
            customerId: String(form.get('customerId') ?? ''),
          });
        }}
      >
        <label>
          Category{' '}
          <input name="category" defaultValue={category} placeholder="customer, warranty, signal" />
        </label>
        <label>
          Type prefix <input name="type" defaultValue={type} placeholder="Complaint" />
        </label>
        <label>
          Customer <input name="customerId" defaultValue={customerId} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <p role="status" data-field="live-status">
        Feed: {status}
        {sessionStorage.getItem(filterKey)
          ? `, after position ${sessionStorage.getItem(filterKey)}`
          : ''}
      </p>
      {error && <ProblemBox error={error} />}
      <ol class="timeline" aria-label="Events, newest first" aria-live="polite">
        {events.map((e) => (
          <li key={e.position} data-position={e.position}>
            <span class="muted">#{e.position}</span> {dateTime(e.data?.occurredAt ?? e.recordedAt)}{' '}
            <strong>{e.type}</strong> {e.streamId}
          </li>
        ))}
      </ol>
    </>
  );
}
