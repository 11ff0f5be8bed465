import { Initial1795613709155 as PostgresInitial } from './postgres/1795613709155-Initial';
import { Initial1795613705510 as SqliteInitial } from './sqlite/1795613705510-Initial';

/** Migrations per engine, in order. The types differ (timestamptz/uuid vs datetime/varchar). */
export const MIGRATIONS = {
  sqlite: [SqliteInitial],
  postgres: [PostgresInitial],
};
