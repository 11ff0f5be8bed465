import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CLOCK, ManualClock } from '../../common/clock';
import { ProblemException, ProblemType } from '../../common/problem';
import type { UnitOfWork } from '../../database/unit-of-work';
import type { AuditService } from '../audit/audit.service';
import type { AuditEntry } from '../audit/entities/audit-entry.entity';
import type { AuthSession } from '../auth/entities/auth-session.entity';
import type { User } from '../users/entities/user.entity';
import type { Signature } from './entities/signature.entity';
import type { SignaturesService, SignedRecord } from './signatures.service';

/**
 * SignaturesService against a real SQLite file, with the real configuration, database, audit,
 * users and auth modules. Only the clock is replaced.
 *
 * The application modules are loaded after the environment is set: entity column types are
 * chosen from DATABASE_URL when an entity class is decorated, so this suite stays on SQLite
 * even when the surrounding environment points DATABASE_URL at PostgreSQL.
 */

const ENV: Record<string, string> = {
  JWT_SECRET: 'unit-jwt-secret-0123456789abcdefghijklmnop',
  AUDIT_HMAC_KEY: 'unit-audit-key-0123456789abcdefghijklmnopq',
  VIGIL_ADMIN_PASSWORD: 'first-start-admin-password',
  LOG_LEVEL: 'silent',
  LOCKOUT_THRESHOLD: '5',
  LOCKOUT_MINUTES: '15',
};

const START = '2026-03-02T09:15:30.250Z';
const LOCKOUT_MS = 15 * 60_000;

const CONTENT = { items: [{ key: 'pregnancy-test', status: 'done', value: 'negative' }] };
/** The same content with every key in another order. */
const CONTENT_REORDERED = { items: [{ value: 'negative', status: 'done', key: 'pregnancy-test' }] };
/** RFC 8785 form of CONTENT, written out by hand. */
const CONTENT_CANONICAL = '{"items":[{"key":"pregnancy-test","status":"done","value":"negative"}]}';
const CHANGED_CONTENT = { items: [{ key: 'pregnancy-test', status: 'done', value: 'positive' }] };

let tmpDir: string;
let app: INestApplication;
let clock: ManualClock;
let dataSource: DataSource;
let uow: UnitOfWork;
let audit: AuditService;
let signatures: SignaturesService;
let hashPassword: (password: string) => Promise<string>;
let recordHash: (record: SignedRecord) => string;
let SignaturesServiceClass: typeof SignaturesService;
let AuthServiceClass: typeof import('../auth/auth.service').AuthService;
let UserEntity: typeof User;
let AuthSessionEntity: typeof AuthSession;
let SignatureEntity: typeof Signature;
const previousEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  tmpDir = mkdtempSync(join(tmpdir(), 'vigil-signatures-'));
  const env = { ...ENV, DATABASE_URL: `sqlite:${join(tmpDir, 'vigil.sqlite')}` };
  for (const [key, value] of Object.entries(env)) {
    previousEnv[key] = process.env[key];
    process.env[key] = value;
  }

  const [
    { ConfigurationModule },
    { DatabaseModule },
    { UnitOfWork: UnitOfWorkClass },
    { AuditModule },
    { AuditService: AuditServiceClass },
    { UsersModule },
    { AuthModule },
    passwords,
    { SignaturesModule },
    signaturesModule,
    userEntity,
    authSessionEntity,
    signatureEntity,
    typeorm,
    authServiceModule,
  ] = await Promise.all([
    import('../../config/configuration.module'),
    import('../../database/database.module'),
    import('../../database/unit-of-work'),
    import('../audit/audit.module'),
    import('../audit/audit.service'),
    import('../users/users.module'),
    import('../auth/auth.module'),
    import('../auth/passwords'),
    import('./signatures.module'),
    import('./signatures.service'),
    import('../users/entities/user.entity'),
    import('../auth/entities/auth-session.entity'),
    import('./entities/signature.entity'),
    import('typeorm'),
    import('../auth/auth.service'),
  ]);
  hashPassword = passwords.hashPassword;
  recordHash = signaturesModule.recordHash;
  SignaturesServiceClass = signaturesModule.SignaturesService;
  AuthServiceClass = authServiceModule.AuthService;
  UserEntity = userEntity.User;
  AuthSessionEntity = authSessionEntity.AuthSession;
  SignatureEntity = signatureEntity.Signature;

  clock = new ManualClock(START);
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigurationModule, DatabaseModule, AuditModule, UsersModule, AuthModule, SignaturesModule],
  })
    .overrideProvider(CLOCK)
    .useValue(clock)
    .compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();

  dataSource = app.get(typeorm.DataSource);
  uow = app.get(UnitOfWorkClass);
  audit = app.get(AuditServiceClass);
  signatures = app.get(signaturesModule.SignaturesService);
});

