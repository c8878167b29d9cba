import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { Section, ProblemBox } from '../components/status';
import { dateTime } from '../data';
import type { TimelineItem } from './customer-types';

/** The first word of an event type: ComplaintFiled -> Complaint, WarrantyClaimDecided -> Warranty. */
export const kindOf = (type: string): string => /^[A-Z][a-z]*/.exec(type)?.[0] ?? type;

/** End of the day for a date, the instant itself otherwise (as the API reads asOf and knownAt). */
const endOf = (value: string): number =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value);

/**
 * The customer's history by business time, page by page, with a filter by kind. Under an as-of
 * choice it keeps what had happened by then (business time) and was recorded by then (record time).
 */
export function Timeline(props: {
  customerId: string;
  asOf: string;
  knownAt: string;
  loadedAt: string;
}) {
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [kind, setKind] = useState('');
  const load = (after: string | null, reset: boolean): void => {
    apiGet<{ items: TimelineItem[]; nextCursor: string | null }>(
      `/v1/customers/${encodeURIComponent(props.customerId)}/timeline`,
      { limit: 200, cursor: after ?? undefined },
    ).then(
      (page) => {
        setItems((old) => (reset ? page.items : [...old, ...page.items]));
        setCursor(page.nextCursor);
      },
      (e: Error) => setError(e),
    );
  };
  // Reloaded with the view (loadedAt changes), so what an action just recorded shows up.
  useEffect(() => load(null, true), [props.customerId, props.loadedAt]);
  const asOf = props.asOf ? endOf(props.asOf) : Infinity;
  const knownAt = props.knownAt ? endOf(props.knownAt) : Infinity;
  const visible = items.filter(
    (item) =>
      (item.occurredAt === null || Date.parse(item.occurredAt) <= asOf) &&
      Date.parse(item.recordedAt) <= knownAt,
  );
  const kinds = [...new Set(visible.map((item) => kindOf(item.type)))].sort();
  const shown = kind ? visible.filter((item) => kindOf(item.type) === kind) : visible;
  return (
    <Section title="Timeline" wide>
      {error && <ProblemBox error={error} />}
      <label>
        Kind{' '}
        <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">All ({visible.length})</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <ol class="timeline" aria-label="Events">
        {shown.map((item) => (
          <li key={item.position} data-kind={kindOf(item.type)}>
            <time dateTime={item.occurredAt ?? item.recordedAt}>
              {dateTime(item.occurredAt ?? item.recordedAt)}
            </time>{' '}
            <strong>{item.type}</strong> {item.summary}
            {item.occurredAt && item.recordedAt.slice(0, 10) !== item.occurredAt.slice(0, 10) && (
              <span class="muted"> (recorded {dateTime(item.recordedAt)})</span>
            )}
          </li>
        ))}
      </ol>
      {cursor && (
        <button type="button" onClick={() => load(cursor, false)}>
          Load more
        </button>
      )}
    </Section>
  );
}
