import { VitalsService } from '../src/modules/vitals/vitals.service';
import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * Vital signs by hand through the API: single values and cuff readings, refused units and
 * impossible values that are never stored, corrections and voids that keep their history in the
 * audit trail, the paginated list, and the readings other modules use.
 */
const T0 = '2026-03-02T07:00:00.000Z';
const MIN = 60_000;
const ENV = { SESSION_IDLE_MINUTES: '2880', SESSION_MAX_HOURS: '96' };
const PROBLEM = /^application\/problem\+json/;

type User = { id: string; token: string; password: string };
type Vital = {
  id: string;
  sessionId: string;
  code: string;
  value: number;
  unit: string;
  takenAt: string;
  receivedAt: string;
  source: string;
  deviceId: string | null;
  quality: unknown;
  loinc: string;
  readingId: string | null;
  corrected: boolean;
  voided: boolean;
  voidReason: string | null;
  version: number;
};

describe('vitals by hand (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let inv: User;
  let clin: User;
  let monitor: User;
  let auditor: User;
  let outsider: User;
  let studyId: string;
  let siteId: string;
  let sessionId: string;
  let participants = 0;

  const now = () => t.clock.now().toISOString();
  const ago = (minutes: number) => new Date(t.clock.now().getTime() - minutes * MIN).toISOString();
  const post = (token: string, body: object, session = sessionId) => t.http.post(`/api/v1/sessions/${session}/vitals`).set(bearer(token)).send(body);
  const list = (query = '', token = clin.token, session = sessionId) => t.http.get(`/api/v1/sessions/${session}/vitals${query}`).set(bearer(token));
  const all = async (session = sessionId): Promise<Vital[]> => {
    const res = await list('?limit=1000', clin.token, session);
    expect(res.status).toBe(200);
    return res.body;
  };
  const audit = async (entityId: string) => {
    const res = await t.http.get(`/api/v1/audit?entityType=observation&entityId=${entityId}`).set(bearer(auditor.token));
    expect(res.status).toBe(200);
    return res.body as { action: string; oldValue: any; newValue: any; reason: string | null; username: string }[];
  };

  async function ok(res: { status: number; body: any }, status = 200) {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A started dosing session of a new, consented and eligible participant, dosed unless told not to. */
  async function dosingSession(options: { start?: boolean; dose?: boolean } = {}): Promise<string> {
    const code = `V-${String(++participants).padStart(3, '0')}`;
    const participant = await ok(await t.http.post('/api/v1/participants').set(bearer(inv.token)).send({ studyId, siteId, code, childbearingPotential: false }), 201);
    await ok(await t.http.post(`/api/v1/participants/${participant.id}/events`).set(bearer(inv.token)).send({ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0', signedAt: now() } }));
    await ok(await t.http.post(`/api/v1/participants/${participant.id}/events`).set(bearer(inv.token)).send({ type: 'ELIGIBILITY_CONFIRMED' }));
    const session = await ok(await t.http.post(`/api/v1/participants/${participant.id}/sessions`).set(bearer(inv.token)).send({ phase: 'dosing' }), 201);
    if (options.start === false) return session.id;
    await ok(await t.http.post(`/api/v1/sessions/${session.id}/events`).set(bearer(clin.token)).send({ type: 'START' }));
    if (options.dose !== false) {
      await ok(await t.http.post(`/api/v1/sessions/${session.id}/events`).set(bearer(clin.token)).send({ type: 'DOSE_INITIAL', data: { amountMg: 80 } }));
    }
    return session.id;
  }

  beforeAll(async () => {
    t = await createTestApp(ENV, { testFacts: true, now: T0 });
    admin = await adminToken(t);
    siteId = (await createSite(t, admin, 'VIT-AMS')).id;
    const otherSite = (await createSite(t, admin, 'VIT-UTR')).id;
    inv = await createUser(t, admin, 'vit.inv', ['investigator'], [siteId]);
    clin = await createUser(t, admin, 'vit.clin', ['clinician'], [siteId]);
    monitor = await createUser(t, admin, 'vit.mon', ['monitor'], [siteId]);
    auditor = await createUser(t, admin, 'vit.aud', ['auditor'], [siteId]);
    outsider = await createUser(t, admin, 'vit.out', ['clinician'], [otherSite]);
    const study = await ok(await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'VITALS', title: 'Vitals', protocolId: 'mdma-ptsd', protocolVersion: '1.0.0' }), 201);
    studyId = study.id;
    await ok(await t.http.put(`/api/v1/studies/${studyId}/configuration`).set(bearer(inv.token)).send({ parameters: { course: { preparationSessions: 0 } }, reason: 'test setup' }));
    sessionId = await dosingSession();
    t.clock.advance(10 * MIN);
  });
  afterAll(() => t?.close());

  describe('recording', () => {
    it('stores a single value with its LOINC code, UCUM unit and both times', async () => {
      const takenAt = ago(2);
      const body: Vital[] = await ok(await post(clin.token, { code: 'PULSE', value: 72, unit: '/min', takenAt }), 201);
      expect(body).toHaveLength(1);
      expect(body[0]).toMatchObject({
        sessionId,
        code: 'PULSE',
        value: 72,
        unit: '/min',
        takenAt,
        receivedAt: now(),
        source: 'manual',
        deviceId: null,
        quality: null,
        loinc: '8867-4',
        readingId: null,
        corrected: false,
        voided: false,
        version: 1,
      });
      expect(typeof body[0].value).toBe('number');
      const entries = await audit(body[0].id);
      expect(entries.map((e) => e.action)).toEqual(['vitals.recorded']);
      expect(entries[0]).toMatchObject({ username: 'vit.clin', newValue: { code: 'PULSE', value: 72, unit: '/min', takenAt, source: 'manual' } });
    });

    it('stores a cuff reading as SYSBP and DIABP with one readingId, each audited', async () => {
      const takenAt = ago(1);
      const body: Vital[] = await ok(await post(clin.token, { code: 'BP', systolic: 128, diastolic: 82, unit: 'mm[Hg]', takenAt }), 201);
      expect(body.map((v) => [v.code, v.value, v.unit, v.loinc])).toEqual([
        ['SYSBP', 128, 'mm[Hg]', '8480-6'],
        ['DIABP', 82, 'mm[Hg]', '8462-4'],
      ]);
      expect(body[0].readingId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body[1].readingId).toBe(body[0].readingId);
      for (const v of body) expect((await audit(v.id)).map((e) => e.action)).toEqual(['vitals.recorded']);
    });

    it('takes every code of the table', async () => {
      const values: [string, number, string, string][] = [
        ['SYSBP', 120, 'mm[Hg]', '8480-6'],
        ['DIABP', 80, 'mm[Hg]', '8462-4'],
        ['MAP', 93, 'mm[Hg]', '8478-0'],
        ['HR', 70, '/min', '8867-4'],
        ['RESP', 14, '/min', '9279-1'],
        ['OXYSAT', 98, '%', '2708-6'],
        ['TEMP', 36.8, 'Cel', '8310-5'],
      ];
      for (const [code, value, unit, loinc] of values) {
        const [stored] = await ok(await post(monitor.token, { code, value, unit, takenAt: ago(3) }), 201);
        expect({ code: stored.code, value: stored.value, unit: stored.unit, loinc: stored.loinc }).toEqual({ code, value, unit, loinc });
      }
    });

    it('refuses a wrong unit with 400 and stores nothing', async () => {
      const before = (await all()).length;
      const cases = [
        { body: { code: 'TEMP', value: 98.6, unit: '[degF]', takenAt: ago(1) }, message: 'the unit of TEMP is Cel (UCUM), not [degF]' },
        { body: { code: 'SYSBP', value: 120, unit: 'mmHg', takenAt: ago(1) }, message: 'the unit of SYSBP is mm[Hg] (UCUM), not mmHg' },
        { body: { code: 'PULSE', value: 70, unit: 'bpm', takenAt: ago(1) }, message: 'the unit of PULSE is /min (UCUM), not bpm' },
        { body: { code: 'BP', systolic: 120, diastolic: 80, unit: 'mmHg', takenAt: ago(1) }, message: 'the unit of blood pressure is mm[Hg] (UCUM), not mmHg' },
      ];
      for (const { body, message } of cases) {
        const res = await post(clin.token, body);
        expect({ status: res.status, type: res.body.type, unit: res.body.errors?.unit }).toEqual({ status: 400, type: '/problems/validation', unit: [message] });
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
      expect(await all()).toHaveLength(before);
    });

    it('refuses impossible values (-100, SpO2 140 %, 384.5 °C) with a clear reason and stores nothing', async () => {
      const before = (await all()).length;
      const cases = [
        { body: { code: 'SYSBP', value: -100, unit: 'mm[Hg]', takenAt: ago(1) }, reason: 'SYSBP -100 mm[Hg] is not physiologically plausible (accepted 40–300 mm[Hg]); check the entry' },
        { body: { code: 'OXYSAT', value: 140, unit: '%', takenAt: ago(1) }, reason: 'OXYSAT 140 % is not physiologically plausible (accepted 40–100 %); check the entry' },
        { body: { code: 'TEMP', value: 384.5, unit: 'Cel', takenAt: ago(1) }, reason: 'TEMP 384.5 Cel is not physiologically plausible (accepted 30–45 Cel); check the entry' },
        { body: { code: 'RESP', value: 0, unit: '/min', takenAt: ago(1) }, reason: 'RESP 0 /min is not physiologically plausible (accepted 2–80 /min); check the entry' },
      ];
      for (const { body, reason } of cases) {
        const res = await post(clin.token, body);
        expect({ status: res.status, type: res.body.type, value: res.body.errors?.value }).toEqual({ status: 400, type: '/problems/validation', value: [reason] });
        expect(res.body.detail).toContain(reason);
      }
      const bp = await post(clin.token, { code: 'BP', systolic: -100, diastolic: 80, unit: 'mm[Hg]', takenAt: ago(1) });
      expect(bp.status).toBe(400);
      expect(bp.body.errors.systolic[0]).toMatch(/SYSBP -100 mm\[Hg\] is not physiologically plausible/);
      const swapped = await post(clin.token, { code: 'BP', systolic: 80, diastolic: 120, unit: 'mm[Hg]', takenAt: ago(1) });
      expect(swapped.status).toBe(400);
      expect(swapped.body.errors.diastolic).toEqual(['the diastolic 120 must be below the systolic 80; check the entry']);
      expect(await all()).toHaveLength(before);
    });

    it('refuses malformed requests with 400', async () => {
      const before = (await all()).length;
      const bodies = [
        { code: 'GLUCOSE', value: 5, unit: 'mmol/L', takenAt: ago(1) },
        { code: 'PULSE', value: '72', unit: '/min', takenAt: ago(1) },
        { code: 'PULSE', unit: '/min', takenAt: ago(1) },
        { code: 'BP', systolic: 120, unit: 'mm[Hg]', takenAt: ago(1) },
        { code: 'BP', value: 120, systolic: 120, diastolic: 80, unit: 'mm[Hg]', takenAt: ago(1) },
        { code: 'PULSE', value: 72, systolic: 120, unit: '/min', takenAt: ago(1) },
        { code: 'PULSE', value: 72, unit: '/min', takenAt: 'yesterday' },
        // ISO 8601 forms @IsDateString lets through but new Date() cannot read (they were a 500)
        { code: 'PULSE', value: 72, unit: '/min', takenAt: '2026-W10-1' },
        { code: 'PULSE', value: 72, unit: '/min', takenAt: '2026-061' },
        { code: 'BP', systolic: 120, diastolic: 80, unit: 'mm[Hg]', takenAt: '2026-03-02T06:00:00,5Z' },
        { code: 'PULSE', value: 72, unit: '/min', takenAt: '2026-03-02T06:00:00' },
        { code: 'PULSE', value: 72, unit: '/min', takenAt: '2026-02-30T06:00:00Z' },
        { code: 'PULSE', value: 72, unit: '/min' },
        { code: 'PULSE', value: 72, unit: '/min', takenAt: ago(1), extra: true },
      ];
      for (const body of bodies) {
        const res = await post(clin.token, body);
        expect({ body, status: res.status, type: res.body.type }).toEqual({ body, status: 400, type: '/problems/validation' });
      }
      expect(await all()).toHaveLength(before);
    });

    it('refuses a time in the future beyond one minute', async () => {
      const late = await post(clin.token, { code: 'PULSE', value: 70, unit: '/min', takenAt: new Date(t.clock.now().getTime() + 5 * MIN).toISOString() });
      expect({ status: late.status, errors: late.body.errors }).toEqual({ status: 400, errors: { takenAt: ['must not be in the future'] } });
      const skew = await post(clin.token, { code: 'PULSE', value: 70, unit: '/min', takenAt: new Date(t.clock.now().getTime() + 30_000).toISOString() });
      expect(skew.status).toBe(201);
    });

    it('is open to clinicians, investigators and monitors of the site only', async () => {
      const body = { code: 'RESP', value: 16, unit: '/min', takenAt: ago(1) };
      expect((await post(inv.token, body)).status).toBe(201);
      expect((await post(monitor.token, body)).status).toBe(201);
      expect((await post(auditor.token, body)).status).toBe(403);
      expect((await post(admin, body)).status).toBe(403);
      const other = await post(outsider.token, body);
      expect({ status: other.status, type: other.body.type }).toEqual({ status: 404, type: '/problems/not-found' });
      expect((await list('', outsider.token)).status).toBe(404);
      expect((await list('', auditor.token)).status).toBe(200);
      expect((await post(clin.token, body, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await post(clin.token, body, 'not-a-uuid')).status).toBe(400);
    });

    it('is never gated: before START and after the session is closed', async () => {
      const scheduled = await dosingSession({ start: false });
      expect((await post(clin.token, { code: 'BP', systolic: 118, diastolic: 76, unit: 'mm[Hg]', takenAt: ago(1) }, scheduled)).status).toBe(201);

      const closing = await dosingSession({ dose: false });
      await ok(await t.http.post(`/api/v1/sessions/${closing}/events`).set(bearer(inv.token)).send({ type: 'ABORT', data: { exit: 'other' }, reason: 'participant unwell before dosing' }));
      const closed = await ok(await t.http.post(`/api/v1/sessions/${closing}/events`).set(bearer(inv.token)).send({ type: 'CLOSE' }));
      expect(closed.state).toBe('closed');
      const late = await post(clin.token, { code: 'TEMP', value: 37.2, unit: 'Cel', takenAt: ago(0) }, closing);
      expect(late.status).toBe(201);
      expect(await all(closing)).toHaveLength(1);
    });
  });

  describe('corrections and voids', () => {
    let pulse: Vital;

    beforeAll(async () => {
      [pulse] = await ok(await post(clin.token, { code: 'PULSE', value: 172, unit: '/min', takenAt: ago(4) }), 201);
    });

    it('corrects a value with a reason: marked corrected, old and new in the audit trail', async () => {
      const res = await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}`).set(bearer(clin.token)).send({ value: 72, reason: 'transcription error: 172 typed for 72', expectedVersion: 1 });
      const body: Vital = await ok(res);
      expect(body).toMatchObject({ id: pulse.id, value: 72, takenAt: pulse.takenAt, corrected: true, voided: false, version: 2 });
      const listed = (await all()).find((v) => v.id === pulse.id)!;
      expect(listed).toMatchObject({ value: 72, corrected: true, version: 2 });

      const entries = await audit(pulse.id);
      expect(entries.map((e) => e.action)).toEqual(['vitals.corrected', 'vitals.recorded']);
      expect(entries[0]).toMatchObject({
        username: 'vit.clin',
        reason: 'transcription error: 172 typed for 72',
        oldValue: { code: 'PULSE', value: 172, takenAt: pulse.takenAt, version: 1 },
        newValue: { code: 'PULSE', value: 72, takenAt: pulse.takenAt, version: 2 },
      });
      expect(entries[1].newValue.value).toBe(172);
    });

    it('corrects the time too, and checks the corrected value like a new one', async () => {
      const takenAt = ago(6);
      const moved: Vital = await ok(await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}`).set(bearer(inv.token)).send({ takenAt, reason: 'taken before the break' }));
      expect({ takenAt: moved.takenAt, value: moved.value, version: moved.version }).toEqual({ takenAt, value: 72, version: 3 });

      const patch = (body: object) => t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}`).set(bearer(clin.token)).send(body);
      const impossible = await patch({ value: 420, reason: 'typo' });
      expect({ status: impossible.status, value: impossible.body.errors?.value }).toEqual({ status: 400, value: ['PULSE 420 /min is not physiologically plausible (accepted 20–300 /min); check the entry'] });
      expect((await patch({ value: 75 })).status).toBe(400); // no reason
      expect((await patch({ value: 75, reason: '   ' })).status).toBe(400);
      expect((await patch({ reason: 'nothing' })).status).toBe(400);
      expect((await patch({ value: 72, reason: 'same value' })).status).toBe(400);
      expect((await patch({ unit: 'bpm', reason: 'unit' })).status).toBe(400);
      const future = await patch({ takenAt: new Date(t.clock.now().getTime() + 10 * MIN).toISOString(), reason: 'clock' });
      expect(future.status).toBe(400);

      const stale = await patch({ value: 74, reason: 'stale copy', expectedVersion: 1 });
      expect({ status: stale.status, type: stale.body.type }).toEqual({ status: 409, type: '/problems/version-conflict' });
      expect((await audit(pulse.id)).map((e) => e.action)).toEqual(['vitals.corrected', 'vitals.corrected', 'vitals.recorded']);
    });

    it('keeps a cuff reading consistent when one value is corrected', async () => {
      const [sys, dia]: Vital[] = await ok(await post(clin.token, { code: 'BP', systolic: 130, diastolic: 85, unit: 'mm[Hg]', takenAt: ago(2) }), 201);
      const res = await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${dia.id}`).set(bearer(clin.token)).send({ value: 135, reason: 'typo' });
      expect(res.status).toBe(400);
      const fixed: Vital = await ok(await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${sys.id}`).set(bearer(clin.token)).send({ value: 140, reason: 'misread the dial' }));
      expect({ value: fixed.value, readingId: fixed.readingId }).toEqual({ value: 140, readingId: sys.readingId });
    });

    it('lets exactly one of two concurrent corrections of one version through', async () => {
      const [hr]: Vital[] = await ok(await post(clin.token, { code: 'HR', value: 190, unit: '/min', takenAt: ago(3) }), 201);
      const send = (value: number, token: string) =>
        t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${hr.id}`).set(bearer(token)).send({ value, reason: 'typo', expectedVersion: 1 });
      const results = await Promise.all([send(90, clin.token), send(91, inv.token), send(92, clin.token)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const winner = results.find((r) => r.status === 200)!.body as Vital;
      expect((await t.http.get(`/api/v1/sessions/${sessionId}/vitals/${hr.id}`).set(bearer(clin.token))).body).toMatchObject({ value: winner.value, version: 2 });
      expect((await audit(hr.id)).map((e) => e.action)).toEqual(['vitals.corrected', 'vitals.recorded']);
    });

    it('voids a value with a reason: kept, marked void, and cannot be changed again', async () => {
      const [temp]: Vital[] = await ok(await post(clin.token, { code: 'TEMP', value: 39.4, unit: 'Cel', takenAt: ago(1) }), 201);
      const voidIt = (body: object) => t.http.post(`/api/v1/sessions/${sessionId}/vitals/${temp.id}/void`).set(bearer(clin.token)).send(body);
      expect((await voidIt({})).status).toBe(400);
      const stale = await voidIt({ reason: 'wrong participant', expectedVersion: 7 });
      expect({ status: stale.status, type: stale.body.type }).toEqual({ status: 409, type: '/problems/version-conflict' });

      const voided: Vital = await ok(await voidIt({ reason: 'entered for the wrong participant' }));
      expect(voided).toMatchObject({ id: temp.id, value: 39.4, voided: true, voidReason: 'entered for the wrong participant', version: 2 });
      expect((await all()).find((v) => v.id === temp.id)).toMatchObject({ voided: true, value: 39.4 });

      const again = await voidIt({ reason: 'twice' });
      expect({ status: again.status, type: again.body.type }).toEqual({ status: 409, type: '/problems/conflict' });
      const correct = await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${temp.id}`).set(bearer(clin.token)).send({ value: 37, reason: 'x' });
      expect({ status: correct.status, type: correct.body.type }).toEqual({ status: 409, type: '/problems/conflict' });

      const entries = await audit(temp.id);
      expect(entries.map((e) => e.action)).toEqual(['vitals.voided', 'vitals.recorded']);
      expect(entries[0]).toMatchObject({ reason: 'entered for the wrong participant', oldValue: { voided: false, value: 39.4, version: 1 }, newValue: { voided: true, version: 2 } });
    });

    it('corrections and voids are for clinicians and investigators: a monitor records but cannot change a record (403)', async () => {
      const [spo2]: Vital[] = await ok(await post(monitor.token, { code: 'OXYSAT', value: 97, unit: '%', takenAt: ago(2) }), 201);
      const patched = await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${spo2.id}`).set(bearer(monitor.token)).send({ value: 98, reason: 'misread' });
      expect(patched.status).toBe(403);
      const voided = await t.http.post(`/api/v1/sessions/${sessionId}/vitals/${spo2.id}/void`).set(bearer(monitor.token)).send({ reason: 'wrong participant' });
      expect(voided.status).toBe(403);
      expect((await all()).find((v) => v.id === spo2.id)).toMatchObject({ value: 97, corrected: false, voided: false, version: 1 });
      expect(await ok(await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${spo2.id}`).set(bearer(clin.token)).send({ value: 98, reason: 'misread' }))).toMatchObject({ value: 98, version: 2 });
    });

    it('answers 404 for a record of another session or site, and 403 to auditors', async () => {
      const other = await dosingSession({ start: false });
      const wrongSession = await t.http.patch(`/api/v1/sessions/${other}/vitals/${pulse.id}`).set(bearer(clin.token)).send({ value: 80, reason: 'x' });
      expect(wrongSession.status).toBe(404);
      expect((await t.http.post(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}/void`).set(bearer(outsider.token)).send({ reason: 'x' })).status).toBe(404);
      expect((await t.http.patch(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}`).set(bearer(auditor.token)).send({ value: 80, reason: 'x' })).status).toBe(403);
      expect((await t.http.get(`/api/v1/sessions/${sessionId}/vitals/${pulse.id}`).set(bearer(auditor.token))).body).toMatchObject({ id: pulse.id, corrected: true });
    });
  });

  describe('listing', () => {
    let listSession: string;
    const temps = [36.5, 36.7, 36.9, 37.1, 37.3];

    beforeAll(async () => {
      listSession = await dosingSession();
      t.clock.advance(30 * MIN);
      for (let i = 0; i < temps.length; i++) {
        await ok(await post(clin.token, { code: 'TEMP', value: temps[i], unit: 'Cel', takenAt: ago(25 - i * 5) }, listSession), 201);
      }
      await ok(await post(clin.token, { code: 'BP', systolic: 122, diastolic: 78, unit: 'mm[Hg]', takenAt: ago(12) }, listSession), 201);
    });

    it('lists newest first with the fields of API.md', async () => {
      const rows: Vital[] = await all(listSession);
      expect(rows).toHaveLength(7);
      const times = rows.map((r) => r.takenAt);
      expect([...times].sort().reverse()).toEqual(times);
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'code', 'value', 'unit', 'takenAt', 'receivedAt', 'source', 'deviceId', 'quality', 'loinc', 'corrected', 'voided', 'readingId']));
      }
    });

    it('filters by code and time, and pages with X-Next-Cursor', async () => {
      const first = await list('?code=TEMP&limit=2', clin.token, listSession);
      expect(first.status).toBe(200);
      expect(first.body.map((r: Vital) => r.value)).toEqual([37.3, 37.1]);
      const cursor1 = first.headers['x-next-cursor'];
      expect(cursor1).toBeTruthy();
      const second = await list(`?code=TEMP&limit=2&cursor=${cursor1}`, clin.token, listSession);
      expect(second.body.map((r: Vital) => r.value)).toEqual([36.9, 36.7]);
      const third = await list(`?code=TEMP&limit=2&cursor=${second.headers['x-next-cursor']}`, clin.token, listSession);
      expect(third.body.map((r: Vital) => r.value)).toEqual([36.5]);
      expect(third.headers['x-next-cursor']).toBeUndefined();

      const windowed = await list(`?code=TEMP&from=${encodeURIComponent(ago(20))}&to=${encodeURIComponent(ago(10))}`, clin.token, listSession);
      expect(windowed.body.map((r: Vital) => r.value)).toEqual([37.1, 36.9, 36.7]); // both ends inclusive
      const bp = await list('?code=DIABP', clin.token, listSession);
      expect(bp.body.map((r: Vital) => [r.code, r.value])).toEqual([['DIABP', 78]]);
    });

    it('pages readings taken at the same instant without losing or repeating any', async () => {
      const same = await dosingSession({ start: false });
      const at = ago(1);
      for (const value of [60, 61, 62, 63, 64]) await ok(await post(clin.token, { code: 'HR', value, unit: '/min', takenAt: at }, same), 201);
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`, clin.token, same);
        seen.push(...res.body.map((r: Vital) => r.value));
        cursor = res.headers['x-next-cursor'];
      } while (cursor);
      expect(seen.sort()).toEqual([60, 61, 62, 63, 64]);
    });

    it('refuses a bad query with 400', async () => {
      for (const q of ['?code=GLUCOSE', '?limit=0', '?limit=1001', '?from=today', '?from=2026-W10-1', '?to=2026-061', '?from=2026-03-02T06:00:00,5Z', '?cursor=not*a*cursor', '?cursor=bm90LWEtY3Vyc29y']) {
        const res = await list(q, clin.token, listSession);
        expect({ q, status: res.status, type: res.body.type }).toEqual({ q, status: 400, type: '/problems/validation' });
      }
    });
  });

  describe('readings for the facts provider and the alarm engine', () => {
    it('latestBloodPressure pairs a reading by readingId or time and ignores voided values', async () => {
      const vitals = t.app.get(VitalsService);
      const s = await dosingSession({ start: false });
      expect(await vitals.latestBloodPressure(s)).toBeNull();
      const [sys1] = await ok(await post(clin.token, { code: 'BP', systolic: 120, diastolic: 80, unit: 'mm[Hg]', takenAt: ago(20) }, s), 201);
      await ok(await post(clin.token, { code: 'BP', systolic: 150, diastolic: 95, unit: 'mm[Hg]', takenAt: ago(10) }, s), 201);
      const at = ago(5);
      await ok(await post(clin.token, { code: 'SYSBP', value: 165, unit: 'mm[Hg]', takenAt: at }, s), 201);
      expect(await vitals.latestBloodPressure(s)).toEqual({ takenAt: new Date(ago(10)), systolic: 150, diastolic: 95 });
      const [dia3] = await ok(await post(clin.token, { code: 'DIABP', value: 101, unit: 'mm[Hg]', takenAt: at }, s), 201);
      expect(await vitals.latestBloodPressure(s)).toEqual({ takenAt: new Date(at), systolic: 165, diastolic: 101 });
      expect(await vitals.latestBloodPressure(s, new Date(ago(15)))).toEqual({ takenAt: new Date(ago(20)), systolic: 120, diastolic: 80 });

      await ok(await t.http.post(`/api/v1/sessions/${s}/vitals/${dia3.id}/void`).set(bearer(clin.token)).send({ reason: 'wrong cuff size' }));
      expect(await vitals.latestBloodPressure(s)).toEqual({ takenAt: new Date(ago(10)), systolic: 150, diastolic: 95 });

      const readings = await vitals.readings(s, 'SYSBP');
      expect(readings.map((r) => r.value)).toEqual([120, 150, 165]);
      expect((await vitals.readings(s, 'SYSBP', new Date(ago(12)), new Date(ago(6)))).map((r) => r.value)).toEqual([150]);
      await ok(await t.http.post(`/api/v1/sessions/${s}/vitals/${sys1.id}/void`).set(bearer(clin.token)).send({ reason: 'duplicate' }));
      expect((await vitals.readings(s, 'SYSBP')).map((r) => r.value)).toEqual([150, 165]);
      expect((await vitals.readings(s, 'DIABP')).map((r) => r.value)).toEqual([80, 95]);
    });
  });

  it('leaves a valid audit chain', async () => {
    const res = await t.http.get('/api/v1/audit/verify').set(bearer(auditor.token));
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
  });
});