afterAll(async () => {
  await app?.close();
  for (const [key, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

interface TestSigner {
  user: User;
  password: string;
  sessionId: string;
}

let userCounter = 0;

/** A user with a password of their own (mustChangePassword false) or one an admin set (true). */
async function createUser(options: { mustChangePassword?: boolean; fullName?: string } = {}): Promise<TestSigner> {
  userCounter++;
  const username = `clinician${userCounter}`;
  const password = `correct-horse-battery-${userCounter}`;
  const passwordHash = await hashPassword(password);
  const user = await uow.run((m) =>
    m.save(
      m.create(UserEntity, {
        username,
        fullName: options.fullName ?? `Dr Clinician ${userCounter}`,
        passwordHash,
        roles: ['clinician'],
        mustChangePassword: options.mustChangePassword ?? false,
        disabled: false,
        failedLoginCount: 0,
        lockedUntil: null,
        passwordChangedAt: clock.now(),
        version: 1,
      }),
    ),
  );
  const sessionId = await openSession(user.id);
  return { user, password, sessionId };
}

/** A current login session of the user (as AuthService.login would create it). */
async function openSession(userId: string): Promise<string> {
  const now = clock.now();
  const session = await uow.run((m) =>
    m.save(
      m.create(AuthSessionEntity, {
        userId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 12 * 3_600_000),
        endedAt: null,
        endReason: null,
        signedWithFullCredentials: false,
      }),
    ),
  );
  return session.id;
}

function fullRequest(signer: TestSigner, password = signer.password) {
  return { callerId: signer.user.id, authSessionId: signer.sessionId, username: signer.user.username, password };
}

let recordCounter = 0;
function checklist(content: unknown = CONTENT): SignedRecord {
  recordCounter++;
  return { type: 'checklist', id: `c${recordCounter}`, content };
}

/** RFC 8785 form of a checklist record with CONTENT, written out by hand: keys content, id, type. */
const canonicalRecord = (id: string) => `{"content":${CONTENT_CANONICAL},"id":"${id}","type":"checklist"}`;

const actorOf = (signer: TestSigner) => ({ userId: signer.user.id, username: signer.user.username });

/** The ProblemException a promise rejects with (fails the test if it resolves or throws anything else). */
async function problemOf(promise: Promise<unknown>): Promise<ProblemException> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return error as ProblemException;
  }
  throw new Error(`expected a ProblemException, got a result: ${JSON.stringify(outcome)}`);
}

function storedSignaturesOf(userId: string): Promise<number> {
  return dataSource.getRepository(SignatureEntity).count({ where: { userId } });
}

async function auditOf(entityType: string, entityId: string): Promise<AuditEntry[]> {
  return (await audit.list({ entityType, entityId, limit: 1000 })).entries;
}

const actionsOf = (entries: AuditEntry[]) => entries.map((e) => e.action);

// ---------------------------------------------------------------------------------------------

describe('SignaturesService (real SQLite database)', () => {
  it('starts on a migrated database with the first-start admin', async () => {
    const admin = await dataSource.getRepository(UserEntity).findOneBy({ username: 'admin' });
    expect(admin).not.toBeNull();
    expect(admin!.mustChangePassword).toBe(true);
    expect((await audit.verify()).valid).toBe(true);
  });

  describe('a valid signature', () => {
    it('is valid for the content it signed and records printed name, meaning, time and record hash', async () => {
      const signer = await createUser({ fullName: 'Dr Ada Lovelace' });
      const record = checklist();
      clock.set(START);

      const signature = await signatures.sign(fullRequest(signer), 'approval', record);

      expect(signatures.check(signature, record)).toEqual({ valid: true });

      const stored = await dataSource.getRepository(SignatureEntity).findOneByOrFail({ id: signature.id });
      expect(stored.recordType).toBe('checklist');
      expect(stored.recordId).toBe(record.id);
      expect(stored.userId).toBe(signer.user.id);
      expect(stored.printedName).toBe('Dr Ada Lovelace');
      expect(stored.meaning).toBe('approval');
      expect(stored.method).toBe('full');
      expect(stored.signedAt).toBeInstanceOf(Date);
      expect(stored.signedAt.toISOString()).toBe(START);
      expect(stored.voidedAt).toBeNull();
      expect(stored.voidReason).toBeNull();

      // The hash is SHA-256 of the RFC 8785 form of type, id and content, so key order does not matter.
      const expectedHash = createHash('sha256').update(canonicalRecord(record.id)).digest('hex');
      expect(stored.recordHash).toBe(expectedHash);
      expect(recordHash(record)).toBe(expectedHash);
      expect(recordHash({ ...record, content: CONTENT_REORDERED })).toBe(expectedHash);
      expect(recordHash({ content: CONTENT_REORDERED, id: record.id, type: 'checklist' })).toBe(expectedHash);
      expect(signatures.check(stored, { ...record, content: CONTENT_REORDERED })).toEqual({ valid: true });
      // The seal is stored with the row and survives the round trip through the database.
      expect(stored.seal).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.seal).toBe(signature.seal);

      // What the signer saw is listed for the record.
      const listed = await signatures.listFor('checklist', record.id);
      expect(listed.map((s) => s.id)).toEqual([signature.id]);
    });

    it('writes a signature.applied audit entry and the chain still verifies', async () => {
      const signer = await createUser({ fullName: 'Dr Grace Hopper' });
      const record = checklist();
      clock.set(START);

      const signature = await signatures.sign(fullRequest(signer), 'review', record);

      const entries = await auditOf('checklist', record.id);
      expect(actionsOf(entries)).toEqual(['signature.applied']);
      const [entry] = entries;
      expect(entry.userId).toBe(signer.user.id);
      expect(entry.username).toBe(signer.user.username);
      expect(entry.at.toISOString()).toBe(START);
      expect(JSON.parse(entry.newValue!)).toEqual({
        signatureId: signature.id,
        printedName: 'Dr Grace Hopper',
        meaning: 'review',
        signedAt: START,
        recordHash: recordHash(record),
        method: 'full',
      });

      const verification = await audit.verify();
      expect(verification).toMatchObject({ valid: true });
      expect(verification.problem).toBeUndefined();
    });
  });

  describe('a signature becomes invalid', () => {
    it('stays invalid when a voided signature is un-voided directly in the database', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      await uow.run((m) => signatures.voidFor(m, actorOf(signer), 'checklist', record.id, 'amended'));
      await dataSource.query(`UPDATE signatures SET voided_at = NULL, void_reason = NULL WHERE id = '${signature.id}'`);
      const [tampered] = await signatures.listFor('checklist', record.id);
      expect(tampered.voidedAt).toBeNull();
      expect(signatures.check(tampered, record)).toEqual({ valid: false, reason: 'the signature record was altered' });
    });

    it('when the record content changes', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'authorship', record);

      const result = signatures.check(signature, { ...record, content: CHANGED_CONTENT });
      expect(result).toEqual({ valid: false, reason: 'the record has changed since it was signed' });

      // A field added to the record is a change too.
      const extended = { items: [{ ...CONTENT.items[0], note: 'repeat' }] };
      expect(signatures.check(signature, { ...record, content: extended })).toEqual({
        valid: false,
        reason: 'the record has changed since it was signed',
      });
    });

    it('when it is voided by an amendment, even for the original content', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      const other = checklist();
      const otherSignature = await signatures.sign(
        { ...fullRequest(signer), username: undefined },
        'approval',
        other,
      );

      clock.set('2026-03-02T10:00:00.000Z');
      const voided = await uow.run((m) =>
        signatures.voidFor(m, actorOf(signer), 'checklist', record.id, 'amended: wrong participant'),
      );
      expect(voided).toBe(1);

      const [reloaded] = await signatures.listFor('checklist', record.id);
      expect(reloaded.voidedAt?.toISOString()).toBe('2026-03-02T10:00:00.000Z');
      expect(reloaded.voidReason).toBe('amended: wrong participant');
      const result = signatures.check(reloaded, record);
      expect(result.valid).toBe(false);
      expect(result.reason).toMatch(/^voided/);
      expect(result.reason).toContain('amended: wrong participant');

      // Only that record's signatures are voided, and a voided one is not voided twice.
      const [untouched] = await signatures.listFor('checklist', other.id);
      expect(untouched.id).toBe(otherSignature.id);
      expect(signatures.check(untouched, other)).toEqual({ valid: true });
      expect(await uow.run((m) => signatures.voidFor(m, actorOf(signer), 'checklist', record.id, 'again'))).toBe(0);
      expect(signature.id).toBe(reloaded.id);
    });

    it('when it is voided, with one signature.voided audit entry by the actor, naming the reason', async () => {
      const author = await createUser();
      const reviewer = await createUser();
      const amender = await createUser();
      const record = checklist();
      const other = checklist();
      clock.set(START);
      const first = await signatures.sign(fullRequest(author), 'authorship', record);
      clock.advance(60_000);
      const second = await signatures.sign(fullRequest(reviewer), 'review', record);
      await signatures.sign({ ...fullRequest(author), username: undefined }, 'approval', other);

      clock.set('2026-03-02T11:30:00.000Z');
      const count = await uow.run((m) =>
        signatures.voidFor(m, actorOf(amender), 'checklist', record.id, 'amended: dose corrected'),
      );
      expect(count).toBe(2);

      const entries = await auditOf('checklist', record.id);
      expect(actionsOf(entries)).toEqual(['signature.voided', 'signature.applied', 'signature.applied']);
      const [entry] = entries;
      expect(entry.entityType).toBe('checklist');
      expect(entry.entityId).toBe(record.id);
      expect(entry.userId).toBe(amender.user.id);
      expect(entry.username).toBe(amender.user.username);
      expect(entry.reason).toBe('amended: dose corrected');
      expect(entry.at.toISOString()).toBe('2026-03-02T11:30:00.000Z');
      const ids = [first.id, second.id].sort();
      expect(JSON.parse(entry.oldValue!)).toEqual({ signatureIds: ids, voided: false });
      expect(JSON.parse(entry.newValue!)).toEqual({ signatureIds: ids, voided: true, voidedAt: '2026-03-02T11:30:00.000Z' });

      // Nothing open any more: 0, and no second entry. The other record is not touched.
      expect(
        await uow.run((m) => signatures.voidFor(m, actorOf(amender), 'checklist', record.id, 'amended again')),
      ).toBe(0);
      expect(actionsOf(await auditOf('checklist', record.id))).toEqual([
        'signature.voided',
        'signature.applied',
        'signature.applied',
      ]);
      expect(actionsOf(await auditOf('checklist', other.id))).toEqual(['signature.applied']);
      expect((await audit.verify()).valid).toBe(true);
    });

    it('is not voided, and nothing is audited, for a record without signatures', async () => {
      const amender = await createUser();
      const record = checklist();
      expect(await uow.run((m) => signatures.voidFor(m, actorOf(amender), 'checklist', record.id, 'amended'))).toBe(0);
      expect(await auditOf('checklist', record.id)).toEqual([]);
    });

    it('is voided in the caller\'s transaction: a rolled-back amendment voids nothing and leaves no audit entry', async () => {
      const signer = await createUser();
      const record = checklist();
      await signatures.sign(fullRequest(signer), 'approval', record);

      await expect(
        uow.run(async (m) => {
          expect(await signatures.voidFor(m, actorOf(signer), 'checklist', record.id, 'amended')).toBe(1);
          throw new Error('the amendment fails after voiding');
        }),
      ).rejects.toThrow('the amendment fails after voiding');

      const [stored] = await signatures.listFor('checklist', record.id);
      expect(stored.voidedAt).toBeNull();
      expect(signatures.check(stored, record)).toEqual({ valid: true });
      expect(actionsOf(await auditOf('checklist', record.id))).toEqual(['signature.applied']);
      expect((await audit.verify()).valid).toBe(true);
    });

    it('for another record with the same content (another id or another type)', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      const sameContentElsewhere = checklist(); // same CONTENT, another id

      expect(recordHash(sameContentElsewhere)).not.toBe(recordHash(record));
      expect(signatures.check(signature, sameContentElsewhere)).toEqual({
        valid: false,
        reason: 'the signature belongs to another record',
      });
      expect(signatures.check(signature, { ...record, type: 'dose' })).toEqual({
        valid: false,
        reason: 'the signature belongs to another record',
      });
      expect(recordHash({ ...record, type: 'dose' })).not.toBe(recordHash(record));
      expect(signatures.check(signature, record)).toEqual({ valid: true });
    });

    it('when moved onto another record in the database, even with that record\'s hash', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      const target = checklist();

      await dataSource.query('UPDATE signatures SET record_id = ?, record_hash = ? WHERE id = ?', [
        target.id,
        recordHash(target),
        signature.id,
      ]);
      const [moved] = await signatures.listFor('checklist', target.id);
      expect(moved.id).toBe(signature.id);
      expect(signatures.check(moved, target)).toEqual({ valid: false, reason: 'the signature record was altered' });
    });

    describe('when a sealed field is edited in the database', () => {
      /** The stored signature and the raw row, after `edit` has been applied to it with SQL. */
      async function signAndEdit(column: string, value: (raw: Record<string, unknown>) => unknown) {
        const signer = await createUser({ fullName: 'Dr Original Name' });
        const record = checklist();
        const signature = await signatures.sign(fullRequest(signer), 'approval', record);
        const [raw] = (await dataSource.query('SELECT * FROM signatures WHERE id = ?', [signature.id])) as Record<string, unknown>[];
        const newValue = value(raw);
        expect(newValue).not.toEqual(raw[column]);
        await dataSource.query(`UPDATE signatures SET ${column} = ? WHERE id = ?`, [newValue, signature.id]);
        const id = column === 'id' ? (newValue as string) : signature.id;
        const edited = await dataSource.getRepository(SignatureEntity).findOneByOrFail({ id });
        return { signature, edited, record };
      }

      it('printed_name: the signature record was altered', async () => {
        const { edited, record } = await signAndEdit('printed_name', () => 'X');
        expect(edited.printedName).toBe('X');
        expect(signatures.check(edited, record)).toEqual({ valid: false, reason: 'the signature record was altered' });
      });

      it.each<[string, (raw: Record<string, unknown>) => unknown]>([
        ['id', () => '00000000-0000-4000-8000-000000000001'],
        ['record_type', () => 'dose'],
        ['record_id', () => 'c-other'],
        ['record_hash', () => 'f'.repeat(64)],
        ['user_id', () => '00000000-0000-4000-8000-000000000002'],
        ['meaning', (raw) => (raw.meaning === 'review' ? 'approval' : 'review')],
        ['method', (raw) => (raw.method === 'full' ? 'password' : 'full')],
        ['signed_at', (raw) => String(raw.signed_at).replace(/^(\d{4})/, (year) => String(Number(year) - 1))],
      ])('%s: the signature record was altered', async (column, value) => {
        const { edited, record } = await signAndEdit(column, value);
        expect(signatures.check(edited, record)).toEqual({ valid: false, reason: 'the signature record was altered' });
      });

      it('altered outranks voided: an edited, voided signature reads as altered', async () => {
        const signer = await createUser();
        const record = checklist();
        const signature = await signatures.sign(fullRequest(signer), 'approval', record);
        await uow.run((m) => signatures.voidFor(m, actorOf(signer), 'checklist', record.id, 'amended'));
        await dataSource.query('UPDATE signatures SET printed_name = ? WHERE id = ?', ['X', signature.id]);
        const [edited] = await signatures.listFor('checklist', record.id);
        expect(signatures.check(edited, record)).toEqual({ valid: false, reason: 'the signature record was altered' });
      });
    });

    it('when checked with another audit key (the seal is a keyed MAC, not a plain hash)', async () => {
      const signer = await createUser();
      const record = checklist();
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      const otherKey = new SignaturesServiceClass(uow, audit, app.get(AuthServiceClass), clock, {
        jwtSecret: ENV.JWT_SECRET,
        auditHmacKey: 'another-audit-key-0123456789abcdefghijklm',
      });
      expect(otherKey.check(signature, record)).toEqual({ valid: false, reason: 'the signature record was altered' });
      expect(signatures.check(signature, record)).toEqual({ valid: true });
    });
  });

  describe('a wrong password', () => {
    it('is refused with 403, stores no signature and is audited as signature.failed', async () => {
      const signer = await createUser();
      const record = checklist();

      const problem = await problemOf(signatures.sign(fullRequest(signer, 'not-my-password-at-all'), 'approval', record));
      expect(problem.getStatus()).toBe(403);
      expect(problem.problem.type).toBe(ProblemType.forbidden);
      expect(problem.problem.errors).toEqual({ password: ['is not correct'] });

      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
      expect(await signatures.listFor('checklist', record.id)).toEqual([]);
      expect(await auditOf('checklist', record.id)).toEqual([]);

      const entries = await auditOf('user', signer.user.id);
      expect(actionsOf(entries)).toEqual(['signature.failed']);
      expect(JSON.parse(entries[0].newValue!)).toEqual({ reason: 'wrong password', failedAttempts: 1 });
      expect((await audit.verify()).valid).toBe(true);
    });

    it('five times locks the account (423), after which even the right password is refused', async () => {
      const signer = await createUser();
      const record = checklist();
      const wrong = fullRequest(signer, 'not-my-password-at-all');

      for (let attempt = 1; attempt <= 4; attempt++) {
        const problem = await problemOf(signatures.sign(wrong, 'approval', record));
        expect(problem.getStatus()).toBe(403);
      }
      const fifth = await problemOf(signatures.sign(wrong, 'approval', record));
      expect(fifth.getStatus()).toBe(423);
      expect(fifth.problem.type).toBe(ProblemType.locked);

      const rightPassword = await problemOf(signatures.sign(fullRequest(signer), 'approval', record));
      expect(rightPassword.getStatus()).toBe(423);
      expect(rightPassword.problem.type).toBe(ProblemType.locked);

      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
      const locked = await dataSource.getRepository(UserEntity).findOneByOrFail({ id: signer.user.id });
      expect(locked.lockedUntil!.getTime()).toBe(clock.now().getTime() + LOCKOUT_MS);

      const actions = actionsOf(await auditOf('user', signer.user.id));
      expect(actions.filter((a) => a === 'signature.failed')).toHaveLength(5);
      expect(actions).toContain('user.locked');
      expect(actions[0]).toBe('signature.refused'); // the refused right password, newest first
      expect((await audit.verify()).valid).toBe(true);

      // When the lockout has run out, the right password signs again.
      clock.advance(LOCKOUT_MS + 1000);
      const signature = await signatures.sign(fullRequest(signer), 'approval', record);
      expect(signatures.check(signature, record)).toEqual({ valid: true });
    });
  });

  describe('a good signature after wrong passwords', () => {
    it('resets the failure count: 4 wrong, 1 good, 4 more wrong do not lock; a fifth in a row does', async () => {
      const signer = await createUser();
      const wrong = fullRequest(signer, 'not-my-password-at-all');
      const failuresOf = async () =>
        (await dataSource.getRepository(UserEntity).findOneByOrFail({ id: signer.user.id })).failedLoginCount;

      for (let attempt = 1; attempt <= 4; attempt++) {
        expect((await problemOf(signatures.sign(wrong, 'approval', checklist()))).getStatus()).toBe(403);
      }
      expect(await failuresOf()).toBe(4);

      const record = checklist();
      const good = await signatures.sign(fullRequest(signer), 'approval', record);
      expect(signatures.check(good, record)).toEqual({ valid: true });
      expect(await failuresOf()).toBe(0);

      for (let attempt = 1; attempt <= 4; attempt++) {
        const problem = await problemOf(signatures.sign(wrong, 'approval', checklist()));
        expect(problem.getStatus()).toBe(403);
        expect(problem.problem.type).toBe(ProblemType.forbidden);
      }
      const user = await dataSource.getRepository(UserEntity).findOneByOrFail({ id: signer.user.id });
      expect(user.failedLoginCount).toBe(4);
      expect(user.lockedUntil).toBeNull();
      const actions = actionsOf(await auditOf('user', signer.user.id));
      expect(actions).not.toContain('user.locked');
      expect(actions.filter((a) => a === 'signature.failed')).toHaveLength(8);

      // Still not locked: the right password signs.
      const after = checklist();
      expect(signatures.check(await signatures.sign(fullRequest(signer), 'review', after), after)).toEqual({ valid: true });
      expect(await failuresOf()).toBe(0);

      // The threshold itself still holds: five wrong in a row lock.
      for (let attempt = 1; attempt <= 4; attempt++) {
        expect((await problemOf(signatures.sign(wrong, 'approval', checklist()))).getStatus()).toBe(403);
      }
      expect((await problemOf(signatures.sign(wrong, 'approval', checklist()))).getStatus()).toBe(423);
    });
  });

  describe('a password set by an administrator', () => {
    it('cannot sign even when it is right: 403 password-change-required, nothing stored', async () => {
      const signer = await createUser({ mustChangePassword: true });
      const record = checklist();

      const problem = await problemOf(signatures.sign(fullRequest(signer), 'approval', record));
      expect(problem.getStatus()).toBe(403);
      expect(problem.problem.type).toBe('/problems/password-change-required');

      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
      expect(await auditOf('checklist', record.id)).toEqual([]);
      const entries = await auditOf('user', signer.user.id);
      expect(actionsOf(entries)).toEqual(['signature.refused']);
      expect(JSON.parse(entries[0].newValue!)).toEqual({ reason: 'password set by an administrator' });

      // It does not count as a password failure, and does not mark the session as signed in full.
      const user = await dataSource.getRepository(UserEntity).findOneByOrFail({ id: signer.user.id });
      expect(user.failedLoginCount).toBe(0);
      const session = await dataSource.getRepository(AuthSessionEntity).findOneByOrFail({ id: signer.sessionId });
      expect(session.signedWithFullCredentials).toBe(false);
    });
  });

  describe('signing as another person', () => {
    it('is refused with 403 and audited as signature.refused, even with that person\'s password', async () => {
      const signer = await createUser();
      const victim = await createUser();
      const record = checklist();

      const problem = await problemOf(
        signatures.sign(
          { callerId: signer.user.id, authSessionId: signer.sessionId, username: victim.user.username, password: victim.password },
          'approval',
          record,
        ),
      );
      expect(problem.getStatus()).toBe(403);
      expect(problem.problem.type).toBe(ProblemType.forbidden);

      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
      expect(await storedSignaturesOf(victim.user.id)).toBe(0);
      const entries = await auditOf('user', signer.user.id);
      expect(actionsOf(entries)).toEqual(['signature.refused']);
      expect(JSON.parse(entries[0].newValue!)).toEqual({
        reason: 'username of another person',
        attemptedUsername: victim.user.username,
      });
    });

    it('is refused for an administrator too', async () => {
      const admin = await dataSource.getRepository(UserEntity).findOneByOrFail({ username: 'admin' });
      const adminSession = await openSession(admin.id);
      const victim = await createUser();
      const record = checklist();

      const problem = await problemOf(
        signatures.sign(
          { callerId: admin.id, authSessionId: adminSession, username: victim.user.username, password: victim.password },
          'approval',
          record,
        ),
      );
      expect(problem.getStatus()).toBe(403);
      expect(await storedSignaturesOf(victim.user.id)).toBe(0);
      expect(actionsOf(await auditOf('user', admin.id))).toContain('signature.refused');
    });

    it('does not apply to one\'s own username in another case or with spaces', async () => {
      const signer = await createUser();
      const signature = await signatures.sign(
        { ...fullRequest(signer), username: `  ${signer.user.username.toUpperCase()} ` },
        'authorship',
        checklist(),
      );
      expect(signature.method).toBe('full');
    });
  });

  describe('username and password, then the password alone', () => {
    it('refuses the first signature of a session without the username (400), then accepts the password alone', async () => {
      const signer = await createUser();
      const passwordOnly = { callerId: signer.user.id, authSessionId: signer.sessionId, password: signer.password };

      const first = await problemOf(signatures.sign(passwordOnly, 'approval', checklist()));
      expect(first.getStatus()).toBe(400);
      expect(first.problem.type).toBe('/problems/validation');
      expect(first.problem.errors).toHaveProperty('username');
      expect(await storedSignaturesOf(signer.user.id)).toBe(0);

      const full = await signatures.sign(fullRequest(signer), 'approval', checklist());
      expect(full.method).toBe('full');
      const session = await dataSource.getRepository(AuthSessionEntity).findOneByOrFail({ id: signer.sessionId });
      expect(session.signedWithFullCredentials).toBe(true);

      const record = checklist();
      const second = await signatures.sign(passwordOnly, 'review', record);
      expect(second.method).toBe('password');
      expect(signatures.check(second, record)).toEqual({ valid: true });
      const [stored] = await signatures.listFor('checklist', record.id);
      expect(stored.method).toBe('password');
      expect(stored.meaning).toBe('review');
      expect(await storedSignaturesOf(signer.user.id)).toBe(2);
    });

    it('asks for the username again in a new session', async () => {
      const signer = await createUser();
      await signatures.sign(fullRequest(signer), 'approval', checklist());

      const newSession = await openSession(signer.user.id);
      const problem = await problemOf(
        signatures.sign({ callerId: signer.user.id, authSessionId: newSession, password: signer.password }, 'approval', checklist()),
      );
      expect(problem.getStatus()).toBe(400);
      expect(problem.problem.type).toBe(ProblemType.validation);
    });

    it('still checks the password when it is given alone', async () => {
      const signer = await createUser();
      await signatures.sign(fullRequest(signer), 'approval', checklist());

      const problem = await problemOf(
        signatures.sign(
          { callerId: signer.user.id, authSessionId: signer.sessionId, password: 'not-my-password-at-all' },
          'approval',
          checklist(),
        ),
      );
      expect(problem.getStatus()).toBe(403);
      expect(await storedSignaturesOf(signer.user.id)).toBe(1);
    });
  });

  describe('the signer\'s session and account', () => {
    it('refuses a session that has ended (401)', async () => {
      const signer = await createUser();
      await uow.run((m) =>
        m.update(AuthSessionEntity, { id: signer.sessionId }, { endedAt: clock.now(), endReason: 'logout' }),
      );
      const problem = await problemOf(signatures.sign(fullRequest(signer), 'approval', checklist()));
      expect(problem.getStatus()).toBe(401);
      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
    });

    it('refuses a session past its expiry (401), even when it was used a minute ago', async () => {
      const signer = await createUser();
      const created = clock.now().getTime();
      try {
        clock.set(new Date(created + 13 * 3_600_000));
        await uow.run((m) =>
          m.update(AuthSessionEntity, { id: signer.sessionId }, { lastSeenAt: new Date(clock.now().getTime() - 60_000) }),
        );
        const problem = await problemOf(signatures.sign(fullRequest(signer), 'approval', checklist()));
        expect(problem.getStatus()).toBe(401);
        expect(problem.problem.type).toBe(ProblemType.unauthenticated);
        expect(problem.problem.detail).toMatch(/expired/);
        expect(await storedSignaturesOf(signer.user.id)).toBe(0);
        // Nothing counted against the password either.
        const user = await dataSource.getRepository(UserEntity).findOneByOrFail({ id: signer.user.id });
        expect(user.failedLoginCount).toBe(0);
      } finally {
        clock.set(new Date(created));
      }
    });

    it('accepts a session just before its expiry', async () => {
      const signer = await createUser();
      const created = clock.now().getTime();
      try {
        clock.set(new Date(created + 12 * 3_600_000 - 60_000));
        await uow.run((m) =>
          m.update(AuthSessionEntity, { id: signer.sessionId }, { lastSeenAt: new Date(clock.now().getTime() - 60_000) }),
        );
        const record = checklist();
        expect(signatures.check(await signatures.sign(fullRequest(signer), 'approval', record), record)).toEqual({ valid: true });
      } finally {
        clock.set(new Date(created));
      }
    });

    it('refuses a session idle beyond the idle limit (31 min > 30 min) with 401', async () => {
      const signer = await createUser();
      const created = clock.now().getTime();
      try {
        clock.set(new Date(created + 31 * 60_000));
        const problem = await problemOf(signatures.sign(fullRequest(signer), 'approval', checklist()));
        expect(problem.getStatus()).toBe(401);
        expect(problem.problem.type).toBe(ProblemType.unauthenticated);
        expect(problem.problem.detail).toMatch(/idle/);
        expect(await storedSignaturesOf(signer.user.id)).toBe(0);
      } finally {
        clock.set(new Date(created));
      }
    });

    it('accepts a session idle for less than the limit (29 min)', async () => {
      const signer = await createUser();
      const created = clock.now().getTime();
      try {
        clock.set(new Date(created + 29 * 60_000));
        const record = checklist();
        expect(signatures.check(await signatures.sign(fullRequest(signer), 'approval', record), record)).toEqual({ valid: true });
      } finally {
        clock.set(new Date(created));
      }
    });

    it('refuses another user\'s session (401)', async () => {
      const signer = await createUser();
      const other = await createUser();
      const problem = await problemOf(
        signatures.sign({ ...fullRequest(signer), authSessionId: other.sessionId }, 'approval', checklist()),
      );
      expect(problem.getStatus()).toBe(401);
    });

    it('refuses a disabled account (401)', async () => {
      const signer = await createUser();
      await uow.run((m) => m.update(UserEntity, { id: signer.user.id }, { disabled: true }));
      const problem = await problemOf(signatures.sign(fullRequest(signer), 'approval', checklist()));
      expect(problem.getStatus()).toBe(401);
      expect(await storedSignaturesOf(signer.user.id)).toBe(0);
    });
  });

  it('refuses to sign content with NaN or Infinity (no canonical form): nothing stored, nothing audited', async () => {
    const signer = await createUser();
    for (const bad of [NaN, Infinity, -Infinity]) {
      const record = checklist({ items: [{ key: 'weight', value: bad }] });
      await expect(signatures.sign(fullRequest(signer), 'approval', record)).rejects.toThrow();
      expect(await signatures.listFor('checklist', record.id)).toEqual([]);
      expect(await auditOf('checklist', record.id)).toEqual([]);
    }
    expect(await storedSignaturesOf(signer.user.id)).toBe(0);
  });

  it('leaves an audit chain that verifies after all of the above', async () => {
    const verification = await audit.verify();
    expect(verification).toMatchObject({ valid: true });
    expect(verification.entries).toBeGreaterThan(20);
  });
});
