import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { Link, setQuery, useLocation } from '../router';
import { Loading } from '../components/status';
import { DataTable } from '../components/table';
import { day, money, percent, useApi } from '../data';
import type { Session } from '../session';
import { BreachingComplaints, FollowUpsDue } from './worklist-queues';

interface ListItem {
  customerId: string;
  name: string | null;
  satisfaction: string;
  churnRisk: { probability: number; band: string } | null;
  clv: { clv: number; pAlive: number; currency: string } | null;
  valueAtRisk: { amount: number; currency: string } | null;
  segment: string | null;
  countryCode: string | null;
  purchases: number;
  lastInteractionAt: string | null;
  openComplaints: number;
}

interface ListPage {
  now: string;
  items: ListItem[];
  nextCursor: string | null;
}

const BANDS = ['high', 'medium', 'low'];
const LEVELS = ['dissatisfied', 'at_risk', 'neutral', 'satisfied', 'delighted'];
const PAGE = 25;
/** The filters, as query parameters of both this page and GET /v1/customers. */
const FILTERS = [
  'churnBand',
  'satisfaction',
  'segment',
  'country',
  'currency',
  'product',
  'lastInteractionBefore',
] as const;

/**
 * Who to call first: GET /v1/customers ranked by value at risk (churn probability x CLV, from the
 * API's score index), filtered, one page at a time (the cursor trail kept for "previous"), with
 * the top reasons and complaints past their targets from each row's own view.
 */
export function WorklistPage(props: { session: Session }) {
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? '']));
  const key = JSON.stringify(filters);
  const [trail, setTrail] = useState<string[]>([]);
  const cursor = trail[trail.length - 1];
  useEffect(() => setTrail([]), [key]);
  const page = useApi(
    () =>
      apiGet<ListPage>('/v1/customers', { sort: 'valueAtRisk', ...filters, limit: PAGE, cursor }),
    [key, cursor],
  );
  return (
    <>
      <h1>Worklist</h1>
      <Filters values={filters} />
      <Loading state={page} what="the worklist">
        {(p) => (
          <>
            <WorklistTable items={p.items} session={props.session} />
            <nav class="pager" aria-label="Worklist pages">
              <button
                type="button"
                disabled={trail.length === 0}
                onClick={() => setTrail(trail.slice(0, -1))}
              >
                Previous
              </button>
              <span>Page {trail.length + 1}</span>
              <button
                type="button"
                disabled={!p.nextCursor}
                onClick={() => p.nextCursor && setTrail([...trail, p.nextCursor])}
              >
                Next
              </button>
            </nav>
            <div class="grid">
              <FollowUpsDue />
              <BreachingComplaints />
            </div>
          </>
        )}
      </Loading>
    </>
  );
}

/**
 * The filters as applied (the address). Text fields are the browser's until Apply: a value prop
 * would put the applied value back on every render (the list loading, the queues refreshing) and
 * wipe what is being typed; the form is made anew when the applied filters change.
 */
function Filters(props: { values: Record<string, string> }) {
  const choose = (name: string) => (e: Event) =>
    setQuery({ [name]: (e.target as HTMLSelectElement).value });
  return (
    <form
      key={JSON.stringify(props.values)}
      class="filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.target as HTMLFormElement);
        setQuery(
          Object.fromEntries(
            ['segment', 'country', 'currency', 'product', 'lastInteractionBefore'].map((n) => [
              n,
              String(form.get(n) ?? '').trim(),
            ]),
          ),
        );
      }}
    >
      <label>
        Churn band
        <select value={props.values.churnBand} onChange={choose('churnBand')}>
          <option value="">any</option>
          {BANDS.map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </label>
      <label>
        Satisfaction
        <select value={props.values.satisfaction} onChange={choose('satisfaction')}>
          <option value="">any</option>
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      <label>
        Segment <input name="segment" defaultValue={props.values.segment} placeholder="consumer" />
      </label>
      <label>
        Country{' '}
        <input name="country" defaultValue={props.values.country} placeholder="DE" size={4} />
      </label>
      <label>
        Currency{' '}
        <input name="currency" defaultValue={props.values.currency} placeholder="EUR" size={4} />
      </label>
      <label>
        Product (SKU or category) <input name="product" defaultValue={props.values.product} />
      </label>
      <label>
        Last interaction before{' '}
        <input
          type="date"
          name="lastInteractionBefore"
          defaultValue={props.values.lastInteractionBefore}
        />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

function WorklistTable(props: { items: ListItem[]; session: Session }) {
  const details = useDetails(props.items.map((i) => i.customerId));
  return (
    <>
      <div data-field="worklist">
        <DataTable<ListItem>
          caption="Customers ranked by value at risk (churn probability × CLV)"
          rows={props.items}
          rowKey={(i) => i.customerId}
          sortable
          columns={[
            {
              label: 'Customer',
              value: (i) => i.name ?? i.customerId,
              render: (i) => (
                <Link to={`/customers/${encodeURIComponent(i.customerId)}`}>
                  {i.name ?? i.customerId}
                </Link>
              ),
            },
            {
              label: 'Value at risk',
              value: (i) => i.valueAtRisk?.amount ?? null,
              render: (i) =>
                i.valueAtRisk ? money(i.valueAtRisk.amount, i.valueAtRisk.currency) : '—',
              numeric: true,
            },
            {
              label: 'Churn',
              value: (i) => i.churnRisk?.probability ?? null,
              render: (i) =>
                i.churnRisk ? `${percent(i.churnRisk.probability)} ${i.churnRisk.band}` : '—',
              numeric: true,
            },
            {
              label: 'CLV',
              value: (i) => i.clv?.clv ?? null,
              render: (i) => (i.clv ? money(i.clv.clv, i.clv.currency) : '—'),
              numeric: true,
            },
            { label: 'Satisfaction', value: (i) => i.satisfaction.replace('_', ' ') },
            { label: 'Where', value: (i) => [i.segment, i.countryCode].filter(Boolean).join(', ') },
            { label: 'Last interaction', value: (i) => day(i.lastInteractionAt) },
            {
              label: 'Top reasons',
              value: (i) => (details[i.customerId]?.reasons ?? []).join('; '),
            },
          ]}
        />
      </div>
    </>
  );
}

interface RowDetails {
  reasons: string[];
}

interface RowView {
  now: string;
  satisfaction: { reasons: string[] };
  churnRisk: { factors: { name: string; contribution: number }[] } | null;
}

/** Each row's top churn factors and satisfaction reason, from its view. */
function useDetails(ids: string[]): Record<string, RowDetails> {
  const [details, setDetails] = useState<Record<string, RowDetails>>({});
  useEffect(() => {
    let current = true;
    for (const id of ids) {
      apiGet<RowView>(`/v1/customers/${encodeURIComponent(id)}`).then(
        (view) => {
          const factors = [...(view.churnRisk?.factors ?? [])]
            .filter((f) => f.contribution > 0)
            .sort((a, b) => b.contribution - a.contribution)
            .slice(0, 2)
            .map((f) => f.name.replace(/_/g, ' '));
          const reasons = [...factors, ...view.satisfaction.reasons.slice(0, 1)];
          if (current)
            setDetails((old) => ({
              ...old,
              [id]: { reasons },
            }));
        },
        () => undefined,
      );
    }
    return () => {
      current = false;
    };
  }, [ids.join(',')]);
  return details;
}
