/**
 * e2e tests: the real application over HTTP (supertest) on a real database. The engine comes
 * from DATABASE_URL (scripts/test.sh runs this suite on SQLite, on PostgreSQL and with a non-UTC TZ).
 */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 60000,
};
