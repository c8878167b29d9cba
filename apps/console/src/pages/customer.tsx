import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { dateTime, day, useApi } from '../data';
import { Loading, Section } from '../components/status';
import { navigate, setQuery, useLocation } from '../router';
import { can, type Session } from '../session';
import type { CustomerView } from './customer-types';
import {
  ChurnSection,
  ClvSection,
  ComplaintsSection,
  PurchasesSection,
  SatisfactionSection,
} from './customer-sections';
import { Timeline } from './timeline';
import { CustomerActions } from './customer-actions';

/** Customer 360: the customer as the API computes them, optionally as of a business and a record time. */
export function CustomerPage(props: { id: string; session: Session }) {
  const { query } = useLocation();
  const asOf = query.get('asOf') ?? '';
  const knownAt = query.get('knownAt') ?? '';
  const view = useApi(
    () => apiGet<CustomerView>(`/v1/customers/${encodeURIComponent(props.id)}`, { asOf, knownAt }),
    [props.id, asOf, knownAt],
  );
  const canWrite = can(props.session, 'agent') && !asOf && !knownAt;
  return (
    <>
      <h1>Customer {props.id}</h1>
      <AsOfControl asOf={asOf} knownAt={knownAt} />
      <Loading state={view} what="the customer">
        {(c) => (
          <div class="grid">
            <Identity view={c} session={props.session} />
            <SatisfactionSection view={c} />
            <ChurnSection view={c} />
            <ClvSection view={c} />
            <PurchasesSection view={c} />
            <ComplaintsSection view={c} session={props.session} />
            {canWrite && <CustomerActions view={c} onRecorded={view.reload} />}
            <Timeline customerId={c.customerId} asOf={asOf} knownAt={knownAt} loadedAt={c.now} />
          </div>
        )}
      </Loading>
    </>
  );
}

/** Both time axes: "as it was on T" (business time) and "as we knew it on T" (record time). */
function AsOfControl(props: { asOf: string; knownAt: string }) {
  const [asOf, setAsOf] = useState(props.asOf);
  const [knownAt, setKnownAt] = useState(props.knownAt);
  return (
    <form
      class="asof"
      aria-label="Point in time"
      onSubmit={(event) => {
        event.preventDefault();
        setQuery({ asOf, knownAt });
      }}
    >
      <label>
        As it was on (business time)
        <input
          type="date"
          name="asOf"
          value={asOf}
          onInput={(e) => setAsOf((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        As we knew it on (record time)
        <input
          type="date"
          name="knownAt"
          value={knownAt}
          onInput={(e) => setKnownAt((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Show</button>
      <button
        type="button"
        onClick={() => {
          setAsOf('');
          setKnownAt('');
          setQuery({ asOf: undefined, knownAt: undefined });
        }}
      >
        Now
      </button>
    </form>
  );
}

/** A personal-data field as the API sent it: text, or a marker ({redacted} or {erased}). */
const piiText = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const marker = (value: unknown, key: 'redacted' | 'erased'): boolean =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)[key] === true;

function Contact(props: { view: CustomerView; session: Session }) {
  const { contact, piiErased } = props.view;
  if (piiErased || marker(contact, 'erased') || marker(contact?.name, 'erased'))
    return <em>erased</em>;
  const name = piiText(contact?.name);
  const email = piiText(contact?.email);
  if (!name && !email) {
    const hidden =
      marker(contact, 'redacted') || marker(contact?.name, 'redacted') || !props.session.canReadPii;
    return <em>{hidden ? 'not shown to your role' : 'none recorded'}</em>;
  }
  return (
    <>
      <span data-field="name">{name}</span>
      {email ? <> · {email}</> : null}
    </>
  );
}

function Identity(props: { view: CustomerView; session: Session }) {
  const c = props.view;
  return (
    <Section title="Who" id="who">
      <dl class="facts">
        <dt>Contact</dt>
        <dd>
          <Contact view={c} session={props.session} />
        </dd>
        <dt>Registered</dt>
        <dd>{day(c.registeredAt)}</dd>
        <dt>Country / jurisdiction</dt>
        <dd>
          {c.countryCode ?? '—'} / {c.jurisdiction ?? '—'}
        </dd>
        <dt>Segment</dt>
        <dd>{c.segment ?? '—'}</dd>
        <dt>Last interaction</dt>
        <dd>
          {c.lastInteraction
            ? `${c.lastInteraction.type}, ${c.lastInteraction.daysAgo} days before`
            : '—'}
        </dd>
        <dt>View computed for</dt>
        <dd data-field="now">{dateTime(c.now)}</dd>
      </dl>
    </Section>
  );
}

/** /console/customers without an id: go to one by id. */
export function CustomerSearch() {
  const [id, setId] = useState('');
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        if (id.trim()) navigate(`/customers/${encodeURIComponent(id.trim())}`);
      }}
    >
      <h1>Customer 360</h1>
      <label for="customer-id">Customer id</label>
      <input
        id="customer-id"
        value={id}
        required
        onInput={(e) => setId((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Open</button>
    </form>
  );
}
