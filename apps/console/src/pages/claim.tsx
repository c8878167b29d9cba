import { apiGet } from '../api';
import { Loading, Section } from '../components/status';
import { DataTable } from '../components/table';
import { dateTime, money, useApi } from '../data';
import { Link } from '../router';

interface TraceEntry {
  ruleId: string;
  description: string;
  inputs: Record<string, unknown>;
  result: string;
  effect: string;
  explanation: string;
  statute?: string;
}

interface Decision {
  outcome: string;
  remedy: string | null;
  coveredAmount: number;
  currency: string;
  policy?: { policyId: string; version: number; effectiveFrom?: string; terms?: unknown };
  law?: { key: string; name?: string; statutes?: Record<string, string> };
  engineVersion: string;
  recordedAt: string;
  decidedBy?: { kind: string; agentId?: string };
  ruleTrace: TraceEntry[];
  facts: Record<string, unknown>;
  factsDigest: string;
}

interface Override {
  agentId: string;
  justification: string;
  outcome: string;
  coveredAmount: number;
  occurredAt: string;
  recordedAt: string;
  actor?: string;
  previous: { outcome: string; coveredAmount: number };
}

interface ClaimAudit {
  claimId: string;
  claim: { customerId: string; occurredAt: string; purchaseId: string } | null;
  decision: Decision | null;
  overrides: Override[];
  finalOutcome: string | null;
  verification: {
    chain: {
      ok: boolean;
      brokenAt?: number;
      reason?: string;
      message?: string;
      brokenEvent?: { revision: string; type: string; id: string };
    };
    recomputation: { matches: boolean; mismatches?: unknown[] } | null;
    policyMatchesPublished: boolean | null;
    ok: boolean;
  };
}

const show = (value: unknown): string =>
  value === null || value === undefined
    ? '—'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** One warranty claim for an auditor: facts, policy, rule trace, overrides and its integrity. */
export function ClaimPage(props: { id: string }) {
  const audit = useApi(
    () => apiGet<ClaimAudit>(`/v1/warranty-claims/${encodeURIComponent(props.id)}/audit`),
    [props.id],
  );
  return (
    <>
      <h1>Warranty claim {props.id}</h1>
      <Loading state={audit} what="the claim's audit">
        {(a) => (
          <div class="grid">
            <Verification audit={a} />
            <DecisionSummary audit={a} />
            {a.decision && <Trace trace={a.decision.ruleTrace} />}
            {a.decision && <Facts decision={a.decision} />}
            <Overrides overrides={a.overrides} />
          </div>
        )}
      </Loading>
    </>
  );
}

function Verification(props: { audit: ClaimAudit }) {
  const { chain, recomputation, policyMatchesPublished } = props.audit.verification;
  return (
    <Section title="Record integrity">
      {chain.ok ? (
        <p data-field="chain">
          <span class="badge ok">intact</span> The hash chain over the claim's events verifies.
        </p>
      ) : (
        <p data-field="chain" role="alert">
          <span class="badge breached">broken</span> First broken link at revision {chain.brokenAt}
          {chain.brokenEvent ? ` (${chain.brokenEvent.type})` : ''}: {chain.reason}. {chain.message}
        </p>
      )}
      <p>
        Recomputed from its facts:{' '}
        {recomputation === null
          ? 'no decision'
          : recomputation.matches
            ? 'the same decision'
            : 'a different decision'}
        . Policy version as published:{' '}
        {policyMatchesPublished === null ? 'unknown' : policyMatchesPublished ? 'yes' : 'no'}.
      </p>
    </Section>
  );
}

