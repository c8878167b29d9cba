import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { Loading, ProblemBox, Section } from '../components/status';
import { DataTable } from '../components/table';
import { money, useApi } from '../data';
import { Link } from '../router';

interface Policy {
  policyId: string;
  name: string;
  versions: number[];
}
interface Change {
  claimId: string;
  currency: string;
  recorded: { policyVersion: number; outcome: string; coveredAmount: number };
  replayed: { outcome: string; coveredAmount: number };
  costDifference: number;
}
interface Replay {
  policyId: string;
  version: number;
  claims: number;
  changed: Change[];
  costs: { currency: string; recorded: number; replayed: number; difference: number }[];
}

/** Re-decide the period's claims under another version of their policy (GET /v1/audit/policy-replay). */
export function PolicyWhatIf(props: { from: string; to: string }) {
  const policies = useApi(() => apiGet<Policy[]>('/v1/warranty-policies'), []);
  const [choice, setChoice] = useState('');
  const [result, setResult] = useState<Replay | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (event: Event): Promise<void> => {
    event.preventDefault();
    const [policyId, version] = choice.split('@');
    setBusy(true);
    setError(null);
    try {
      setResult(
        await apiGet<Replay>('/v1/audit/policy-replay', {
          policyId,
          version,
          from: props.from,
          to: props.to,
        }),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Policy what-if" wide>
      <Loading state={policies} what="the policies">
        {(list) => (
          <form onSubmit={run} class="filters">
            <label>
              Replay under policy version{' '}
              <select
                value={choice}
                required
                onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}
              >
                <option value="">choose…</option>
                {list.flatMap((p) =>
                  p.versions.map((v) => (
                    <option key={`${p.policyId}@${v}`} value={`${p.policyId}@${v}`}>
                      {p.policyId} v{v} ({p.name})
                    </option>
                  )),
                )}
              </select>
            </label>
            <button type="submit" disabled={busy || !choice}>
              Re-decide {props.from || props.to ? 'the period' : 'all claims'}
            </button>
          </form>
        )}
      </Loading>
      {error && <ProblemBox error={error} />}
      {result && (
        <div data-field="what-if">
          <p>
            {result.claims} claims under {result.policyId} re-decided with version {result.version}:{' '}
            {result.changed.length} would change.
          </p>
          <ul>
            {result.costs.map((c) => (
              <li key={c.currency}>
                {c.currency}: {money(c.recorded, c.currency)} recorded,{' '}
                {money(c.replayed, c.currency)} under v{result.version}, difference{' '}
                {money(c.difference, c.currency)}
              </li>
            ))}
          </ul>
          {result.changed.length > 0 && (
            <DataTable<Change>
              caption="Decisions that would change"
              rows={result.changed}
              rowKey={(c) => c.claimId}
              columns={[
                {
                  label: 'Claim',
                  value: (c) => c.claimId,
                  render: (c) => (
                    <Link to={`/claims/${encodeURIComponent(c.claimId)}`}>{c.claimId}</Link>
                  ),
                },
                {
                  label: 'Recorded',
                  value: (c) =>
                    `${c.recorded.outcome} ${c.recorded.coveredAmount} (v${c.recorded.policyVersion})`,
                },
                {
                  label: 'Would be',
                  value: (c) => `${c.replayed.outcome} ${c.replayed.coveredAmount}`,
                },
                {
                  label: 'Cost difference',
                  value: (c) => c.costDifference,
                  render: (c) => money(c.costDifference, c.currency),
                  numeric: true,
                },
              ]}
            />
          )}
        </div>
      )}
    </Section>
  );
}
