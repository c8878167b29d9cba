import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { Link } from '../router';
import { ProblemBox, Section } from '../components/status';
import { DataTable, type Column } from '../components/table';
import { dateTime } from '../data';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Task {
  taskId: string;
  customerId: string;
  kind: string;
  reason: string;
  dueAt: string;
  queue: string;
  ownerId: string | null;
  overdue: boolean;
  playbook: { playbookId: string; version: number };
  cause: { eventType: string; occurredAt: string };
}

/** Where a task came from: the playbook version that planned it and the event that caused it. */
export const taskOrigin = (t: Task): string =>
  `${t.playbook.playbookId} v${t.playbook.version} · ${t.cause.eventType} ${dateTime(t.cause.occurredAt)}`;

interface BreachingComplaint {
  complaintId: string;
  customerId: string;
  category: string;
  severity: string;
  filedAt: string;
  acknowledgeBy: string;
  resolveBy: string;
  breached: string[];
}

const PAGE = 10;

/** A list read a page at a time with the API's cursor: the first page, then "More" appends. */
function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const [rows, setRows] = useState<T[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const fetchPage = (after?: string) => {
    setBusy(true);
    load(after).then(
      (page) => {
        setRows((old) => (after ? [...(old ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
        setError(undefined);
        setBusy(false);
      },
      (e: Error) => {
        setError(e);
        setBusy(false);
      },
    );
  };
  useEffect(() => fetchPage(), deps);
  return { rows, error, busy, more: cursor ? () => fetchPage(cursor) : undefined };
}

function PagedTable<T>(props: {
  title: string;
  field: string;
  caption: string;
  empty: string;
  load: (cursor?: string) => Promise<Page<T>>;
  rowKey: (row: T) => string;
  columns: Column<T>[];
}) {
  const { rows, error, busy, more } = usePaged(props.load, []);
  return (
    <Section title={props.title} wide>
      {error && <ProblemBox error={error} />}
      {rows === undefined && !error && (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {rows !== undefined &&
        (rows.length === 0 ? (
          <p class="muted">{props.empty}</p>
        ) : (
          <div data-field={props.field} data-rows={rows.length}>
            <DataTable<T>
              caption={props.caption}
              rows={rows}
              rowKey={props.rowKey}
              columns={props.columns}
            />
          </div>
        ))}
      {more && (
        <button type="button" disabled={busy} onClick={more}>
          More
        </button>
      )}
    </Section>
  );
}

const customerLink = (customerId: string) => (
  <Link to={`/customers/${encodeURIComponent(customerId)}`}>{customerId}</Link>
);

/** Open follow-up tasks, the overdue and soonest due first (GET /v1/tasks). */
export function FollowUpsDue() {
  return (
    <PagedTable<Task>
      title="Follow-ups due"
      field="tasks-due"
      caption="Open follow-up tasks, soonest due first"
      empty="No follow-up is open."
      load={(cursor) => apiGet<Page<Task>>('/v1/tasks', { status: 'open', limit: PAGE, cursor })}
      rowKey={(t) => t.taskId}
      columns={[
        { label: 'Due', value: (t) => dateTime(t.dueAt) },
        {
          label: 'Customer',
          value: (t) => t.customerId,
          render: (t) => customerLink(t.customerId),
        },
        { label: 'Follow-up', value: (t) => t.reason },
        { label: 'Queue', value: (t) => t.queue },
        { label: 'Owner', value: (t) => t.ownerId ?? '—' },
        { label: 'Overdue', value: (t) => (t.overdue ? 'overdue' : '') },
        { label: 'Planned by', value: taskOrigin },
      ]}
    />
  );
}

/** Open complaints past a target across every customer, oldest first (GET /v1/complaints/breaching). */
export function BreachingComplaints() {
  return (
    <PagedTable<BreachingComplaint>
      title="Complaints past their targets"
      field="breaches"
      caption="Open complaints past their acknowledgement or resolution target, oldest first"
      empty="No open complaint is past its targets."
      load={(cursor) =>
        apiGet<Page<BreachingComplaint>>('/v1/complaints/breaching', { limit: PAGE, cursor })
      }
      rowKey={(c) => c.complaintId}
      columns={[
        { label: 'Filed', value: (c) => dateTime(c.filedAt) },
        {
          label: 'Customer',
          value: (c) => c.customerId,
          render: (c) => customerLink(c.customerId),
        },
        { label: 'Complaint', value: (c) => `${c.complaintId} (${c.category})` },
        { label: 'Severity', value: (c) => c.severity },
        {
          label: 'Past',
          value: (c) =>
            c.breached
              .map((b) =>
                b === 'acknowledgement'
                  ? `acknowledgement (due ${dateTime(c.acknowledgeBy)})`
                  : `resolution (due ${dateTime(c.resolveBy)})`,
              )
              .join('; '),
        },
      ]}
    />
  );
}
