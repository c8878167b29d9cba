import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { ChartCanvas, ChartCard } from '../components/chart';
import { Loading } from '../components/status';
import { useApi } from '../data';
import { CohortHeatMap, WarrantyCostChart } from './analytics-more';
import { ChurnBands, ClvHistogram } from './analytics-scores';

interface NpsMonth {
  month: string;
  responses: number;
  promoters: number;
  detractors: number;
  nps: number | null;
}
interface CsatMonth {
  month: string;
  responses: number;
  mean: number | null;
  satisfiedShare: number | null;
}
interface SkuRate {
  sku: string;
  productCategory: string;
  unitsSold: number;
  count: number;
  rate: number | null;
}
interface DefectRate {
  key: string;
  repairs: number;
  rate: number | null;
}

const round = (x: number | null, digits = 4): number | null =>
  x === null ? null : Number(x.toFixed(digits));

/** Population analytics from /v1/analytics, each chart with its table and a CSV. */
export function AnalyticsPage() {
  return (
    <>
      <h1>Analytics</h1>
      <div class="grid">
        <NpsChart />
        <CsatChart />
        <SkuRates
          id="complaints-by-sku"
          title="Complaints per unit sold by SKU"
          load={() =>
            apiGet<{
              skus: {
                sku: string;
                productCategory: string;
                unitsSold: number;
                complaints: number;
                complaintRate: number | null;
              }[];
            }>('/v1/analytics/complaints-by-sku').then((r) =>
              r.skus.map((s) => ({ ...s, count: s.complaints, rate: s.complaintRate })),
            )
          }
          countLabel="Complaints"
        />
        <RepairCharts />
        <WarrantyCostChart />
        <ClvHistogram />
        <ChurnBands />
        <CohortHeatMap />
      </div>
    </>
  );
}

function NpsChart() {
  const data = useApi(() => apiGet<{ months: NpsMonth[] }>('/v1/analytics/nps-by-month'), []);
  return (
    <Loading state={data} what="NPS">
      {({ months }) => (
        <ChartCard<NpsMonth>
          id="nps-by-month"
          title="NPS by month"
          rows={months}
          columns={[
            { label: 'Month', value: (m) => m.month },
            { label: 'Responses', value: (m) => m.responses, numeric: true },
            { label: 'Promoters', value: (m) => m.promoters, numeric: true },
            { label: 'Detractors', value: (m) => m.detractors, numeric: true },
            { label: 'NPS', value: (m) => round(m.nps, 1), numeric: true },
          ]}
          chart={
            <ChartCanvas
              type="line"
              label="NPS by month"
              labels={months.map((m) => m.month)}
              series={[{ label: 'NPS', data: months.map((m) => m.nps) }]}
              yTitle="NPS"
            />
          }
        />
      )}
    </Loading>
  );
}

function CsatChart() {
  const data = useApi(() => apiGet<{ months: CsatMonth[] }>('/v1/analytics/csat-by-month'), []);
  return (
    <Loading state={data} what="CSAT">
      {({ months }) => (
        <ChartCard<CsatMonth>
          id="csat-by-month"
          title="CSAT by month (mean, 1-5)"
          rows={months}
          columns={[
            { label: 'Month', value: (m) => m.month },
            { label: 'Responses', value: (m) => m.responses, numeric: true },
            { label: 'Mean', value: (m) => round(m.mean, 3), numeric: true },
            { label: 'Share 4-5', value: (m) => round(m.satisfiedShare, 3), numeric: true },
          ]}
          chart={
            <ChartCanvas
              type="line"
              label="CSAT mean by month"
              labels={months.map((m) => m.month)}
              series={[{ label: 'CSAT mean', data: months.map((m) => m.mean) }]}
              yTitle="CSAT"
            />
          }
        />
      )}
    </Loading>
  );
}

type SortKey = 'rate' | 'count' | 'sku';
const SORTS: Record<SortKey, (a: SkuRate, b: SkuRate) => number> = {
  rate: (a, b) => (b.rate ?? -1) - (a.rate ?? -1),
  count: (a, b) => b.count - a.count,
  sku: (a, b) => a.sku.localeCompare(b.sku),
};

/** Rates per unit sold by SKU as bars, in the order the reader picks. */
export function SkuRates(props: {
  id: string;
  title: string;
  load: () => Promise<SkuRate[]>;
  countLabel: string;
}) {
  const data = useApi(props.load, []);
  const [sort, setSort] = useState<SortKey>('rate');
  return (
    <Loading state={data} what={props.title}>
      {(rows) => {
        const sorted = [...rows].sort(SORTS[sort]);
        return (
          <ChartCard<SkuRate>
            id={props.id}
            title={props.title}
            rows={sorted}
            columns={[
              { label: 'SKU', value: (r) => r.sku },
              { label: 'Category', value: (r) => r.productCategory },
              { label: 'Units sold', value: (r) => r.unitsSold, numeric: true },
              { label: props.countLabel, value: (r) => r.count, numeric: true },
              { label: 'Per unit', value: (r) => round(r.rate), numeric: true },
            ]}
            chart={
              <>
                <label>
                  Order by{' '}
                  <select
                    value={sort}
                    onChange={(e) => setSort((e.target as HTMLSelectElement).value as SortKey)}
                  >
                    <option value="rate">rate</option>
                    <option value="count">count</option>
                    <option value="sku">SKU</option>
                  </select>
                </label>
                <ChartCanvas
                  type="bar"
                  label={props.title}
                  labels={sorted.map((r) => r.sku)}
                  series={[{ label: 'per unit sold', data: sorted.map((r) => r.rate) }]}
                />
              </>
            }
          />
        );
      }}
    </Loading>
  );
}

function RepairCharts() {
  const data = useApi(
    () =>
      apiGet<{
        skus: {
          sku: string;
          productCategory: string;
          unitsSold: number;
          repairs: number;
          repairRate: number | null;
          byDefect: { defectCode: string; repairs: number; rate: number | null }[];
        }[];
      }>('/v1/analytics/repairs-by-sku'),
    [],
  );
  return (
    <Loading state={data} what="repairs">
      {({ skus }) => {
        const rates = skus.map((s) => ({ ...s, count: s.repairs, rate: s.repairRate }));
        const defects: DefectRate[] = skus
          .flatMap((s) =>
            s.byDefect.map((d) => ({
              key: `${s.sku} · ${d.defectCode}`,
              repairs: d.repairs,
              rate: d.rate,
            })),
          )
          .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1));
        return (
          <>
            <SkuRates
              id="repairs-by-sku"
              title="Repairs per unit sold by SKU"
              load={() => Promise.resolve(rates)}
              countLabel="Repairs"
            />
            <ChartCard<DefectRate>
              id="repairs-by-defect"
              title="Repairs per unit sold by SKU and defect"
              rows={defects}
              columns={[
                { label: 'SKU · defect', value: (d) => d.key },
                { label: 'Repairs', value: (d) => d.repairs, numeric: true },
                { label: 'Per unit', value: (d) => round(d.rate), numeric: true },
              ]}
              chart={
                <ChartCanvas
                  type="bar"
                  horizontal
                  label="Repairs per unit sold by SKU and defect"
                  labels={defects.map((d) => d.key)}
                  series={[{ label: 'per unit sold', data: defects.map((d) => d.rate) }]}
                />
              }
            />
          </>
        );
      }}
    </Loading>
  );
}
