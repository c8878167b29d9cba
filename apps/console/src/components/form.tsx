import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiProblem } from '../api';

/**
 * A form that sends one write and shows the API's answer: problem+json field errors next to their
 * inputs (by `name`, dotted for nested fields), the rest of the problem above the button.
 */
export function ActionForm(props: {
  title: string;
  id: string;
  submitLabel: string;
  send: (form: FormData) => Promise<unknown>;
  onDone: (result: unknown) => void;
  children: (errors: (field: string) => ComponentChildren) => ComponentChildren;
}) {
  const [problem, setProblem] = useState<ApiProblem | Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = (field: string): ComponentChildren => {
    const messages = problem instanceof ApiProblem ? problem.messagesFor(field) : [];
    return messages.length ? (
      <span class="field-error" id={`${props.id}-${field}-error`}>
        {messages.join('; ')}
      </span>
    ) : null;
  };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const result = await props.send(new FormData(event.target as HTMLFormElement));
      setDone('Recorded.');
      props.onDone(result);
    } catch (e) {
      setProblem(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="action"
      id={props.id}
      onSubmit={submit}
      noValidate
      aria-labelledby={`${props.id}-title`}
    >
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      {props.children(errors)}
      {problem && (
        <p class="problem" role="alert">
          {problem instanceof ApiProblem ? `${problem.title}: ${problem.detail}` : problem.message}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}

/** A labelled input with its field errors announced through aria-describedby. */
export function Field(props: {
  form: string;
  name: string;
  label: string;
  type?: 'text' | 'checkbox' | 'datetime-local' | 'date';
  errors: (field: string) => ComponentChildren;
  children?: ComponentChildren;
  attrs?: Record<string, string | number | boolean>;
}) {
  const id = `${props.form}-${props.name}`;
  const error = props.errors(props.name);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children ?? (
        <input
          {...({
            id,
            name: props.name,
            type: props.type ?? 'text',
            'aria-invalid': error ? 'true' : undefined,
            'aria-describedby': error ? `${id}-error` : undefined,
            ...props.attrs,
          } as JSX.IntrinsicElements['input'])}
        />
      )}
      {error}
    </div>
  );
}
