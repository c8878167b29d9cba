import { apiGet } from '../api';
import { ChartCanvas, ChartCard, CsvButton } from '../components/chart';
import { Loading, Section } from '../components/status';
import type { Column } from '../components/table';
import { percent, useApi } from '../data';

interface ProductCost {
  productCategory: string;
  sku: string;
  claims: number;
  approved: number;
  rejected: number;
  costByCurrency: Record<string, number>;
}
interface Cohort {
  cohort: string;
  customers: number;
  months: { offset: number; month: string; active: number; rate: number | null }[];
}

/** Warranty cost by product: one bar series per currency (never added across currencies). */
export function WarrantyCostChart() {
  const data = useApi(
    () => apiGet<{ products: ProductCost[] }>('/v1/analytics/warranty-cost-by-product'),
    [],
  );
  return (
    <Loading state={data} what="warranty cost">
      {({ products }) => {
        const currencies = [
          ...new Set(products.flatMap((p) => Object.keys(p.costByCurrency))),
        ].sort();
        return (
          <ChartCard<ProductCost>
            id="warranty-cost-by-product"
            title="Warranty cost by product"
            rows={products}
            columns={[
              { label: 'Product', value: (p) => `${p.sku} (${p.productCategory})` },
              { label: 'Claims', value: (p) => p.claims, numeric: true },
              { label: 'Approved', value: (p) => p.approved, numeric: true },
              { label: 'Rejected', value: (p) => p.rejected, numeric: true },
              ...currencies.map((c) => ({
                label: `Cost ${c}`,
                value: (p: ProductCost) => p.costByCurrency[c] ?? 0,
                numeric: true,
              })),
            ]}
            chart={
              <ChartCanvas
                type="bar"
                label="Warranty cost by product and currency"
                labels={products.map((p) => p.sku)}
                series={currencies.map((c) => ({
                  label: c,
                  data: products.map((p) => p.costByCurrency[c] ?? null),
                }))}
              />
            }
          />
        );
      }}
    </Loading>
  );
}

/** Cohort retention as a heat map: a table whose cells are shaded by the share buying again. */
export function CohortHeatMap() {
  const data = useApi(
    () => apiGet<{ asOf: string; cohorts: Cohort[] }>('/v1/analytics/cohort-retention'),
    [],
  );
  return (
    <Loading state={data} what="cohort retention">
      {({ cohorts }) => {
        const offsets = Math.min(12, Math.max(0, ...cohorts.map((c) => c.months.length)));
        const columns: Column<Cohort>[] = [
          { label: 'Cohort', value: (c) => c.cohort },
          { label: 'Customers', value: (c) => c.customers },
          ...Array.from({ length: offsets }, (_, i) => ({
            label: `+${i + 1}`,
            value: (c: Cohort) => c.months.find((m) => m.offset === i + 1)?.rate ?? null,
          })),
        ];
        return (
          <Section title="Cohort retention" id="cohort-retention-title" wide>
            <div class="card-head" data-chart="cohort-retention">
              <p class="muted">Share of each first-purchase cohort buying again n months later.</p>
              <CsvButton name="cohort-retention" columns={columns} rows={cohorts} />
            </div>
            <div
              class="table-wrap"
              tabIndex={0}
              role="region"
              aria-label="Cohort retention heat map"
            >
              <table
                class="heat"
                data-points={cohorts.reduce(
                  (n, c) => n + c.months.filter((m) => m.offset <= offsets).length,
                  0,
                )}
              >
                <caption>Cohort retention (months after the first purchase)</caption>
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <th key={c.label} scope="col">
                        {c.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {cohorts.map((c) => (
                    <tr key={c.cohort}>
                      <th scope="row">{c.cohort}</th>
                      <td>{c.customers}</td>
                      {columns.slice(2).map((col) => {
                        const rate = col.value(c) as number | null;
                        return (
                          <td
                            key={col.label}
                            class={`heat-${rate === null ? 'none' : Math.min(9, Math.floor(rate * 20))}`}
                          >
                            {rate === null ? '' : percent(rate)}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        );
      }}
    </Loading>
  );
}
