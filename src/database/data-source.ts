import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/configuration';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (npm run migration:generate / migration:run). */
export default new DataSource({ ...dataSourceOptions(loadConfig().database), migrationsRun: false });
