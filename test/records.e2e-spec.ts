import { AdverseEvent } from '../src/modules/adverse-events/entities/adverse-event.entity';
import { AssessmentsService } from '../src/modules/assessments/assessments.service';
import { sameDrugClass } from '../src/modules/medications/medication-classes';
import { MedicationsService } from '../src/modules/medications/medications.service';
import { User as UserEntity } from '../src/modules/users/entities/user.entity';
import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * Clinical records through the API: doses (a witnessed protocol step: the gate decides and the
 * row is written in the same transaction), rescue and concomitant medications and assessments
 * (never gated), and their corrections and voids (conditional on the version, audited with old
 * and new values). Gates read the test facts provider (complete unless a test changes them).
 *
 * Times: the day starts 2026-03-02 07:00 UTC, 08:00 in Amsterdam (the site's zone).
 */
const T0 = '2026-03-02T07:00:00.000Z';
const MIN = 60_000;
const iso = (base: string, minutes: number) => new Date(new Date(base).getTime() + minutes * MIN).toISOString();
const local = (at: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));

/** Long idle limits so the day's clock can move; a low lockout threshold for the witness lockout. */
const ENV = { SESSION_IDLE_MINUTES: '2880', SESSION_MAX_HOURS: '96', LOCKOUT_THRESHOLD: '3' };

type User = { id: string; token: string; password: string; username: string };
type AuditEntry = { action: string; userId: string | null; entityType: string; entityId: string | null; oldValue: any; newValue: any; reason: string | null };

