export const READ_MODEL_STORE = Symbol('READ_MODEL_STORE');
export const PROJECTION_SETTINGS = Symbol('PROJECTION_SETTINGS');
/** The projection runtime (`ProjectionEngine`) of this process: reactors add their consumers to it. */
export const PROJECTION_ENGINE = Symbol('PROJECTION_ENGINE');

export interface ProjectionSettings {
  /** Where read models live (AFTERCARE_READ_MODELS): SQLite by default with the embedded store, else PostgreSQL. */
  readModels: 'sqlite' | 'postgres';
  /** SQLite file for read models: the event store's own file in the embedded deployment. */
  readModelPath: string;
  /** PostgreSQL for read models (DATABASE_URL) and their schema (AFTERCARE_PG_READ_SCHEMA). */
  databaseUrl: string;
  readSchema: string;
  /** Whether this process runs the projections (it always serves read models). */
  run: boolean;
}
