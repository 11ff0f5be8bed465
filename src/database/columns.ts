import { Column, ColumnOptions, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * Column types that differ between the two engines. Entities are decorated when their module
 * is loaded, so the engine is read from DATABASE_URL then; the process never switches engines.
 */
export const isPostgres = (): boolean => /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');

const timestampType = () => (isPostgres() ? 'timestamptz' : 'datetime');

/** A UTC instant: timestamptz on PostgreSQL, an ISO-like UTC text on SQLite. */
export const TimestampColumn = (options: Omit<ColumnOptions, 'type'> = {}) =>
  Column({ ...options, type: timestampType() });

export const CreatedAtColumn = () => CreateDateColumn({ type: timestampType(), name: 'created_at' });
export const UpdatedAtColumn = () => UpdateDateColumn({ type: timestampType(), name: 'updated_at' });

/** A reference to another record's UUID (uuid on PostgreSQL, varchar(36) on SQLite). */
export const UuidColumn = (options: Omit<ColumnOptions, 'type' | 'length'> = {}) =>
  Column({ ...options, ...(isPostgres() ? { type: 'uuid' } : { type: 'varchar', length: 36 }) });

export const IdColumn = () => PrimaryGeneratedColumn('uuid');

/** JSON kept as text on both engines, so what was written is what is read back, key order included. */
export const JsonTextColumn = (options: Omit<ColumnOptions, 'type'> = {}) =>
  Column({ ...options, type: 'simple-json' });

/**
 * A floating-point measurement. double precision comes back as a JS number from both drivers
 * (numeric/decimal would come back from pg as a string).
 */
export const NumberColumn = (options: Omit<ColumnOptions, 'type'> = {}) =>
  Column({ ...options, type: 'double precision' });
