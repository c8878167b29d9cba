import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { ChartCanvas, ChartCard } from '../components/chart';
import { Loading, Section } from '../components/status';
import { DataTable } from '../components/table';
import { money, percent, useApi } from '../data';
import { Link, setQuery, useLocation } from '../router';
import { PolicyWhatIf } from './what-if';

interface Counts {
  approved: number;
  rejected: number;
  needsReview: number;
  approvalRate: number;
}
interface RateRow {
  key: string;
  decisions: number;
  byEngine: Counts;
  afterOverrides: Counts;
}
interface Report {
  decisions: number;
  byEngine: Counts;
  afterOverrides: Counts;
  costs: {
    currency: string;
    claims: number;
    approvedByEngine: number;
    approvedAfterOverrides: number;
  }[];
  byPolicyVersion: RateRow[];
  byProduct: RateRow[];
  byRule: { ruleId: string; passed: RateRow; failed: RateRow; notApplicable: number }[];
}
interface DecisionRow {
  claimId: string;
  customerId: string;
  filedAt: string;
  policyId: string;
  policyVersion: number;
  sku: string;
  outcome: string;
  finalOutcome: string;
  finalCoveredAmount: number;
  currency: string;
  overridden: boolean;
  insideLegalGuarantee: boolean;
  failedRules: string[];
}

interface DecisionPage {
  decisions: DecisionRow[];
  nextCursor: string | null;
  summary: Report;
}

const PAGE = 100;

const rateColumns = (label: string) => [
  { label, value: (r: RateRow) => r.key },
  { label: 'Decisions', value: (r: RateRow) => r.decisions, numeric: true },
  {
    label: 'Approved by engine',
    value: (r: RateRow) => Number(r.byEngine.approvalRate.toFixed(4)),
    numeric: true,
  },
  {
    label: 'Approved after overrides',
    value: (r: RateRow) => Number(r.afterOverrides.approvalRate.toFixed(4)),
    numeric: true,
  },
];

function RateChart(props: { id: string; title: string; rows: RateRow[]; keyLabel: string }) {
  return (
    <ChartCard<RateRow>
      id={props.id}
      title={props.title}
      rows={props.rows}
      columns={rateColumns(props.keyLabel)}
      chart={
        <ChartCanvas
          type="bar"
          label={`${props.title}: approval rate by engine and after overrides`}
          labels={props.rows.map((r) => r.key)}
          yTitle="approval rate"
          series={[
            { label: 'by engine', data: props.rows.map((r) => r.byEngine.approvalRate) },
            {
              label: 'after overrides',
              data: props.rows.map((r) => r.afterOverrides.approvalRate),
            },
          ]}
        />
      }
    />
  );
}

/** The warranty report for a period, the decisions in it, and the policy what-if. */
export function AuditPage() {
  const { query } = useLocation();
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const report = useApi(
    () => apiGet<DecisionPage>('/v1/warranty-claims', { from, to, limit: PAGE }),
    [from, to],
  );
  return (
    <>
      <h1>Warranty audit</h1>
      {/* The dates are the browser's until Show (a value prop would put the applied ones back
          when the report loads); the form is made anew when the applied period changes. */}
      <form
        key={`${from}|${to}`}
        class="filters"
        aria-label="Period"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.target as HTMLFormElement);
          setQuery({ from: String(form.get('from') ?? ''), to: String(form.get('to') ?? '') });
        }}
      >
        <label>
          Filed from <input type="date" name="from" defaultValue={from} />
        </label>
        <label>
          to <input type="date" name="to" defaultValue={to} />
        </label>
        <button type="submit">Show</button>
      </form>
      <Loading state={report} what="the decisions">
        {({ decisions, nextCursor, summary }) => (
          <div class="grid">
            <Section title="Summary">
              <p data-field="decisions">
                {summary.decisions} decisions; approved {percent(summary.byEngine.approvalRate, 1)}{' '}
                by the engine, {percent(summary.afterOverrides.approvalRate, 1)} after overrides.
              </p>
              <ul>
                {summary.costs.map((c) => (
                  <li key={c.currency}>
                    {c.currency}: {money(c.approvedByEngine, c.currency)} approved by the engine,{' '}
                    {money(c.approvedAfterOverrides, c.currency)} after overrides ({c.claims}{' '}
                    claims)
                  </li>
                ))}
              </ul>
            </Section>
            <RateChart
              id="by-policy-version"
              title="By policy version"
              rows={summary.byPolicyVersion}
              keyLabel="Policy version"
            />
            <RateChart
              id="by-product"
              title="By product"
              rows={summary.byProduct}
              keyLabel="Product"
            />
            <RuleChart rows={summary.byRule} />
            <PolicyWhatIf from={from} to={to} />
            <Decisions
              first={{ decisions, nextCursor }}
              total={summary.decisions}
              more={(cursor) =>
                apiGet<DecisionPage>('/v1/warranty-claims', { from, to, limit: PAGE, cursor })
              }
            />
          </div>
        )}
      </Loading>
    </>
  );
}

