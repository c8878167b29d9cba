import { ChartCard, ChartCanvas } from '../components/chart';
import { Section } from '../components/status';
import { DataTable } from '../components/table';
import { dateTime, day, fixed, money, percent } from '../data';
import type { Session } from '../session';
import { complaintDue } from '../complaints';
import type { Complaint, CustomerView, Product } from './customer-types';

export function SatisfactionSection(props: { view: CustomerView }) {
  const { satisfaction } = props.view;
  return (
    <Section title="Satisfaction">
      <p>
        <span class={`badge ${satisfaction.state}`} data-field="satisfaction">
          {satisfaction.state.replace('_', ' ')}
        </span>
      </p>
      {satisfaction.reasons.length > 0 ? (
        <ul>
          {satisfaction.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">No reasons recorded.</p>
      )}
    </Section>
  );
}

type Factor = NonNullable<CustomerView['churnRisk']>['factors'][number];

export function ChurnSection(props: { view: CustomerView }) {
  const risk = props.view.churnRisk;
  if (!risk) {
    return (
      <Section title="Churn risk">
        <p class="muted">Unavailable: {props.view.unavailable.churnRisk ?? 'no score'}</p>
      </Section>
    );
  }
  const factors = [...risk.factors].sort(
    (a, b) => Math.abs(b.contribution) - Math.abs(a.contribution),
  );
  return (
    <ChartCard<Factor>
      id="churn-factors"
      title={`Churn risk ${percent(risk.probability)} (${risk.band})`}
      rows={factors}
      columns={[
        { label: 'Factor', value: (f) => f.name },
        { label: 'Value', value: (f) => Number(f.value.toFixed(3)), numeric: true },
        { label: 'Weight', value: (f) => Number(f.weight.toFixed(3)), numeric: true },
        {
          label: 'Contribution (log-odds)',
          value: (f) => Number(f.contribution.toFixed(3)),
          numeric: true,
        },
      ]}
      chart={
        <>
          <p class="muted" data-field="churn">
            Probability {percent(risk.probability, 1)}, band {risk.band}; P(alive){' '}
            {percent(risk.pAlive, 1)}
            {risk.horizonWeeks ? ` at ${risk.horizonWeeks} weeks` : ''}
            {risk.purchaseModel
              ? ` (${risk.purchaseModel}, ${risk.weightsSource ?? ''} weights)`
              : ''}
            .
          </p>
          <ChartCanvas
            type="bar"
            horizontal
            label="Each factor's contribution to churn risk, log-odds"
            labels={factors.map((f) => f.name)}
            series={[
              { label: 'Contribution (log-odds)', data: factors.map((f) => f.contribution) },
            ]}
          />
        </>
      }
    />
  );
}

export function ClvSection(props: { view: CustomerView }) {
  const clv = props.view.clv;
  return (
    <Section title="Customer lifetime value">
      {clv ? (
        <dl class="facts">
          <dt>CLV</dt>
          <dd data-field="clv">{money(clv.clv, clv.currency)}</dd>
          <dt>Horizon</dt>
          <dd>{clv.horizonWeeks} weeks</dd>
          <dt>Expected purchases · average value</dt>
          <dd>
            {fixed(clv.expectedPurchases)} · {money(clv.expectedAverageValue, clv.currency)}
          </dd>
          <dt>P(alive)</dt>
          <dd>{percent(clv.pAlive, 1)}</dd>
          <dt>Model</dt>
          <dd>
            BG/NBD + Gamma-Gamma fit {clv.fit.id ?? '—'}
            {clv.fit.window ? `, trained on ${clv.fit.window.from} to ${clv.fit.window.to}` : ''}
          </dd>
        </dl>
      ) : (
        <p class="muted">Unavailable: {props.view.unavailable.clv ?? 'no value'}</p>
      )}
    </Section>
  );
}

const cover = (p: Product): string =>
  p.warranty.coveredNow
    ? 'covered'
    : p.warranty.commercialEndsAt || p.warranty.legalGuaranteeEndsAt
      ? 'expired'
      : 'none';

export function PurchasesSection(props: { view: CustomerView }) {
  return (
    <Section title="Purchases and warranty" wide>
      <DataTable<Product>
        caption={`${props.view.purchases.count} purchases; coverage as of ${day(props.view.now)}`}
        rows={props.view.products}
        rowKey={(p) => p.purchaseId}
        columns={[
          { label: 'Product', value: (p) => `${p.sku} (${p.productCategory})` },
          { label: 'Bought', value: (p) => day(p.purchasedAt) },
          {
            label: 'Price',
            value: (p) => p.price,
            render: (p) => money(p.price, p.currency),
            numeric: true,
          },
          {
            label: 'Commercial warranty',
            value: (p) =>
              p.warranty.commercialEndsAt
                ? `v${p.warranty.commercialPolicyVersion ?? '?'} until ${day(p.warranty.commercialEndsAt)}`
                : '—',
          },
          { label: 'Legal guarantee until', value: (p) => day(p.warranty.legalGuaranteeEndsAt) },
          { label: 'Covered', value: cover },
        ]}
      />
    </Section>
  );
}

export function ComplaintsSection(props: { view: CustomerView; session: Session }) {
  const due = (c: Complaint, kind: 'acknowledge' | 'resolve') =>
    complaintDue(c, props.session.complaintTargets, props.view.now)?.[kind] ?? null;
  const target = (c: Complaint, kind: 'acknowledge' | 'resolve') => {
    const d = due(c, kind);
    if (!d) return '—';
    return (
      <>
        {dateTime(d.at)} {d.breached && <span class="badge breached">breached</span>}
      </>
    );
  };
  return (
    <Section title="Open complaints" wide>
      {props.view.openComplaints.length === 0 ? (
        <p class="muted">None open.</p>
      ) : (
        <DataTable<Complaint>
          caption="Targets start when the complaint is filed"
          rows={props.view.openComplaints}
          rowKey={(c) => c.complaintId}
          columns={[
            { label: 'Complaint', value: (c) => `${c.complaintId} (${c.category})` },
            { label: 'Severity', value: (c) => c.severity },
            { label: 'Filed', value: (c) => dateTime(c.filedAt) },
            { label: 'Acknowledged', value: (c) => dateTime(c.acknowledgedAt) },
            {
              label: 'Acknowledge by',
              value: (c) => due(c, 'acknowledge')?.at ?? null,
              render: (c) => target(c, 'acknowledge'),
            },
            {
              label: 'Resolve by',
              value: (c) => due(c, 'resolve')?.at ?? null,
              render: (c) => target(c, 'resolve'),
            },
          ]}
        />
      )}
    </Section>
  );
}
