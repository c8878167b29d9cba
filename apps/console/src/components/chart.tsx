import { useEffect, useRef, useState } from 'preact/hooks';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { DataTable, type Column } from './table';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface Series {
  label: string;
  data: (number | null)[];
}

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#0a7ea4'];

/** One Chart.js chart on a canvas, redrawn when its data change. */
export function ChartCanvas(props: {
  type: 'line' | 'bar';
  labels: string[];
  series: Series[];
  label: string;
  horizontal?: boolean;
  yTitle?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: props.type,
      data: {
        labels: props.labels,
        datasets: props.series.map((s, i) => ({
          label: s.label,
          data: s.data,
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          spanGaps: true,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: props.horizontal ? 'y' : 'x',
        plugins: { legend: { display: props.series.length > 1 } },
        scales: props.yTitle
          ? { [props.horizontal ? 'x' : 'y']: { title: { display: true, text: props.yTitle } } }
          : {},
      },
    });
    return () => chart.destroy();
  }, [props.type, JSON.stringify(props.labels), JSON.stringify(props.series)]);
  const points = props.series.reduce((n, s) => n + s.data.filter((v) => v !== null).length, 0);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={props.label} data-points={points} />
    </div>
  );
}

export function csvOf<T>(columns: Column<T>[], rows: T[]): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map((c) => cell(c.label)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','));
  return lines.join('\n') + '\n';
}

export function CsvButton<T>(props: { name: string; columns: Column<T>[]; rows: T[] }) {
  const download = (): void => {
    const url = URL.createObjectURL(
      new Blob([csvOf(props.columns, props.rows)], { type: 'text/csv' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = `${props.name}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <button type="button" onClick={download}>
      Download CSV
    </button>
  );
}

/** A chart with its data as a table one click away and a CSV download of the same rows. */
export function ChartCard<T>(props: {
  id: string;
  title: string;
  chart: preact.ComponentChildren;
  columns: Column<T>[];
  rows: T[];
}) {
  const [showTable, setShowTable] = useState(false);
  return (
    <section class="card" aria-labelledby={`${props.id}-title`} data-chart={props.id}>
      <div class="card-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <div class="actions">
          <button
            type="button"
            aria-expanded={showTable}
            aria-controls={`${props.id}-table`}
            onClick={() => setShowTable(!showTable)}
          >
            {showTable ? 'Hide data' : 'Show data'}
          </button>
          <CsvButton name={props.id} columns={props.columns} rows={props.rows} />
        </div>
      </div>
      {props.rows.length === 0 ? <p class="muted">No data.</p> : props.chart}
      <div id={`${props.id}-table`} hidden={!showTable}>
        {showTable && <DataTable caption={props.title} columns={props.columns} rows={props.rows} />}
      </div>
    </section>
  );
}
