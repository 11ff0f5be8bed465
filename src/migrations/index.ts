import { Initial1795613023628 as PostgresInitial } from './postgres/1795613023628-Initial';
import { Initial1795613006415 as SqliteInitial } from './sqlite/1795613006415-Initial';

/** Migrations per engine, in order. The types differ (timestamptz/uuid vs datetime/varchar). */
export const MIGRATIONS = {
  sqlite: [SqliteInitial],
  postgres: [PostgresInitial],
};
