import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A fresh, empty database for one test application: a new SQLite file in a temp folder, or a
 * new database on the PostgreSQL server named by DATABASE_URL. Dropped again by `dispose`.
 */
export interface TestDatabase {
  url: string;
  engine: 'sqlite' | 'postgres';
  dispose(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.VIGIL_TEST_BASE_URL ?? process.env.DATABASE_URL ?? '';
  if (/^postgres(ql)?:\/\//.test(base)) {
    // Remember the server URL once: DATABASE_URL is pointed at each test database in turn.
    process.env.VIGIL_TEST_BASE_URL = base;
    const name = `vigil_test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      engine: 'postgres',
      dispose: async () => {
        const client = new Client({ connectionString: base });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  return {
    url: `sqlite:${join(dir, 'vigil.sqlite')}`,
    engine: 'sqlite',
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
