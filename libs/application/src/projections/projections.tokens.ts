export const READ_MODEL_STORE = Symbol('READ_MODEL_STORE');
export const PROJECTION_SETTINGS = Symbol('PROJECTION_SETTINGS');

export interface ProjectionSettings {
  /** Where read models live: the event store's own file in the embedded deployment. */
  readModelPath: string;
  /** Whether this process runs the projections (it always serves read models). */
  run: boolean;
}
