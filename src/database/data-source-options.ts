import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/configuration';
import { MIGRATIONS } from '../migrations';
import { ENTITIES } from './entities';

/**
 * The TypeORM options for either engine. The schema comes from migrations, run on start;
 * synchronize stays off (the before-stop hook checks for it).
 */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  if (database.engine === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
      entities: ENTITIES,
      migrations: MIGRATIONS.postgres,
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      synchronize: false,
      // int8 (count(*)) would otherwise come back as a string
      parseInt8: true,
      // gen_random_uuid() is built into PostgreSQL 13+: no extension (and no superuser) needed
      uuidExtension: 'pgcrypto',
      installExtensions: false,
      extra: { max: 10 },
    };
  }
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    type: 'sqlite',
    database: database.path,
    entities: ENTITIES,
    migrations: MIGRATIONS.sqlite,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: true,
    busyTimeout: database.busyTimeoutMs,
  };
}
