import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { forbidden, invalid, ProblemException, ProblemType } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { ProtocolParameters } from '../../protocols/parameters';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { AuthService } from '../auth/auth.service';
import { burnPasswordCheck, verifyPassword } from '../auth/passwords';
import { changeOf, correctionView, correctRecord, RecordKind, VoidRecordDto, voidRecord } from '../records/corrections';
import { Session } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { User } from '../users/entities/user.entity';
import type { Role } from '../users/roles';
import { CorrectDoseDto, CreateDoseDto, DoseKind, WitnessDto } from './dto/dose.dto';
import { Dose } from './entities/dose.entity';

export const doseView = (d: Dose) => ({
  id: d.id,
  sessionId: d.sessionId,
  participantId: d.participantId,
  substance: d.substance,
  amountMg: d.amountMg,
  route: d.route,
  lot: d.lot,
  kitNumber: d.kitNumber,
  administeredAt: d.administeredAt.toISOString(),
  kind: d.kind,
  deviceSeq: d.deviceSeq,
  administeredBy: d.administeredBy,
  witnessedBy: d.witnessedBy,
  recordedAt: d.recordedAt.toISOString(),
  ...correctionView(d),
});

/** Who may witness a dose: clinical staff, not a monitor or auditor. */
const WITNESS_ROLES: readonly Role[] = ['clinician', 'investigator'];

const DOSE: RecordKind<Dose> = { entity: Dose, type: 'dose', label: 'Dose' };

/** The machine event each kind of dose fires. */
const EVENT_OF: Record<DoseKind, string> = {
  initial: 'DOSE_INITIAL',
  supplemental: 'DOSE_SUPPLEMENTAL',
  device: 'DOSE_DEVICE',
};

/** The witness authenticates; what makes them unfit is said plainly, and a wrong password counts toward their lockout. */
const witnessRefused = (detail: string, field: 'witness.username' | 'witness.password', message: string) =>
  new ProblemException(ProblemType.forbidden, detail, { errors: { [field]: [message] } });

/**
 * Doses given in a dosing session. A dose is a protocol step: its event goes through the session's
 * gate, and the dose row is written in the transaction that accepts the event, so a refused dose
 * stores nothing. Another person witnesses it and authenticates in the same request.
 */