describe('clinical records: doses, medications, assessments, corrections (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let siteId: string;
  let inv: User;
  let clin: User;
  let clin2: User;
  let locked: User;
  let outsider: User;
  let auditor: User;
  let monitor: User;
  let mdmaStudy: string;
  let eskStudy: string;
  let participants = 0;

  const http = () => t.http;
  const post = (path: string, token: string, body: object) => http().post(`/api/v1${path}`).set(bearer(token)).send(body);
  const patch = (path: string, token: string, body: object) => http().patch(`/api/v1${path}`).set(bearer(token)).send(body);
  const get = (path: string, token: string) => http().get(`/api/v1${path}`).set(bearer(token));

  async function study(code: string, protocolId: string) {
    const res = await post('/studies', admin, { code, title: code, protocolId, protocolVersion: '1.0.0' });
    expect(res.status).toBe(201);
    const conf = await http()
      .put(`/api/v1/studies/${res.body.id}/configuration`)
      .set(bearer(inv.token))
      .send({ parameters: { course: { preparationSessions: 0 } }, reason: 'test setup' });
    expect(conf.status).toBe(200);
    return res.body.id as string;
  }

  /** A consented, eligible participant's dosing session, started (preDose). */
  async function dosingSession(studyId: string) {
    const code = `R-${String(++participants).padStart(3, '0')}`;
    const created = await post('/participants', inv.token, { studyId, siteId, code, childbearingPotential: true });
    expect(created.status).toBe(201);
    const participantId = created.body.id as string;
    for (const event of [{ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0', signedAt: t.clock.now().toISOString() } }, { type: 'ELIGIBILITY_CONFIRMED' }]) {
      expect((await post(`/participants/${participantId}/events`, inv.token, event)).status).toBe(200);
    }
    const session = await post(`/participants/${participantId}/sessions`, inv.token, { phase: 'dosing' });
    expect(session.status).toBe(201);
    const started = await post(`/sessions/${session.body.id}/events`, clin.token, { type: 'START' });
    expect(started.status).toBe(200);
    return { id: session.body.id as string, participantId };
  }

  const session = async (id: string) => (await get(`/sessions/${id}`, inv.token)).body as { state: string; version: number; doseAt: string | null };

  async function audit(entityType: string, entityId: string): Promise<AuditEntry[]> {
    const res = await get(`/audit?entityType=${entityType}&entityId=${entityId}&limit=1000`, auditor.token);
    expect(res.status).toBe(200);
    return res.body;
  }

  const mdmaDose = (over: Record<string, unknown> = {}) => ({
    substance: 'MDMA',
    amountMg: 80,
    route: 'ORAL',
    lot: 'LOT-A',
    kitNumber: 'KIT-1',
    administeredAt: t.clock.now().toISOString(),
    kind: 'initial',
    witness: { username: clin2.username, password: clin2.password },
    ...over,
  });

  beforeAll(async () => {
    t = await createTestApp(ENV, { testFacts: true, now: T0 });
    admin = await adminToken(t);
    siteId = (await createSite(t, admin, 'REC-AMS', 'Europe/Amsterdam')).id;
    const otherSite = (await createSite(t, admin, 'REC-UTR', 'Europe/Amsterdam')).id;
    const user = async (username: string, roles: string[], sites = [siteId]) => ({ username, ...(await createUser(t, admin, username, roles, sites)) });
    inv = await user('rec.inv', ['investigator']);
    clin = await user('rec.clin', ['clinician']);
    clin2 = await user('rec.clin2', ['clinician']);
    locked = await user('rec.lockme', ['clinician']);
    outsider = await user('rec.outsider', ['clinician'], [otherSite]);
    auditor = await user('rec.auditor', ['auditor']);
    monitor = await user('rec.monitor', ['monitor']);
    mdmaStudy = await study('REC-MDMA', 'mdma-ptsd');
    eskStudy = await study('REC-ESK', 'esketamine-rems');
  });
  afterAll(() => t?.close());

  describe('doses', () => {
    let s1: { id: string; participantId: string };
    let initialId: string;

    beforeAll(async () => {
      t.clock.set(T0);
      s1 = await dosingSession(mdmaStudy);
    });

    it('needs a witness: none is a 400, oneself a 400, a wrong password a 403 that is audited and counted, and nothing is stored', async () => {
      const before = await session(s1.id);
      const { witness: _, ...noWitness } = mdmaDose();
      const missing = await post(`/sessions/${s1.id}/doses`, clin.token, noWitness);
      expect(missing.status).toBe(400);
      expect(missing.body.type).toBe('/problems/validation');
      expect(missing.body.errors.witness).toBeDefined();

      const self = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ witness: { username: clin.username, password: clin.password } }));
      expect(self.status).toBe(400);
      expect(self.body.errors['witness.username']).toEqual(['the witness must be another person']);

      const wrong = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ witness: { username: clin2.username, password: 'not-the-password-at-all' } }));
      expect(wrong.status).toBe(403);
      expect(wrong.body.detail).toBe('The witness could not be authenticated: the password is not correct');
      expect(wrong.body.errors['witness.password']).toEqual(['is not correct']);
      const failures = (await audit('user', clin2.id)).filter((e) => e.action === 'dose.witness-failed');
      expect(failures).toHaveLength(1);
      expect(failures[0].newValue).toMatchObject({ failedAttempts: 1 });
      expect(failures[0].newValue.reason).toContain(s1.id);

      const elsewhere = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ witness: { username: outsider.username, password: outsider.password } }));
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.body.detail).toBe("The witness must be staff of this session's site");

      const nobody = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ witness: { username: 'no.such.person', password: 'whatever-it-is' } }));
      expect(nobody.status).toBe(403);

      // a witness is clinical staff: a monitor or an auditor of the site is refused with the reason, and audited
      for (const u of [monitor, auditor]) {
        const unfit = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ witness: { username: u.username, password: u.password } }));
        expect({ status: unfit.status, type: unfit.body.type }).toEqual({ status: 403, type: '/problems/forbidden' });
        expect(unfit.body.detail).toContain('must be a clinician or investigator');
        expect(unfit.body.errors['witness.username']).toEqual(['must hold the role clinician or investigator']);
      }
      const refusals = (await audit('session', s1.id)).filter((e) => e.action === 'dose.witness-refused' && e.newValue.reason === 'witness holds no clinical role');
      expect(refusals.map((e) => e.newValue.witnessId).sort()).toEqual([monitor.id, auditor.id].sort());

      // a dose time @IsDateString let through (week date, ordinal date, comma fraction) is a 400, not a 500
      for (const administeredAt of ['2026-W10-1', '2026-061', '2026-03-02T07:00:00,5Z', '2026-03-02T07:00:00']) {
        const bad = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ administeredAt }));
        expect({ administeredAt, status: bad.status, errors: bad.body.errors }).toEqual({
          administeredAt,
          status: 400,
          errors: { administeredAt: ['administeredAt must be an ISO 8601 time with a zone, such as 2026-03-02T06:30:00Z'] },
        });
      }

      expect((await get(`/sessions/${s1.id}/doses`, clin.token)).body).toEqual([]);
      expect(await session(s1.id)).toMatchObject({ state: before.state, version: before.version, doseAt: null });
    });

    it("refuses a substance or route that is not the protocol's, and a deviceSeq on a single dose (400)", async () => {
      const substance = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ substance: 'PSILOCYBIN' }));
      expect(substance.status).toBe(400);
      expect(substance.body.errors.substance).toEqual(['this protocol gives MDMA, not PSILOCYBIN']);
      const route = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ route: 'IV' }));
      expect(route.status).toBe(400);
      expect(route.body.errors.route).toEqual(["this protocol's route is ORAL, not IV"]);
      const seq = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ deviceSeq: 1 }));
      expect(seq.status).toBe(400);
      expect(seq.body.errors.deviceSeq).toBeDefined();
    });

    it('a dose the gate refuses answers 409 with unmet and stores nothing', async () => {
      const res = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ amountMg: 100 }));
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('/problems/protocol-refused');
      expect(res.body.unmet).toEqual([{ requirement: 'dose.amount', message: 'dosing session 1 gives 80 mg, not 100 mg' }]);
      expect((await get(`/sessions/${s1.id}/doses`, clin.token)).body).toEqual([]);
    });

    it('MDMA initial dose: witnessed, stored with the transition, audited; the session is dosed', async () => {
      const at = T0; // not before the session's START (T0): the dose.time gate refuses that
      const res = await post(`/sessions/${s1.id}/doses`, clin.token, mdmaDose({ administeredAt: at, substance: 'mdma', route: 'oral' }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        sessionId: s1.id,
        substance: 'MDMA',
        amountMg: 80,
        route: 'ORAL',
        lot: 'LOT-A',
        kitNumber: 'KIT-1',
        administeredAt: at,
        kind: 'initial',
        deviceSeq: null,
        administeredBy: clin.id,
        witnessedBy: clin2.id,
        recordedAt: T0,
        corrected: false,
        voided: false,
        version: 1,
      });
      initialId = res.body.id;
      expect(await session(s1.id)).toMatchObject({ state: 'monitoring.acute', doseAt: at });
      const recorded = (await audit('dose', initialId)).find((e) => e.action === 'dose.recorded')!;
      expect(recorded.newValue).toMatchObject({ sessionId: s1.id, kind: 'initial', amountMg: 80, lot: 'LOT-A', witnessedBy: clin2.id });
      // the witness authenticated: their earlier failed attempt no longer counts toward a lockout
      expect((await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: clin2.id })).failedLoginCount).toBe(0);
      // ... and that change of the lockout counter is in the audit trail
      const cleared = (await audit('user', clin2.id)).find((e) => e.action === 'dose.witness-authenticated')!;
      expect(cleared).toMatchObject({ userId: clin2.id, oldValue: { failedAttempts: 1 }, newValue: { failedAttempts: 0 } });
    });

    it('MDMA supplemental: an investigator decision with a reason inside its window; a second one is refused (supplemental.once)', async () => {
      t.clock.set(iso(T0, 100));
      const supplemental = (over: Record<string, unknown> = {}) =>
        mdmaDose({ kind: 'supplemental', amountMg: 40, reason: 'stable, tolerating well', lot: 'LOT-A', witness: { username: clin.username, password: clin.password }, ...over });
      const res = await post(`/sessions/${s1.id}/doses`, inv.token, supplemental());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'supplemental', amountMg: 40, administeredBy: inv.id, witnessedBy: clin.id });
      expect((await session(s1.id)).state).toBe('monitoring.settled');

      t.clock.set(iso(T0, 110));
      const again = await post(`/sessions/${s1.id}/doses`, inv.token, supplemental());
      expect(again.status).toBe(409);
      expect(again.body.type).toBe('/problems/protocol-refused');
      expect(again.body.unmet).toContainEqual({ requirement: 'supplemental.once', message: 'the supplemental dose has already been given' });
      const doses = (await get(`/sessions/${s1.id}/doses`, auditor.token)).body;
      expect(doses.map((d: { kind: string }) => d.kind)).toEqual(['supplemental', 'initial']);
    });

    it('a witness locked after repeated wrong passwords answers 423', async () => {
      const attempt = (password: string) => post(`/sessions/${s1.id}/doses`, inv.token, mdmaDose({ kind: 'supplemental', amountMg: 40, reason: 'x', witness: { username: locked.username, password } }));
      expect((await attempt('wrong-password-number-1')).status).toBe(403);
      expect((await attempt('wrong-password-number-2')).status).toBe(403);
      const third = await attempt('wrong-password-number-3');
      expect(third.status).toBe(423);
      expect(third.body.type).toBe('/problems/locked');
      expect((await attempt(locked.password)).status).toBe(423);
      const actions = (await audit('user', locked.id)).map((e) => e.action);
      expect(actions.filter((a) => a === 'dose.witness-failed')).toHaveLength(3);
      expect(actions).toContain('user.locked');
    });

    it('a session of another site is not found', async () => {
      expect((await get(`/sessions/${s1.id}/doses`, outsider.token)).status).toBe(404);
      expect((await post(`/sessions/${s1.id}/doses`, outsider.token, mdmaDose())).status).toBe(404);
    });

    describe('corrections', () => {
      it('a corrected dose keeps its history: audited with old and new values, the view says corrected; the machine is not run again', async () => {
        const before = await session(s1.id);
        const res = await patch(`/sessions/${s1.id}/doses/${initialId}`, clin.token, { lot: 'LOT-B', kitNumber: null, reason: 'lot copied from the wrong kit', expectedVersion: 1 });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: initialId, lot: 'LOT-B', kitNumber: null, corrected: true, voided: false, version: 2, amountMg: 80 });
        expect(res.body.correctedAt).toBe(t.clock.now().toISOString());
        const entries = await audit('dose', initialId);
        const corrected = entries.find((e) => e.action === 'dose.corrected')!;
        expect(corrected.oldValue).toEqual({ version: 1, lot: 'LOT-A', kitNumber: 'KIT-1' });
        expect(corrected.newValue).toEqual({ version: 2, lot: 'LOT-B', kitNumber: null, sessionId: s1.id });
        expect(corrected.reason).toBe('lot copied from the wrong kit');
        expect(corrected.userId).toBe(clin.id);
        // the original entry still says what was first recorded
        expect(entries.find((e) => e.action === 'dose.recorded')!.newValue.lot).toBe('LOT-A');
        expect(await session(s1.id)).toMatchObject({ state: before.state, version: before.version });
      });

      it('refuses kind or deviceSeq (400), no reason (400), no change (400), a stale version (409) and an unknown record (404)', async () => {
        const url = `/sessions/${s1.id}/doses/${initialId}`;
        const kind = await patch(url, clin.token, { kind: 'supplemental', reason: 'x' });
        expect(kind.status).toBe(400);
        expect(kind.body.errors.kind).toEqual(['cannot be corrected']);
        expect((await patch(url, clin.token, { deviceSeq: 2, reason: 'x' })).status).toBe(400);
        const noReason = await patch(url, clin.token, { lot: 'LOT-C' });
        expect(noReason.status).toBe(400);
        expect(noReason.body.errors.reason).toBeDefined();
        expect((await patch(url, clin.token, { lot: 'LOT-B', reason: 'same' })).status).toBe(400);
        expect((await patch(url, clin.token, { lot: null, reason: 'null lot' })).status).toBe(400);
        const stale = await patch(url, clin.token, { lot: 'LOT-C', reason: 'x', expectedVersion: 1 });
        expect(stale.status).toBe(409);
        expect(stale.body.type).toBe('/problems/version-conflict');
        expect((await patch(`/sessions/${s1.id}/doses/00000000-0000-4000-8000-000000000000`, clin.token, { lot: 'LOT-C', reason: 'x' })).status).toBe(404);
        expect((await patch(`/sessions/${s1.id}/doses/not-a-uuid`, clin.token, { lot: 'LOT-C', reason: 'x' })).status).toBe(400);
        expect((await patch(url, auditor.token, { lot: 'LOT-C', reason: 'x' })).status).toBe(403);
      });

      it('refuses to correct the dose time or amount (409): they drive the protocol and are recorded through the gated dose only', async () => {
        const url = `/sessions/${s1.id}/doses/${initialId}`;
        const before = (await get(`/sessions/${s1.id}/doses`, clin.token)).body.find((d: { id: string }) => d.id === initialId);
        for (const body of [{ administeredAt: iso(T0, -30) }, { amountMg: 120 }, { administeredAt: iso(T0, -30), amountMg: 120, lot: 'LOT-Q' }]) {
          const res = await patch(url, clin.token, { ...body, reason: 'the time was wrong' });
          expect({ status: res.status, type: res.body.type }).toEqual({ status: 409, type: '/problems/conflict' });
          expect(res.body.detail).toContain('drive the protocol (timers, windows, minimum monitoring)');
          expect(res.body.detail).toContain('gated dose');
        }
        const malformed = await patch(url, clin.token, { administeredAt: '2026-W10-1', reason: 'x' });
        expect(malformed.status).toBe(400);
        expect((await get(`/sessions/${s1.id}/doses`, clin.token)).body.find((d: { id: string }) => d.id === initialId)).toEqual(before);
      });

      it('two concurrent corrections of one version: one 200, one 409 version-conflict', async () => {
        const url = `/sessions/${s1.id}/doses/${initialId}`;
        const results = await Promise.all([
          patch(url, clin.token, { lot: 'LOT-X', reason: 'first', expectedVersion: 2 }),
          patch(url, inv.token, { lot: 'LOT-Y', reason: 'second', expectedVersion: 2 }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        expect(results.find((r) => r.status === 409)!.body.type).toBe('/problems/version-conflict');
        const doses = (await get(`/sessions/${s1.id}/doses`, clin.token)).body as { id: string; version: number }[];
        expect(doses.find((d) => d.id === initialId)!.version).toBe(3);
      });

      it('a voided dose stays listed as voided and cannot be corrected', async () => {
        const url = `/sessions/${s1.id}/doses/${initialId}`;
        const res = await post(`${url}/void`, inv.token, { reason: 'entered in the wrong session' });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ voided: true, voidReason: 'entered in the wrong session', version: 4 });
        const voided = (await audit('dose', initialId)).find((e) => e.action === 'dose.voided')!;
        expect(voided.oldValue).toEqual({ voided: false, version: 3 });
        expect(voided.newValue).toEqual({ voided: true, version: 4, sessionId: s1.id });
        expect(voided.reason).toBe('entered in the wrong session');
        const again = await patch(url, clin.token, { lot: 'LOT-Z', reason: 'x' });
        expect(again.status).toBe(409);
        expect(again.body.detail).toBe('The dose was voided and cannot be corrected');
        expect((await post(`${url}/void`, inv.token, { reason: 'again' })).status).toBe(409);
        expect((await post(`${url}/void`, inv.token, {})).status).toBe(400);
        const listed = (await get(`/sessions/${s1.id}/doses`, clin.token)).body as { id: string; voided: boolean }[];
        expect(listed.find((d) => d.id === initialId)!.voided).toBe(true);
      });
    });
  });

  describe('esketamine: a dose as nasal devices 5 minutes apart', () => {
    it('the second device 3 min after the first is refused with the time it may be given; at +5 min it is accepted and monitoring starts', async () => {
      t.clock.set(iso(T0, 24 * 60));
      const s = await dosingSession(eskStudy);
      const first = t.clock.now().toISOString();
      const device = (seq: number, over: Record<string, unknown> = {}) => ({
        substance: 'ESKETAMINE',
        amountMg: 28,
        route: 'NASAL',
        lot: 'ESK-LOT-7',
        administeredAt: t.clock.now().toISOString(),
        kind: 'device',
        deviceSeq: seq,
        witness: { username: clin2.username, password: clin2.password },
        ...over,
      });
      const noSeq = await post(`/sessions/${s.id}/doses`, clin.token, { ...device(1), deviceSeq: undefined });
      expect(noSeq.status).toBe(400);
      expect(noSeq.body.errors.deviceSeq).toEqual(['required for a device dose (1 for the first device)']);
      const single = await post(`/sessions/${s.id}/doses`, clin.token, { ...device(1), kind: 'initial', deviceSeq: undefined, amountMg: 56 });
      expect(single.status).toBe(409);
      expect(single.body.unmet).toContainEqual({ requirement: 'dose.kind', message: 'this protocol doses by nasal device: record each device (DOSE_DEVICE)' });

      const one = await post(`/sessions/${s.id}/doses`, clin.token, device(1));
      expect(one.status).toBe(201);
      expect(one.body).toMatchObject({ kind: 'device', deviceSeq: 1, amountMg: 28, substance: 'ESKETAMINE', route: 'NASAL', kitNumber: null });
      expect((await session(s.id)).state).toBe('dosing');

      t.clock.advance(3 * MIN);
      const early = await post(`/sessions/${s.id}/doses`, clin.token, device(2));
      expect(early.status).toBe(409);
      expect(early.body.unmet).toEqual([{ requirement: 'dose.device-interval', message: `next device at ${local(iso(first, 5))} (5 min after the previous one)` }]);
      expect((await get(`/sessions/${s.id}/doses`, clin.token)).body).toHaveLength(1);

      t.clock.advance(2 * MIN);
      const two = await post(`/sessions/${s.id}/doses`, clin.token, device(2));
      expect(two.status).toBe(201);
      expect(two.body.deviceSeq).toBe(2);
      expect(await session(s.id)).toMatchObject({ state: 'monitoring.acute', doseAt: first });
      const doses = (await get(`/sessions/${s.id}/doses`, clin.token)).body as { deviceSeq: number }[];
      expect(doses.map((d) => d.deviceSeq)).toEqual([2, 1]);
    });
  });

  describe('medications (never gated)', () => {
    let s: { id: string; participantId: string };
    let aeId: string;
    const med = (over: Record<string, unknown> = {}) => ({
      name: 'lorazepam',
      doseText: '1 mg',
      route: 'ORAL',
      givenAt: t.clock.now().toISOString(),
      indication: 'acute anxiety',
      ...over,
    });

    beforeAll(async () => {
      t.clock.set(iso(T0, 2 * 24 * 60));
      s = await dosingSession(mdmaStudy);
      // the adverse event the medication treats (written directly: its module is not part of this suite)
      const ae = await t.dataSource.getRepository(AdverseEvent).save({
        sessionId: s.id,
        participantId: s.participantId,
        siteId,
        term: 'Anxiety',
        onsetAt: t.clock.now(),
        awareAt: t.clock.now(),
        relatedness: 'related',
        recordedBy: clin.id,
        recordedAt: t.clock.now(),
      });
      aeId = ae.id;
    });

    it('records a rescue medication linked to its adverse event; the link must be a UUID of an existing event', async () => {
      const res = await post(`/sessions/${s.id}/medications`, clin.token, med({ adverseEventId: aeId, drugClass: 'benzodiazepine' }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        sessionId: s.id,
        participantId: s.participantId,
        name: 'lorazepam',
        doseText: '1 mg',
        category: 'rescue',
        drugClass: 'benzodiazepine',
        adverseEventId: aeId,
        recordedBy: clin.id,
        corrected: false,
        voided: false,
        version: 1,
      });
      const recorded = (await audit('medication', res.body.id)).find((e) => e.action === 'medication.recorded')!;
      expect(recorded.newValue).toMatchObject({ adverseEventId: aeId, category: 'rescue' });

      const malformed = await post(`/sessions/${s.id}/medications`, clin.token, med({ adverseEventId: 'ae-1' }));
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors.adverseEventId).toBeDefined();
      const missing = await post(`/sessions/${s.id}/medications`, clin.token, med({ adverseEventId: '00000000-0000-4000-8000-000000000000' }));
      expect(missing.status).toBe(400);
      expect(missing.body.errors.adverseEventId).toEqual(['no adverse event of this participant has this id']);
      const noIndication = await post(`/sessions/${s.id}/medications`, clin.token, { ...med(), indication: undefined });
      expect(noIndication.status).toBe(400);
      expect(noIndication.body.errors.indication).toBeDefined();
      expect((await post(`/sessions/${s.id}/medications`, clin.token, med({ category: 'prn' }))).status).toBe(400);
      expect((await post(`/sessions/${s.id}/medications`, clin.token, med({ givenAt: iso(t.clock.now().toISOString(), 30) }))).status).toBe(400);
      for (const givenAt of ['2026-W10-1', '2026-061', '2026-03-04T07:00:00,5Z']) {
        const bad = await post(`/sessions/${s.id}/medications`, clin.token, med({ givenAt }));
        expect({ givenAt, status: bad.status, fields: Object.keys(bad.body.errors ?? {}) }).toEqual({ givenAt, status: 400, fields: ['givenAt'] });
      }
      expect((await post(`/sessions/${s.id}/medications`, clin.token, med({ endedAt: '2026-W10-1' }))).status).toBe(400);
    });

    it('activeClasses lists the drug classes of non-voided medications, for the prohibited-medication check', async () => {
      const meds = t.app.get(MedicationsService);
      const concomitant = await post(`/sessions/${s.id}/medications`, clin.token, med({ name: 'phenelzine', doseText: '15 mg', category: 'concomitant', drugClass: 'MAOI', indication: 'depression', givenAt: iso(t.clock.now().toISOString(), -60 * 24) }));
      expect(concomitant.status).toBe(201);
      expect((await meds.activeClasses(s.participantId, t.clock.now())).sort()).toEqual(['MAOI', 'benzodiazepine']);
      const voided = await post(`/sessions/${s.id}/medications/${concomitant.body.id}/void`, inv.token, { reason: 'recorded for the wrong participant' });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({ voided: true, version: 2 });
      expect(await meds.activeClasses(s.participantId, t.clock.now())).toEqual(['benzodiazepine']);
      const corrected = await patch(`/sessions/${s.id}/medications/${concomitant.body.id}`, clin.token, { doseText: '30 mg', reason: 'x' });
      expect(corrected.status).toBe(409);
    });

    it('activeClasses: one class however it is spelt (MAOIs = MAOI, case-insensitive), medications ended before the time left out', async () => {
      expect(sameDrugClass('MAOIs', 'MAOI')).toBe(true);
      expect(sameDrugClass('maoi', 'MAOI')).toBe(true);
      expect(sameDrugClass('benzodiazepines', 'Benzodiazepine')).toBe(true);
      expect(sameDrugClass(' SSRIs ', 'ssri')).toBe(true);
      expect(sameDrugClass('MAOI', 'SSRI')).toBe(false);
      expect(sameDrugClass('', '')).toBe(false);

      const meds = t.app.get(MedicationsService);
      const other = await dosingSession(mdmaStudy);
      const now = t.clock.now().toISOString();
      const add = async (over: Record<string, unknown>) =>
        expect((await post(`/sessions/${other.id}/medications`, clin.token, med({ category: 'concomitant', indication: 'depression', ...over }))).status).toBe(201);
      await add({ name: 'phenelzine', doseText: '15 mg', drugClass: 'MAOIs', givenAt: iso(now, -60 * 24 * 30) });
      await add({ name: 'tranylcypromine', doseText: '10 mg', drugClass: 'maoi', givenAt: iso(now, -60 * 24 * 20) });
      await add({ name: 'diazepam', doseText: '5 mg', drugClass: 'Benzodiazepines', givenAt: iso(now, -60 * 24 * 10), endedAt: iso(now, -60 * 24 * 2) });
      expect(await meds.activeClasses(other.participantId, t.clock.now())).toEqual(['MAOIs']);
      // three days ago the benzodiazepine was still taken
      expect(await meds.activeClasses(other.participantId, new Date(iso(now, -60 * 24 * 3)))).toEqual(['MAOIs', 'Benzodiazepines']);
    });

    it('a correction may change the adverse-event link (checked again) and is audited with old and new values', async () => {
      const list = (await get(`/sessions/${s.id}/medications`, auditor.token)).body as { id: string; name: string }[];
      const id = list.find((m) => m.name === 'lorazepam')!.id;
      const bad = await patch(`/sessions/${s.id}/medications/${id}`, clin.token, { adverseEventId: '00000000-0000-4000-8000-000000000001', reason: 'x' });
      expect(bad.status).toBe(400);
      const res = await patch(`/sessions/${s.id}/medications/${id}`, clin.token, { doseText: '2 mg', adverseEventId: null, reason: 'dose misread; not given for the AE' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ doseText: '2 mg', adverseEventId: null, corrected: true, version: 2 });
      const entry = (await audit('medication', id)).find((e) => e.action === 'medication.corrected')!;
      expect(entry.oldValue).toEqual({ version: 1, doseText: '1 mg', adverseEventId: aeId });
      expect(entry.newValue).toEqual({ version: 2, doseText: '2 mg', adverseEventId: null, sessionId: s.id });
    });

    it('is recorded after the session closed, while a dose is refused', async () => {
      const abort = await post(`/sessions/${s.id}/events`, inv.token, { type: 'ABORT', data: { exit: 'other' }, reason: 'participant withdrew for the day' });
      expect(abort.status).toBe(200);
      const close = await post(`/sessions/${s.id}/events`, inv.token, { type: 'CLOSE' });
      expect(close.status).toBe(200);
      expect(close.body.state).toBe('closed');
      t.clock.advance(30 * MIN);
      const res = await post(`/sessions/${s.id}/medications`, clin.token, med({ name: 'ondansetron', doseText: '4 mg', indication: 'nausea' }));
      expect(res.status).toBe(201);
      const dose = await post(`/sessions/${s.id}/doses`, clin.token, mdmaDose());
      expect(dose.status).toBe(409);
      expect(dose.body.unmet[0].requirement).toBe('state');
      const listed = (await get(`/sessions/${s.id}/medications`, clin.token)).body as { name: string }[];
      expect(listed.map((m) => m.name)).toEqual(['ondansetron', 'lorazepam', 'phenelzine']);
    });
  });

  describe('assessments (never gated)', () => {
    let s: { id: string; participantId: string };

    beforeAll(async () => {
      t.clock.set(iso(T0, 3 * 24 * 60));
      s = await dosingSession(mdmaStudy);
    });

    it('validates the result against its instrument (field errors under result.)', async () => {
      const res = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'cssrs-screen', result: { ideation: 'no', behaviour: false, extra: 1 } });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('/problems/validation');
      expect(Object.keys(res.body.errors).sort()).toEqual(['result.extra', 'result.ideation', 'result.intentOrPlan']);
      const score = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'moaas', result: { score: 7 } });
      expect(score.status).toBe(400);
      expect(score.body.errors['result.score']).toBeDefined();
      const unknown = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'phq-9', result: { score: 1 } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors.instrument).toBeDefined();
      expect((await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'suds' })).status).toBe(400);
      for (const takenAt of ['2026-W10-1', '2026-061', '2026-03-05T07:00:00,5Z']) {
        const bad = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'suds', result: { score: 3 }, takenAt });
        expect({ takenAt, status: bad.status, fields: Object.keys(bad.body.errors ?? {}) }).toEqual({ takenAt, status: 400, fields: ['takenAt'] });
      }
      expect((await get(`/sessions/${s.id}/assessments`, clin.token)).body).toEqual([]);
    });

    it('a positive C-SSRS alerts the investigator and is audited as such; the list is newest first; latest() reads it', async () => {
      const now = t.clock.now().toISOString();
      const negative = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'cssrs-screen', result: { ideation: false, intentOrPlan: false, behaviour: false }, takenAt: iso(now, -30) });
      expect(negative.status).toBe(201);
      expect(negative.body).toMatchObject({ instrument: 'cssrs-screen', alert: null, takenAt: iso(now, -30), recordedBy: clin.id, version: 1 });
      expect((await audit('assessment', negative.body.id)).map((e) => e.action)).toEqual(['assessment.recorded']);

      const positive = await post(`/sessions/${s.id}/assessments`, clin.token, { instrument: 'cssrs-screen', result: { ideation: true, intentOrPlan: true, behaviour: false } });
      expect(positive.status).toBe(201);
      expect(positive.body).toMatchObject({ alert: 'investigator', takenAt: now, result: { ideation: true, intentOrPlan: true, behaviour: false } });
      const actions = (await audit('assessment', positive.body.id)).map((e) => e.action);
      expect(actions.sort()).toEqual(['assessment.cssrs-positive', 'assessment.recorded']);

      const moaas = await post(`/sessions/${s.id}/assessments`, inv.token, { instrument: 'moaas', result: { score: 5 }, takenAt: iso(now, -10) });
      expect(moaas.status).toBe(201);
      const list = (await get(`/sessions/${s.id}/assessments`, auditor.token)).body as { id: string }[];
      expect(list.map((a) => a.id)).toEqual([positive.body.id, moaas.body.id, negative.body.id]);

      const latest = await t.app.get(AssessmentsService).latest(s.id, 'cssrs-screen');
      expect(latest?.id).toBe(positive.body.id);
      expect(await t.app.get(AssessmentsService).latest(s.id, 'avpu')).toBeNull();
    });

    it('a correction is validated against the instrument, cannot change it, and a result that becomes positive alerts too', async () => {
      const list = (await get(`/sessions/${s.id}/assessments`, clin.token)).body as { id: string; instrument: string; alert: string | null }[];
      const negative = list.find((a) => a.instrument === 'cssrs-screen' && a.alert === null)!;
      const url = `/sessions/${s.id}/assessments/${negative.id}`;
      const invalid = await patch(url, clin.token, { result: { ideation: true }, reason: 'x' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors['result.intentOrPlan']).toBeDefined();
      expect((await patch(url, clin.token, { instrument: 'avpu', reason: 'x' })).status).toBe(400);
      const res = await patch(url, clin.token, { result: { ideation: true, intentOrPlan: false, behaviour: true }, reason: 'answers transposed' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ corrected: true, alert: 'investigator', version: 2 });
      const entries = await audit('assessment', negative.id);
      const corrected = entries.find((e) => e.action === 'assessment.corrected')!;
      expect(corrected.oldValue).toEqual({ version: 1, result: { ideation: false, intentOrPlan: false, behaviour: false } });
      expect(corrected.newValue).toEqual({ version: 2, result: { ideation: true, intentOrPlan: false, behaviour: true }, sessionId: s.id });
      expect(entries.map((e) => e.action)).toContain('assessment.cssrs-positive');

      const voided = await post(`${url}/void`, inv.token, { reason: 'duplicate entry', expectedVersion: 2 });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({ voided: true, alert: null });
    });
  });

  describe('audit trail', () => {
    it('verifies at the end', async () => {
      const res = await get('/audit/verify', auditor.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: true });
      expect(res.body.entries).toBeGreaterThan(50);
    });
  });
});
