import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { Link, setQuery, useLocation } from '../router';
import { Loading } from '../components/status';
import { DataTable } from '../components/table';
import { money, percent, useApi } from '../data';
import type { Session } from '../session';

interface ListItem {
  customerId: string;
  name: string | null;
  satisfaction: string;
  churnRisk: { probability: number; band: string } | null;
  clv: { clv: number; pAlive: number; currency: string } | null;
  purchases: number;
  lastPurchaseAt: string | null;
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

/** Expected value lost: churn probability x CLV, in the CLV's currency. */
export const valueAtRisk = (item: ListItem): number | null =>
  item.churnRisk && item.clv ? item.churnRisk.probability * item.clv.clv : null;

/**
 * Who to call first: customers by churn risk from GET /v1/customers (the API ranks; the page
 * shows one page at a time, the cursor trail kept for "previous"), with value at risk per row and
 * the top reasons from each customer's own view.
 */
export function WorklistPage(_props: { session: Session }) {
  const { query } = useLocation();
  const band = query.get('band') ?? '';
  const satisfaction = query.get('satisfaction') ?? '';
  const [trail, setTrail] = useState<string[]>([]);
  const cursor = trail[trail.length - 1];
  useEffect(() => setTrail([]), [band, satisfaction]);
  const page = useApi(
    () =>
      apiGet<ListPage>('/v1/customers', {
        sort: 'churn',
        churnBand: band,
        satisfaction,
        limit: PAGE,
        cursor,
      }),
    [band, satisfaction, cursor],
  );
  return (
    <>
      <h1>Worklist</h1>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Churn band{' '}
          <select
            value={band}
            onChange={(e) => setQuery({ band: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any</option>
            {BANDS.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label>
          Satisfaction{' '}
          <select
            value={satisfaction}
            onChange={(e) => setQuery({ satisfaction: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any</option>
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
      </form>
      <Loading state={page} what="the worklist">
        {(p) => (
          <>
            <WorklistTable items={p.items} />
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
          </>
        )}
      </Loading>
    </>
  );
}

function WorklistTable(props: { items: ListItem[] }) {
  const reasons = useReasons(props.items.map((i) => i.customerId));
  return (
    <DataTable<ListItem>
      caption="Customers ranked by churn risk"
      rows={props.items}
      rowKey={(i) => i.customerId}
      sortable
      columns={[
        {
          label: 'Customer',
          value: (i) => i.customerId,
          render: (i) => (
            <Link to={`/customers/${encodeURIComponent(i.customerId)}`}>
              {i.name ?? i.customerId}
            </Link>
          ),
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
        {
          label: 'Value at risk',
          value: valueAtRisk,
          render: (i) => (valueAtRisk(i) === null ? '—' : money(valueAtRisk(i)!, i.clv!.currency)),
          numeric: true,
        },
        { label: 'Satisfaction', value: (i) => i.satisfaction },
        { label: 'Open complaints', value: (i) => i.openComplaints, numeric: true },
        { label: 'Top reasons', value: (i) => (reasons[i.customerId] ?? []).join('; ') },
      ]}
    />
  );
}

/** Each row's top churn factors and satisfaction reasons, read from the customer's view. */
function useReasons(ids: string[]): Record<string, string[]> {
  const [reasons, setReasons] = useState<Record<string, string[]>>({});
  useEffect(() => {
    let current = true;
    for (const id of ids) {
      apiGet<{
        satisfaction: { reasons: string[] };
        churnRisk: { factors: { name: string; contribution: number }[] } | null;
      }>(`/v1/customers/${encodeURIComponent(id)}`).then(
        (view) => {
          const factors = [...(view.churnRisk?.factors ?? [])]
            .filter((f) => f.contribution > 0)
            .sort((a, b) => b.contribution - a.contribution)
            .slice(0, 2)
            .map((f) => f.name.replace(/_/g, ' '));
          const top = [...factors, ...view.satisfaction.reasons.slice(0, 1)];
          if (current) setReasons((old) => ({ ...old, [id]: top }));
        },
        () => undefined,
      );
    }
    return () => {
      current = false;
    };
  }, [ids.join(',')]);
  return reasons;
}