function DecisionSummary(props: { audit: ClaimAudit }) {
  const { claim, decision, finalOutcome } = props.audit;
  return (
    <Section title="Decision">
      {decision ? (
        <dl class="facts">
          <dt>Customer</dt>
          <dd>
            {claim ? (
              <Link to={`/customers/${encodeURIComponent(claim.customerId)}`}>
                {claim.customerId}
              </Link>
            ) : (
              '—'
            )}
          </dd>
          <dt>Engine outcome</dt>
          <dd data-field="outcome">
            {decision.outcome}
            {decision.remedy ? ` (${decision.remedy})` : ''},{' '}
            {money(decision.coveredAmount, decision.currency)}
          </dd>
          <dt>Standing now</dt>
          <dd>{finalOutcome ?? '—'}</dd>
          <dt>Policy</dt>
          <dd data-field="policy">
            {decision.policy
              ? `${decision.policy.policyId} version ${decision.policy.version}`
              : '—'}
            {decision.policy?.effectiveFrom
              ? `, in force from ${decision.policy.effectiveFrom.slice(0, 10)}`
              : ''}
          </dd>
          <dt>Law applied</dt>
          <dd>{decision.law ? `${decision.law.name ?? ''} (${decision.law.key})` : '—'}</dd>
          <dt>Engine</dt>
          <dd>
            {decision.engineVersion}, decided by{' '}
            {decision.decidedBy?.kind === 'agent' ? decision.decidedBy.agentId : 'the engine'}
          </dd>
          <dt>Recorded</dt>
          <dd>{dateTime(decision.recordedAt)}</dd>
        </dl>
      ) : (
        <p class="muted">Not decided.</p>
      )}
    </Section>
  );
}

function Trace(props: { trace: TraceEntry[] }) {
  return (
    <Section title="Rule trace" wide>
      <DataTable<TraceEntry>
        caption="Every rule the engine evaluated, in order"
        rows={props.trace}
        rowKey={(t) => t.ruleId}
        columns={[
          { label: 'Rule', value: (t) => t.ruleId },
          {
            label: 'Inputs',
            value: (t) =>
              Object.entries(t.inputs)
                .map(([k, v]) => `${k}=${show(v)}`)
                .join(', '),
          },
          { label: 'Result', value: (t) => t.result },
          { label: 'Effect', value: (t) => t.effect },
          { label: 'Explanation', value: (t) => t.explanation },
          { label: 'Statute', value: (t) => t.statute ?? null },
        ]}
      />
    </Section>
  );
}

/** One level of facts as a list; deeper values as compact JSON. */
function FactList(props: { facts: Record<string, unknown> }) {
  return (
    <dl class="facts">
      {Object.entries(props.facts).flatMap(([name, value]) => [
        <dt key={`${name}-t`}>{name}</dt>,
        <dd key={`${name}-d`}>{show(value)}</dd>,
      ])}
    </dl>
  );
}

function Facts(props: { decision: Decision }) {
  const { policy: _policy, law: _law, ...facts } = props.decision.facts;
  const { policy, law } = props.decision;
  return (
    <Section title="Facts at decision time">
      {Object.entries(facts).map(([name, value]) =>
        value && typeof value === 'object' && !Array.isArray(value) ? (
          <div key={name}>
            <h3>{name}</h3>
            <FactList facts={value as Record<string, unknown>} />
          </div>
        ) : (
          <FactList
            key={name}
            facts={{ [name]: Array.isArray(value) ? `${value.length} ${show(value)}` : value }}
          />
        ),
      )}
      {law?.statutes && (
        <>
          <h3>Statutes of {law.name ?? law.key}</h3>
          <FactList facts={law.statutes} />
        </>
      )}
      {policy?.terms !== undefined && (
        <>
          <h3>
            Policy terms ({policy.policyId} v{policy.version})
          </h3>
          <pre class="terms" tabIndex={0} aria-label="Policy terms">
            {JSON.stringify(policy.terms, null, 2)}
          </pre>
        </>
      )}
      <p class="muted">Facts digest {props.decision.factsDigest}</p>
    </Section>
  );
}

function Overrides(props: { overrides: Override[] }) {
  return (
    <Section title="Overrides">
      {props.overrides.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <DataTable<Override>
          caption="Decisions changed by a person"
          rows={props.overrides}
          columns={[
            { label: 'When', value: (o) => dateTime(o.recordedAt) },
            { label: 'Who', value: (o) => `${o.agentId}${o.actor ? ` (${o.actor})` : ''}` },
            { label: 'From', value: (o) => `${o.previous.outcome} ${o.previous.coveredAmount}` },
            { label: 'To', value: (o) => `${o.outcome} ${o.coveredAmount}` },
            { label: 'Why', value: (o) => o.justification },
          ]}
        />
      )}
    </Section>
  );
}
