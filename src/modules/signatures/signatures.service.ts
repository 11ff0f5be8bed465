import { Inject, Injectable } from '@nestjs/common';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { EntityManager, IsNull } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { forbidden, invalid, ProblemException, ProblemType, unauthenticated } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditActor, AuditService } from '../audit/audit.service';
import { SECRETS, Secrets } from '../../config/secrets';
import { canonicalJson } from '../audit/canonical-json';
import { AuthService } from '../auth/auth.service';
import { AuthSession } from '../auth/entities/auth-session.entity';
import { verifyPassword } from '../auth/passwords';
import { User } from '../users/entities/user.entity';
import { Signature, SignatureMeaning } from './entities/signature.entity';

/** The exact record version being signed: its type, id and content as shown to the signer. */
export interface SignedRecord {
  type: string;
  id: string;
  content: unknown;
}

/** A signer whose credentials have been checked, ready to be applied inside a change's transaction. */
export interface SignerCredential {
  userId: string;
  printedName: string;
  username: string;
  authSessionId: string;
  method: 'full' | 'password';
}

export interface SignatureCheck {
  valid: boolean;
  reason?: string;
}

/**
 * SHA-256 of the RFC 8785 canonical form of the record's type, id and content: another version
 * of the record, or the same content in another record, hashes differently.
 */
export function recordHash(record: SignedRecord): string {
  return createHash('sha256').update(canonicalJson({ type: record.type, id: record.id, content: record.content })).digest('hex');
}

type SealedFields = Pick<Signature, 'id' | 'recordType' | 'recordId' | 'recordHash' | 'userId' | 'printedName' | 'meaning' | 'signedAt' | 'method'> &
  Partial<Pick<Signature, 'voidedAt' | 'voidReason'>>;

function sealOf(key: string, s: SealedFields): string {
  const fields = {
    id: s.id,
    recordType: s.recordType,
    recordId: s.recordId,
    recordHash: s.recordHash,
    userId: s.userId,
    printedName: s.printedName,
    meaning: s.meaning,
    signedAt: new Date(s.signedAt).toISOString(),
    method: s.method,
    // covered too, so a voided signature cannot be quietly un-voided
    voidedAt: s.voidedAt ? new Date(s.voidedAt).toISOString() : null,
    voidReason: s.voidReason ?? null,
  };
  return createHmac('sha256', key).update(`signature:${canonicalJson(fields)}`).digest('hex');
}

/**
 * Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200) for the modules that sign records.
 * Two steps, so a failed attempt is audited even though the signed change rolls back:
 * `authenticate` checks the signer in its own transaction, `apply` writes the signature in the
 * caller's.
 */
