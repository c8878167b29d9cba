import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { ChartCanvas, ChartCard } from '../components/chart';
import { Loading } from '../components/status';
import { money, useApi } from '../data';

interface Bin {
  from: number;
  to: number | null;
  count: number;
}
interface CurrencyHistogram {
  currency: string;
  count: number;
  median: number | null;
  p90: number | null;
  p99: number | null;
  bins: Bin[];
}
interface BinRow extends Bin {
  currency: string;
}
interface Band {
  band: string;
  customers: number;
  valueAtRisk: { currency: string; amount: number; customers: number }[];
}

const binLabel = (bin: Bin): string =>
  bin.to === null
    ? `≥ ${bin.from.toLocaleString('en-GB')}`
    : `${bin.from.toLocaleString('en-GB')}–${bin.to.toLocaleString('en-GB')}`;

/** The CLV histogram of one currency at a time (CLVs in different currencies are never pooled). */
export function ClvHistogram() {
  const data = useApi(
    () => apiGet<{ currencies: CurrencyHistogram[] }>('/v1/analytics/clv-distribution'),
    [],
  );
  const [picked, setPicked] = useState<string | null>(null);
  return (
    <Loading state={data} what="the CLV distribution">
      {({ currencies }) => {
        const shown = currencies.find((c) => c.currency === picked) ?? currencies[0];
        const rows: BinRow[] = currencies.flatMap((c) =>
          c.bins.map((b) => ({ ...b, currency: c.currency })),
        );
        return (
          <ChartCard<BinRow>
            id="clv-distribution"
            title="CLV distribution"
            rows={rows}
            columns={[
              { label: 'Currency', value: (r) => r.currency },
              { label: 'CLV from', value: (r) => r.from, numeric: true },
              { label: 'CLV below', value: (r) => r.to, numeric: true },
              { label: 'Customers', value: (r) => r.count, numeric: true },
            ]}
            chart={
              shown && (
                <>
                  <div class="filters">
                    {currencies.length > 1 && (
                      <label>
                        Currency{' '}
                        <select
                          value={shown.currency}
                          onChange={(e) => setPicked((e.target as HTMLSelectElement).value)}
                        >
                          {currencies.map((c) => (
                            <option key={c.currency} value={c.currency}>
                              {c.currency}
                            </option>
                          ))}
                        </select>
                      </label>
                    )}
                    <p class="muted" data-field="clv-summary">
                      {shown.count} customers; median{' '}
                      {shown.median === null ? '—' : money(shown.median, shown.currency)}, 90th
                      percentile {shown.p90 === null ? '—' : money(shown.p90, shown.currency)}
                    </p>
                  </div>
                  <ChartCanvas
                    type="bar"
                    label={`Customers by CLV in ${shown.currency}`}
                    labels={shown.bins.map(binLabel)}
                    series={[{ label: 'customers', data: shown.bins.map((b) => b.count) }]}
                    yTitle="customers"
                  />
                </>
              )
            }
          />
        );
      }}
    </Loading>
  );
}

/** Customers per churn band, and the value at risk each band holds per currency. */
export function ChurnBands() {
  const data = useApi(() => apiGet<{ bands: Band[] }>('/v1/analytics/churn-bands'), []);
  return (
    <Loading state={data} what="the churn bands">
      {({ bands }) => {
        const currencies = [
          ...new Set(bands.flatMap((b) => b.valueAtRisk.map((v) => v.currency))),
        ].sort();
        const atRisk = (band: Band, currency: string): number | null =>
          band.valueAtRisk.find((v) => v.currency === currency)?.amount ?? null;
        return (
          <ChartCard<Band>
            id="churn-bands"
            title="Churn bands"
            rows={bands}
            columns={[
              { label: 'Band', value: (b) => b.band },
              { label: 'Customers', value: (b) => b.customers, numeric: true },
              ...currencies.map((c) => ({
                label: `Value at risk ${c}`,
                value: (b: Band) => atRisk(b, c) ?? 0,
                numeric: true,
              })),
            ]}
            chart={
              <>
                <ChartCanvas
                  type="bar"
                  label="Customers by churn band"
                  labels={bands.map((b) => b.band)}
                  series={[{ label: 'customers', data: bands.map((b) => b.customers) }]}
                  yTitle="customers"
                />
                <ChartCanvas
                  type="bar"
                  label="Value at risk by churn band and currency"
                  labels={bands.map((b) => b.band)}
                  series={currencies.map((c) => ({
                    label: `value at risk ${c}`,
                    data: bands.map((b) => atRisk(b, c)),
                  }))}
                  yTitle="value at risk"
                />
              </>
            }
          />
        );
      }}
    </Loading>
  );
}
