import type { ComponentChildren } from 'preact';
import { ApiProblem } from '../api';
import type { Loaded } from '../data';

export function ProblemBox(props: { error: Error }) {
  const { error } = props;
  const status = error instanceof ApiProblem ? `${error.status} ${error.title}: ` : '';
  return (
    <p class="problem" role="alert">
      {status}
      {error.message}
    </p>
  );
}

/** Renders `children(data)` once loaded, the problem if the API refused, a status line before. */
export function Loading<T>(props: {
  state: Loaded<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  const { state } = props;
  if (state.error) return <ProblemBox error={state.error} />;
  if (state.data === undefined) {
    return (
      <p class="muted" role="status">
        Loading {props.what}…
      </p>
    );
  }
  return <>{props.children(state.data)}</>;
}

/** A titled card; `wide` spans the whole grid row (tables with many columns). */
export function Section(props: {
  title: string;
  id?: string;
  wide?: boolean;
  children: ComponentChildren;
}) {
  const id = props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section class={props.wide ? 'card wide' : 'card'} aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}
