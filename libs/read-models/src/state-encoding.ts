import {
  type AnyProjection,
  projections as registered,
  type StoredForm,
} from '@aftercare/projections';
import {
  type ColumnValue,
  type EncodedState,
  StateEncodingError,
  type StateWrite,
  type StoredState,
} from './read-model-store';

/** A state as a row: its JSON text and its column values, in the projection's column order. */
export interface EncodedRow {
  key: string;
  state: string;
  position: bigint;
  columns: ColumnValue[];
}

/** Serialises a state (in the projection's stored form, if it has one) with its column values. */
export type StateEncoder = (key: string, state: unknown) => EncodedState;

/** The encoder of a projection's states; its encodings throw StateEncodingError when they cannot. */
export function stateEncoder(projection: AnyProjection): StateEncoder {
  const extractors: ((state: unknown) => ColumnValue)[] = Object.values(projection.columns ?? {});
  const stored = projection.stored as StoredForm<unknown> | undefined;
  return (key, state) => {
    try {
      return {
        json: JSON.stringify(stored ? stored.encode(state, key) : state),
        columns: extractors.map((extract) => extract(state)),
      };
    } catch (error) {
      throw new StateEncodingError(key, error);
    }
  };
}

/** Serialises states and extracts their column values; both stores write what this returns. */
export function encodeStates(
  projection: AnyProjection,
  states: readonly StateWrite[],
): EncodedRow[] {
  const encode = stateEncoder(projection);
  return states.map((write) => {
    const { json, columns } = write.encoded ?? encode(write.key, write.state);
    return { key: write.key, state: json, position: write.position, columns };
  });
}

/**
 * What a store needs to read states back: each projection's stored form, by name. It knows the
 * registered projections' forms from the start (a process may read read models it never
 * registered, as the API beside a projector does); a projection a store is handed (registered,
 * committed, swapped) replaces the one of its name.
 */
export class StoredForms {
  private readonly byName = new Map<string, StoredForm<unknown> | undefined>(
    registered.map((projection) => [projection.name, projection.stored]),
  );

  note(projection: AnyProjection): void {
    this.byName.set(projection.name, projection.stored);
  }

  /** The state stored as `json` under `key`: a stored form's array decoded, anything else as parsed. */
  decode(name: string, key: string, json: string): unknown {
    const parsed: unknown = JSON.parse(json);
    const stored = Array.isArray(parsed) ? this.byName.get(name) : undefined;
    // Not an array: a state written before its projection had a stored form reads as itself.
    return stored ? stored.decode(parsed as unknown[], key) : parsed;
  }

  /** A row of a read-model table (position as the driver gives it) as a stored state. */
  row<State>(
    name: string,
    row: { key: string; state: string; position: number | string },
  ): StoredState<State> {
    return {
      key: row.key,
      state: this.decode(name, row.key, row.state) as State,
      position: BigInt(row.position),
    };
  }
}
