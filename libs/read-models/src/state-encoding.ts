import type { AnyProjection } from '@aftercare/projections';
import {
  type ColumnValue,
  type EncodedState,
  StateEncodingError,
  type StateWrite,
} from './read-model-store';

/** A state as a row: its JSON text and its indexed column values, in the projection's column order. */
export interface EncodedRow {
  key: string;
  state: string;
  position: bigint;
  columns: ColumnValue[];
}

/** The functions extracting a projection's indexed columns, in column order. */
export function columnExtractors(projection: AnyProjection): ((state: unknown) => ColumnValue)[] {
  return Object.values(projection.columns ?? {});
}

/** Serialises one state and extracts its column values; StateEncodingError when it cannot. */
export function encodeState(
  key: string,
  state: unknown,
  extractors: readonly ((state: unknown) => ColumnValue)[],
): EncodedState {
  try {
    return { json: JSON.stringify(state), columns: extractors.map((extract) => extract(state)) };
  } catch (error) {
    throw new StateEncodingError(key, error);
  }
}

/** Serialises states and extracts their column values; both stores write what this returns. */
export function encodeStates(
  projection: AnyProjection,
  states: readonly StateWrite[],
): EncodedRow[] {
  const extractors = columnExtractors(projection);
  return states.map((write) => {
    const { json, columns } = write.encoded ?? encodeState(write.key, write.state, extractors);
    return { key: write.key, state: json, position: write.position, columns };
  });
}