@Injectable()
export class SignaturesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECRETS) private readonly secrets: Secrets,
  ) {}

  async authenticate(request: {
    callerId: string;
    authSessionId: string;
    password: string;
    username?: string;
  }): Promise<SignerCredential> {
    const user = await this.uow.reader.findOne(User, { where: { id: request.callerId } });
    if (!user || user.disabled) throw unauthenticated('The account is not active');
    const session = await this.uow.reader.findOne(AuthSession, {
      where: { id: request.authSessionId, userId: user.id, endedAt: IsNull() },
    });
    if (!session) throw unauthenticated('Signing needs a current session; sign in again');
    const ended = this.auth.sessionEndReason(session, user);
    if (ended) throw unauthenticated(`Signing needs a current session (${ended}); sign in again`);

    // One person cannot sign as another, not even an administrator.
    if (request.username !== undefined && request.username.trim().toLowerCase() !== user.username) {
      await this.audit.recordAlone({
        actor: { userId: user.id, username: user.username },
        action: 'signature.refused',
        entityType: 'user',
        entityId: user.id,
        new: { reason: 'username of another person', attemptedUsername: request.username.trim().toLowerCase() },
      });
      throw forbidden('You can only sign as yourself');
    }
    const method = request.username !== undefined ? 'full' : 'password';
    if (method === 'password' && !session.signedWithFullCredentials) {
      throw invalid('The first signature in a session needs your username as well as your password', {
        username: ['required for the first signature of this session'],
      });
    }
    await this.auth.assertNotLocked(user, 'signature.refused');
    if (!(await verifyPassword(user.passwordHash, request.password))) {
      await this.auth.registerFailure(user, 'signature.failed', 'wrong password');
      throw new ProblemException(ProblemType.forbidden, 'Signature refused: the password is not correct', {
        errors: { password: ['is not correct'] },
      });
    }
    if (user.failedLoginCount > 0) {
      await this.uow.run((m) => m.update(User, { id: user.id }, { failedLoginCount: 0 }));
    }
    if (user.mustChangePassword) {
      await this.audit.recordAlone({
        actor: { userId: user.id, username: user.username },
        action: 'signature.refused',
        entityType: 'user',
        entityId: user.id,
        new: { reason: 'password set by an administrator' },
      });
      throw new ProblemException(
        ProblemType.passwordChangeRequired,
        'A password set by an administrator cannot sign; choose your own password first',
      );
    }
    return { userId: user.id, username: user.username, printedName: user.fullName, authSessionId: session.id, method };
  }

  /** Writes the signature and its audit entry in the caller's transaction. */
  async apply(
    manager: EntityManager,
    signer: SignerCredential,
    meaning: SignatureMeaning,
    record: SignedRecord,
  ): Promise<Signature> {
    const fields: SealedFields = {
      id: randomUUID(),
      recordType: record.type,
      recordId: record.id,
      recordHash: recordHash(record),
      userId: signer.userId,
      printedName: signer.printedName,
      meaning,
      signedAt: this.clock.now(),
      method: signer.method,
    };
    const signature = manager.create(Signature, {
      ...fields,
      seal: sealOf(this.secrets.auditHmacKey, fields),
      voidedAt: null,
      voidReason: null,
    });
    await manager.insert(Signature, signature);
    if (signer.method === 'full') {
      await manager.update(AuthSession, { id: signer.authSessionId }, { signedWithFullCredentials: true });
    }
    await this.audit.record(manager, {
      actor: { userId: signer.userId, username: signer.username },
      action: 'signature.applied',
      entityType: record.type,
      entityId: record.id,
      new: {
        signatureId: signature.id,
        printedName: signature.printedName,
        meaning,
        signedAt: signature.signedAt.toISOString(),
        recordHash: signature.recordHash,
        method: signer.method,
      },
    });
    return signature;
  }

  /** Authenticates and signs in one go, for records whose signing changes nothing else. */
  async sign(
    request: { callerId: string; authSessionId: string; password: string; username?: string },
    meaning: SignatureMeaning,
    record: SignedRecord,
  ): Promise<Signature> {
    const signer = await this.authenticate(request);
    return this.uow.run((manager) => this.apply(manager, signer, meaning, record));
  }

  /**
   * A signature holds only for the exact record version it was applied to, only while not voided,
   * and only while its own fields are as they were sealed.
   */
  check(signature: Signature, current: SignedRecord): SignatureCheck {
    if (signature.seal !== sealOf(this.secrets.auditHmacKey, signature)) {
      return { valid: false, reason: 'the signature record was altered' };
    }
    if (signature.voidedAt) return { valid: false, reason: `voided: ${signature.voidReason ?? 'record amended'}` };
    if (signature.recordType !== current.type || signature.recordId !== current.id) {
      return { valid: false, reason: 'the signature belongs to another record' };
    }
    if (signature.recordHash !== recordHash(current)) {
      return { valid: false, reason: 'the record has changed since it was signed' };
    }
    return { valid: true };
  }

  listFor(recordType: string, recordId: string, manager: EntityManager = this.uow.reader): Promise<Signature[]> {
    return manager.find(Signature, { where: { recordType, recordId }, order: { signedAt: 'ASC' } });
  }

  /** Voids the signatures of a record being amended (a new version must be signed again), audited. */
  async voidFor(manager: EntityManager, actor: AuditActor, recordType: string, recordId: string, reason: string): Promise<number> {
    const open = await manager.find(Signature, { where: { recordType, recordId, voidedAt: IsNull() } });
    if (open.length === 0) return 0;
    const at = this.clock.now();
    for (const signature of open) {
      const voided = { ...signature, voidedAt: at, voidReason: reason };
      await manager.update(Signature, { id: signature.id }, { voidedAt: at, voidReason: reason, seal: sealOf(this.secrets.auditHmacKey, voided) });
    }
    await this.audit.record(manager, {
      actor,
      action: 'signature.voided',
      entityType: recordType,
      entityId: recordId,
      old: { signatureIds: open.map((s) => s.id).sort(), voided: false },
      new: { signatureIds: open.map((s) => s.id).sort(), voided: true, voidedAt: at.toISOString() },
      reason,
    });
    return open.length;
  }
}