type RuleRow = Report['byRule'][number];

function RuleChart(props: { rows: RuleRow[] }) {
  return (
    <ChartCard<RuleRow>
      id="by-rule"
      title="By rule"
      rows={props.rows}
      columns={[
        { label: 'Rule', value: (r) => r.ruleId },
        { label: 'Passed', value: (r) => r.passed.decisions, numeric: true },
        { label: 'Failed', value: (r) => r.failed.decisions, numeric: true },
        { label: 'Not applicable', value: (r) => r.notApplicable, numeric: true },
      ]}
      chart={
        <ChartCanvas
          type="bar"
          horizontal
          label="Decisions where each rule passed or failed"
          labels={props.rows.map((r) => r.ruleId)}
          series={[
            { label: 'passed', data: props.rows.map((r) => r.passed.decisions) },
            { label: 'failed', data: props.rows.map((r) => r.failed.decisions) },
          ]}
        />
      }
    />
  );
}

/** The period's decisions by filing date, a page at a time (the API's keyset cursor). */
function Decisions(props: {
  first: { decisions: DecisionRow[]; nextCursor: string | null };
  total: number;
  more: (cursor: string) => Promise<{ decisions: DecisionRow[]; nextCursor: string | null }>;
}) {
  const [rows, setRows] = useState(props.first.decisions);
  const [cursor, setCursor] = useState(props.first.nextCursor);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setRows(props.first.decisions);
    setCursor(props.first.nextCursor);
  }, [props.first]);
  return (
    <Section title="Decisions" wide>
      <DataTable<DecisionRow>
        caption={`${props.total} decisions${rows.length < props.total ? `, first ${rows.length} by filing date shown` : ''}`}
        rows={rows}
        rowKey={(r) => r.claimId}
        sortable
        columns={[
          {
            label: 'Claim',
            value: (r) => r.claimId,
            render: (r) => <Link to={`/claims/${encodeURIComponent(r.claimId)}`}>{r.claimId}</Link>,
          },
          { label: 'Filed', value: (r) => r.filedAt.slice(0, 10) },
          { label: 'Policy', value: (r) => `${r.policyId} v${r.policyVersion}` },
          { label: 'Product', value: (r) => r.sku },
          { label: 'Engine', value: (r) => r.outcome },
          {
            label: 'Standing',
            value: (r) => `${r.finalOutcome}${r.overridden ? ' (overridden)' : ''}`,
          },
          {
            label: 'Covered',
            value: (r) => r.finalCoveredAmount,
            render: (r) => money(r.finalCoveredAmount, r.currency),
            numeric: true,
          },
          { label: 'Failed rules', value: (r) => r.failedRules.join(', ') },
        ]}
      />
      {cursor && (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            props.more(cursor).then(
              (page) => {
                setRows((r) => [...r, ...page.decisions]);
                setCursor(page.nextCursor);
                setBusy(false);
              },
              () => setBusy(false),
            );
          }}
        >
          More decisions
        </button>
      )}
    </Section>
  );
}
