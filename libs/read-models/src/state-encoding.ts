import type { AnyProjection } from '@aftercare/projections';
import { type ColumnValue, StateEncodingError, type StateWrite } from './read-model-store';

/** A state as a row: its JSON text and its indexed column values, in the projection's column order. */
export interface EncodedRow {
  key: string;
  state: string;
  position: bigint;
  columns: ColumnValue[];
}

/** Serialises states and extracts their column values; both stores write what this returns. */
export function encodeStates(
  projection: AnyProjection,
  states: readonly StateWrite[],
): EncodedRow[] {
  const extractors = Object.values(projection.columns ?? {});
  return states.map((write) => {
    if (write.encoded) {
      const { json, columns } = write.encoded;
      return { key: write.key, state: json, position: write.position, columns };
    }
    try {
      return {
        key: write.key,
        state: JSON.stringify(write.state),
        position: write.position,
        columns: extractors.map((extract) => extract(write.state)),
      };
    } catch (error) {
      throw new StateEncodingError(write.key, error);
    }
  });
}
