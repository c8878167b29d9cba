import { useEffect, useState } from 'preact/hooks';
import { ApiProblem } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiProblem | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; a newer load wins over a slower older one. */
export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: Error) => current && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const money = (amount: number, currency: string): string =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(amount);

export const percent = (share: number | null | undefined, digits = 0): string =>
  share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)} %`;

export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');

export const dateTime = (iso: string | null | undefined): string =>
  iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—';

export const fixed = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined ? '—' : value.toFixed(digits);

/** A fresh id for Idempotency-Key and generated entity ids. */
export const freshId = (prefix: string): string =>
  `${prefix}-${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
