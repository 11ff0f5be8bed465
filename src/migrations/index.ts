import { ClinicalRecords1795616231623 as PostgresClinicalRecords } from './postgres/1795616231623-ClinicalRecords';
import { Initial1795613709155 as PostgresInitial } from './postgres/1795613709155-Initial';
import { ProtocolEngine1795614245413 as PostgresProtocolEngine } from './postgres/1795614245413-ProtocolEngine';
import { ClinicalRecords1795616219090 as SqliteClinicalRecords } from './sqlite/1795616219090-ClinicalRecords';
import { Initial1795613705510 as SqliteInitial } from './sqlite/1795613705510-Initial';
import { ProtocolEngine1795614236179 as SqliteProtocolEngine } from './sqlite/1795614236179-ProtocolEngine';

/** Migrations per engine, in order. The types differ (timestamptz/uuid vs datetime/varchar). */
export const MIGRATIONS = {
  sqlite: [SqliteInitial, SqliteProtocolEngine, SqliteClinicalRecords],
  postgres: [PostgresInitial, PostgresProtocolEngine, PostgresClinicalRecords],
};
