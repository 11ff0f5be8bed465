import { EntityNotFoundError, QueryFailedError } from 'typeorm';
import { ProblemException, ProblemType } from '../common/problem';

/**
 * Maps both engines' driver errors to a problem, so a duplicate code or a malformed id is a
 * clean 4xx on SQLite and on PostgreSQL alike. Returns undefined for errors that are ours.
 */
export function problemFromDatabaseError(error: unknown): ProblemException | undefined {
  if (error instanceof EntityNotFoundError) {
    return new ProblemException(ProblemType.notFound, 'Record not found');
  }
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; message?: string } })
    .driverError;
  const code = driverError?.code ?? '';
  const message = driverError?.message ?? error.message ?? '';

  // PostgreSQL SQLSTATE codes
  if (code === '23505') return new ProblemException(ProblemType.conflict, 'A record with this value already exists');
  if (code === '23503') return new ProblemException(ProblemType.conflict, 'The record refers to, or is referred to by, another record');
  if (code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return new ProblemException(ProblemType.validation, 'A value has the wrong format');
  }
  // 22021: a character the encoding cannot hold (NUL in text), 22P05 the same in JSON;
  // 22001: a string longer than its column
  if (code === '22021' || code === '22P05') {
    return new ProblemException(ProblemType.validation, 'A text value contains a character that cannot be stored (such as NUL)');
  }
  if (code === '22001') return new ProblemException(ProblemType.validation, 'A text value is longer than allowed');
  if (code === '40001' || code === '40P01') {
    return new ProblemException(ProblemType.versionConflict, 'Another change was made at the same time; try again');
  }

  // SQLite: the code is generic, the message says which constraint
  if (code === 'SQLITE_CONSTRAINT' || /constraint failed/i.test(message)) {
    if (/UNIQUE/i.test(message)) return new ProblemException(ProblemType.conflict, 'A record with this value already exists');
    if (/FOREIGN KEY/i.test(message)) {
      return new ProblemException(ProblemType.conflict, 'The record refers to, or is referred to by, another record');
    }
    return new ProblemException(ProblemType.validation, 'A value breaks a rule of the record');
  }
  return undefined;
}