@Injectable()
export class DosesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly auth: AuthService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(sessionId: string, dto: CreateDoseDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const { substance, route } = this.checkAgainstProtocol(session, dto);
    const witness = await this.authenticateWitness(session, dto.witness, auth);
    const data: Record<string, unknown> = { amountMg: dto.amountMg, administeredAt: dto.administeredAt };
    if (dto.kind === 'device') data.deviceSeq = dto.deviceSeq;
    const { record } = await this.sessions.eventWithRecord(sessionId, { type: EVENT_OF[dto.kind], data, reason: dto.reason }, auth, async (manager, next) => {
      const dose = manager.create(Dose, {
        sessionId: next.id,
        participantId: next.participantId,
        substance,
        amountMg: dto.amountMg,
        route,
        lot: dto.lot.trim(),
        kitNumber: dto.kitNumber?.trim() || null,
        administeredAt: new Date(dto.administeredAt),
        kind: dto.kind,
        deviceSeq: dto.kind === 'device' ? dto.deviceSeq! : null,
        administeredBy: auth.userId,
        witnessedBy: witness.id,
        recordedAt: this.clock.now(),
        version: 1,
        correctedAt: null,
        voidedAt: null,
        voidReason: null,
      });
      await manager.save(dose);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'dose.recorded',
        entityType: 'dose',
        entityId: dose.id,
        new: {
          sessionId: dose.sessionId,
          participantId: dose.participantId,
          kind: dose.kind,
          deviceSeq: dose.deviceSeq,
          substance,
          amountMg: dose.amountMg,
          route,
          lot: dose.lot,
          kitNumber: dose.kitNumber,
          administeredAt: dose.administeredAt.toISOString(),
          administeredBy: auth.userId,
          witnessedBy: witness.id,
          witnessUsername: witness.username,
          sessionState: next.state,
        },
        reason: dto.reason,
      });
      return dose;
    });
    return doseView(record);
  }

  async list(sessionId: string, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const rows = await this.uow.reader.find(Dose, { where: { sessionId: session.id }, order: { administeredAt: 'DESC', recordedAt: 'DESC' } });
    return rows.map(doseView);
  }

  /**
   * Corrects the written record only (lot, kit number). The dose time and amount drive the
   * protocol — timers, windows, minimum monitoring — so they are refused here (409): they are
   * recorded only through the gated dose, and the machine is never run again by a correction.
   */
  async correct(sessionId: string, doseId: string, dto: CorrectDoseDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const fixed = (['kind', 'deviceSeq'] as const).filter((k) => dto[k] !== undefined);
    if (fixed.length) {
      throw invalid('kind and deviceSeq cannot be corrected: they are the protocol step the dose was accepted as; void the dose instead', Object.fromEntries(fixed.map((k) => [k, ['cannot be corrected']])));
    }
    const gated = (['administeredAt', 'amountMg'] as const).filter((k) => dto[k] !== undefined);
    if (gated.length) {
      throw new ProblemException(
        ProblemType.conflict,
        `${gated.join(' and ')} cannot be corrected: the dose time and amount drive the protocol (timers, windows, minimum monitoring) ` +
          'and are recorded only through the gated dose; void the dose and record it again, or document a deviation',
        { errors: Object.fromEntries(gated.map((k) => [k, ['drives the protocol and cannot be corrected']])) },
      );
    }
    const changes: Partial<Dose> = {
      lot: dto.lot?.trim(),
      kitNumber: dto.kitNumber === undefined ? undefined : dto.kitNumber?.trim() || null,
    };
    const now = this.clock.now();
    const { record } = await this.uow.run((manager) =>
      correctRecord(manager, this.audit, DOSE, changeOf(session.id, doseId, dto, actorOf(auth), now), changes),
    );
    return doseView(record);
  }

  /** Voiding does not undo the protocol step either: the session stays dosed. */
  async void(sessionId: string, doseId: string, dto: VoidRecordDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const record = await this.uow.run((manager) =>
      voidRecord(manager, this.audit, DOSE, changeOf(session.id, doseId, dto, actorOf(auth), this.clock.now())),
    );
    return doseView(record);
  }

  /** Substance and route are the protocol's; returns them as the protocol spells them. */
  private checkAgainstProtocol(session: Session, dto: CreateDoseDto): { substance: string; route: string } {
    const params = (session.snapshot.context as { params?: ProtocolParameters }).params;
    const dosing = params?.dosing;
    if (!dosing) throw invalid('This session has no dosing parameters');
    const errors: Record<string, string[]> = {};
    const norm = (s: string) => s.trim().toUpperCase();
    if (norm(dto.substance) !== norm(dosing.substance)) errors.substance = [`this protocol gives ${dosing.substance}, not ${dto.substance}`];
    if (norm(dto.route) !== norm(dosing.route)) errors.route = [`this protocol's route is ${dosing.route}, not ${dto.route}`];
    if (dto.kind === 'device' && dto.deviceSeq === undefined) errors.deviceSeq = ['required for a device dose (1 for the first device)'];
    if (dto.kind !== 'device' && dto.deviceSeq !== undefined) errors.deviceSeq = [`only device doses have a device number, not ${dto.kind} doses`];
    if (Object.keys(errors).length) throw invalid(`The dose does not match the protocol: ${Object.values(errors).flat().join('; ')}`, errors);
    return { substance: dosing.substance, route: dosing.route };
  }

  /**
   * The witness is another active person of the session's site who authenticates now. Runs before
   * the event, in its own transactions (a failure is audited and counted even though nothing else
   * is stored).
   */
  private async authenticateWitness(session: Session, witness: WitnessDto, auth: AuthContext): Promise<User> {
    const username = witness.username.trim().toLowerCase();
    if (username === auth.username.toLowerCase()) {
      throw invalid('The witness must be another person', { 'witness.username': ['the witness must be another person'] });
    }
    const user = await this.uow.reader.findOne(User, { where: { username }, relations: { siteLinks: true } });
    const refusal = { actor: actorOf(auth), entityType: 'session', entityId: session.id } as const;
    if (!user) {
      await burnPasswordCheck(witness.password);
      await this.audit.recordAlone({ ...refusal, action: 'dose.witness-failed', new: { reason: 'unknown witness username', witnessUsername: username } });
      throw witnessRefused('The witness could not be authenticated: username or password is not correct', 'witness.password', 'is not correct');
    }
    if (user.id === auth.userId) throw invalid('The witness must be another person', { 'witness.username': ['the witness must be another person'] });
    if (user.disabled) {
      await this.audit.recordAlone({ ...refusal, action: 'dose.witness-refused', new: { reason: 'witness account disabled', witnessId: user.id } });
      throw witnessRefused('The witness account is disabled', 'witness.username', 'account disabled');
    }
    if (!user.siteLinks.some((l) => l.siteId === session.siteId)) {
      await this.audit.recordAlone({ ...refusal, action: 'dose.witness-refused', new: { reason: 'witness not staff of the site', witnessId: user.id } });
      throw witnessRefused("The witness must be staff of this session's site", 'witness.username', 'not staff of this site');
    }
    if (!user.roles.some((r) => WITNESS_ROLES.includes(r))) {
      await this.audit.recordAlone({ ...refusal, action: 'dose.witness-refused', new: { reason: 'witness holds no clinical role', witnessId: user.id, roles: user.roles } });
      throw witnessRefused(
        `The witness must be a clinician or investigator; ${user.username} is ${user.roles.join(', ') || 'without a role'}`,
        'witness.username',
        'must hold the role clinician or investigator',
      );
    }
    await this.auth.assertNotLocked(user, 'dose.witness-refused');
    if (!(await verifyPassword(user.passwordHash, witness.password))) {
      // audited as the witness's failure and counted toward their lockout (423 when it locks)
      await this.auth.registerFailure(user, 'dose.witness-failed', `wrong witness password for a dose in session ${session.id} recorded by ${auth.username}`);
      throw witnessRefused('The witness could not be authenticated: the password is not correct', 'witness.password', 'is not correct');
    }
    if (user.failedLoginCount > 0) {
      // the witness proved their password: earlier failures no longer count toward a lockout (audited like a login)
      await this.uow.run(async (manager) => {
        await manager.update(User, { id: user.id }, { failedLoginCount: 0 });
        await this.audit.record(manager, {
          actor: { userId: user.id, username: user.username },
          action: 'dose.witness-authenticated',
          entityType: 'user',
          entityId: user.id,
          old: { failedAttempts: user.failedLoginCount },
          new: { failedAttempts: 0 },
          reason: `witnessed a dose in session ${session.id} recorded by ${auth.username}`,
        });
      });
    }
    if (user.mustChangePassword) {
      await this.audit.recordAlone({ ...refusal, action: 'dose.witness-refused', new: { reason: 'witness password set by an administrator', witnessId: user.id } });
      throw forbidden('The witness must first replace the one-time password an administrator set');
    }
    return user;
  }
}
