import { AdverseEvent as AdverseEventEntity } from '../src/modules/adverse-events/entities/adverse-event.entity';
import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * Adverse events through the API: non-serious and serious events (positive effects included),
 * the site-to-sponsor report clock on the injected clock, the investigator's signed confirmation,
 * corrections with a reason and their history, voids, reporting, and site scoping.
 */
const T0 = '2026-03-02T07:00:00.000Z';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ENV = { SESSION_IDLE_MINUTES: '4320', SESSION_MAX_HOURS: '240' };
const PROBLEM = /^application\/problem\+json/;

type User = { id: string; token: string; password: string; username: string };
type AdverseEvent = {
  id: string;
  sessionId: string;
  participantId: string;
  term: string;
  onsetAt: string;
  awareAt: string;
  endAt: string | null;
  ctcaeGrade: number | null;
  ctcaeVersion: string | null;
  seriousness: Record<string, boolean>;
  serious: boolean;
  relatedness: string;
  expected: boolean | null;
  outcome: string | null;
  positive: boolean;
  minutesAfterDose: number | null;
  reportDueAt: string | null;
  reportedAt: string | null;
  overdue: boolean;
  confirmed: { by: string; printedName: string; meaning: string; at: string; signatureId: string; valid: boolean; invalidReason: string | null } | null;
  indClocks: { days15: string | null; days7: string | null };
  corrected: boolean;
  voided: boolean;
  voidReason: string | null;
  version: number;
};
type AuditEntry = { action: string; oldValue: any; newValue: any; reason: string | null; username: string };

const NOT_SERIOUS = { death: false, lifeThreatening: false, hospitalization: false, disability: false, congenitalAnomaly: false, medicallyImportant: false };
const plus = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

describe('adverse events (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let inv: User;
  let clin: User;
  let auditor: User;
  let outsider: User;
  let siteId: string;
  let studyId: string;
  let sessionId: string;
  let participantId: string;
  let doseAt: string;
  let participants = 0;

  const now = () => t.clock.now().toISOString();
  const ago = (minutes: number) => new Date(t.clock.now().getTime() - minutes * MIN).toISOString();
  const record = (body: object, token = clin.token, session = sessionId) => t.http.post(`/api/v1/sessions/${session}/adverse-events`).set(bearer(token)).send(body);
  const get = (id: string, token = clin.token) => t.http.get(`/api/v1/adverse-events/${id}`).set(bearer(token));
  const patch = (id: string, body: object, token = clin.token) => t.http.patch(`/api/v1/adverse-events/${id}`).set(bearer(token)).send(body);
  const listIds = async (query: string, token = clin.token): Promise<string[]> => {
    const res = await t.http.get(`/api/v1/adverse-events${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body.map((ae: AdverseEvent) => ae.id);
  };
  const audit = async (id: string): Promise<AuditEntry[]> => {
    const res = await t.http.get(`/api/v1/audit?entityType=adverse-event&entityId=${id}`).set(bearer(auditor.token));
    expect(res.status).toBe(200);
    return res.body;
  };

  async function ok(res: { status: number; body: any }, status = 200) {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function dosingSession(options: { study?: string; start?: boolean } = {}): Promise<{ sessionId: string; participantId: string; doseAt: string | null }> {
    const code = `AE-${String(++participants).padStart(3, '0')}`;
    const participant = await ok(await t.http.post('/api/v1/participants').set(bearer(inv.token)).send({ studyId: options.study ?? studyId, siteId, code }), 201);
    await ok(await t.http.post(`/api/v1/participants/${participant.id}/events`).set(bearer(inv.token)).send({ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0', signedAt: now() } }));
    await ok(await t.http.post(`/api/v1/participants/${participant.id}/events`).set(bearer(inv.token)).send({ type: 'ELIGIBILITY_CONFIRMED' }));
    const session = await ok(await t.http.post(`/api/v1/participants/${participant.id}/sessions`).set(bearer(inv.token)).send({ phase: 'dosing' }), 201);
    if (options.start === false) return { sessionId: session.id, participantId: participant.id, doseAt: null };
    await ok(await t.http.post(`/api/v1/sessions/${session.id}/events`).set(bearer(clin.token)).send({ type: 'START' }));
    const dosed = await ok(await t.http.post(`/api/v1/sessions/${session.id}/events`).set(bearer(clin.token)).send({ type: 'DOSE_INITIAL', data: { amountMg: 80 } }));
    return { sessionId: session.id, participantId: participant.id, doseAt: dosed.doseAt };
  }

  async function study(code: string, parameters: Record<string, unknown> = {}) {
    const created = await ok(await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code, title: code, protocolId: 'mdma-ptsd', protocolVersion: '1.0.0' }), 201);
    await ok(await t.http.put(`/api/v1/studies/${created.id}/configuration`).set(bearer(inv.token)).send({ parameters: { course: { preparationSessions: 0 }, ...parameters }, reason: 'test setup' }));
    return created.id as string;
  }

  beforeAll(async () => {
    t = await createTestApp(ENV, { testFacts: true, now: T0 });
    admin = await adminToken(t);
    siteId = (await createSite(t, admin, 'AE-AMS')).id;
    const otherSite = (await createSite(t, admin, 'AE-UTR')).id;
    const user = async (username: string, roles: string[], sites = [siteId]) => ({ username, ...(await createUser(t, admin, username, roles, sites)) });
    inv = await user('ae.inv', ['investigator']);
    clin = await user('ae.clin', ['clinician']);
    auditor = await user('ae.aud', ['auditor']);
    outsider = await user('ae.out', ['clinician', 'investigator'], [otherSite]);
    studyId = await study('AE');
    const s = await dosingSession();
    sessionId = s.sessionId;
    participantId = s.participantId;
    doseAt = s.doseAt!;
    t.clock.advance(90 * MIN);
  });
  afterAll(() => t?.close());

  let headache: AdverseEvent;
  let euphoria: AdverseEvent;
  let hospital: AdverseEvent;

  describe('recording', () => {
    it('records a non-serious event with its grade, time after dose and no report clock', async () => {
      const onsetAt = plus(doseAt, 45 * MIN);
      headache = await ok(
        await record({ term: 'headache', codedTerm: 'Headache', dictionaryVersion: 'MedDRA 27.1', onsetAt, awareAt: ago(10), ctcaeGrade: 1, ctcaeVersion: '5.0', seriousness: NOT_SERIOUS, relatedness: 'possible', expected: true, actionTaken: 'DOSE NOT CHANGED' }),
        201,
      );
      expect(headache).toMatchObject({
        sessionId,
        participantId,
        term: 'headache',
        onsetAt,
        ctcaeGrade: 1,
        ctcaeVersion: '5.0',
        seriousness: NOT_SERIOUS,
        serious: false,
        relatedness: 'possible',
        expected: true,
        positive: false,
        minutesAfterDose: 45,
        reportDueAt: null,
        reportedAt: null,
        overdue: false,
        confirmed: null,
        indClocks: { days15: null, days7: null },
        corrected: false,
        voided: false,
        version: 1,
      });
      expect((await audit(headache.id)).map((e) => e.action)).toEqual(['adverse-event.recorded']);
    });

    it('records a positive effect such as euphoria', async () => {
      euphoria = await ok(await record({ term: 'euphoria', onsetAt: plus(doseAt, 60 * MIN), awareAt: ago(5), seriousness: NOT_SERIOUS, relatedness: 'probable', positive: true }), 201);
      expect(euphoria).toMatchObject({ term: 'euphoria', positive: true, serious: false, ctcaeGrade: null, minutesAfterDose: 60 });
    });

    it('records a serious event: report due 24 h after awareness, IND clocks for information, audited as serious', async () => {
      const awareAt = now();
      hospital = await ok(
        await record({ term: 'hypertensive urgency', onsetAt: ago(20), awareAt, ctcaeGrade: 3, ctcaeVersion: '5.0', seriousness: { ...NOT_SERIOUS, hospitalization: true }, relatedness: 'probable', expected: false }),
        201,
      );
      expect(hospital).toMatchObject({
        serious: true,
        reportDueAt: plus(awareAt, DAY),
        overdue: false,
        indClocks: { days15: plus(awareAt, 15 * DAY), days7: null },
      });
      const actions = (await audit(hospital.id)).map((e) => e.action);
      expect(actions).toEqual(['adverse-event.serious', 'adverse-event.recorded']);
      const serious = (await audit(hospital.id))[0];
      expect(serious.newValue).toEqual({ criteria: ['hospitalization'], awareAt, reportDueAt: plus(awareAt, DAY) });

      const fatal = await ok(await record({ term: 'respiratory arrest', onsetAt: ago(2), awareAt: ago(1), seriousness: { ...NOT_SERIOUS, lifeThreatening: true }, relatedness: 'possible', expected: false }), 201);
      expect(fatal.indClocks).toEqual({ days15: plus(ago(1), 15 * DAY), days7: plus(ago(1), 7 * DAY), informationOnly: true });
      await ok(await t.http.post(`/api/v1/adverse-events/${fatal.id}/void`).set(bearer(clin.token)).send({ reason: 'test record' }));
    });

    it('takes the report hours from the study configuration', async () => {
      const twelve = await study('AE-12H', { saeReportHours: 12 });
      const s = await dosingSession({ study: twelve });
      const awareAt = now();
      const ae = await ok(await record({ term: 'syncope', onsetAt: ago(1), awareAt, seriousness: { ...NOT_SERIOUS, medicallyImportant: true }, relatedness: 'possible' }, clin.token, s.sessionId), 201);
      expect(ae.reportDueAt).toBe(plus(awareAt, 12 * HOUR));
      await ok(await t.http.post(`/api/v1/adverse-events/${ae.id}/void`).set(bearer(clin.token)).send({ reason: 'test record' }));
    });

    it('refuses inconsistent or malformed events with 400', async () => {
      const base = { term: 'nausea', onsetAt: ago(5), awareAt: ago(1), seriousness: NOT_SERIOUS, relatedness: 'possible' };
      const cases: [object, string][] = [
        [{ ...base, ctcaeGrade: 2 }, 'ctcaeVersion'],
        [{ ...base, ctcaeGrade: 6, ctcaeVersion: '5.0' }, 'ctcaeGrade'],
        [{ ...base, relatedness: 'maybe' }, 'relatedness'],
        [{ ...base, seriousness: undefined }, 'seriousness'],
        [{ ...base, seriousness: { death: false } }, 'seriousness.lifeThreatening'],
        [{ ...base, awareAt: ago(10) }, 'awareAt'],
        [{ ...base, onsetAt: plus(now(), 10 * MIN), awareAt: plus(now(), 10 * MIN) }, 'onsetAt'],
        [{ ...base, endAt: ago(6) }, 'endAt'],
        [{ ...base, ctcaeGrade: 5, ctcaeVersion: '5.0' }, 'seriousness.death'],
        [{ ...base, term: '  ' }, 'term'],
        [{ ...base, term: undefined }, 'term'],
        [{ ...base, serious: true }, 'serious'],
        // ISO 8601 forms @IsDateString lets through but new Date() cannot read (they were a 500)
        [{ ...base, onsetAt: '2026-W10-1' }, 'onsetAt'],
        [{ ...base, awareAt: '2026-061' }, 'awareAt'],
        [{ ...base, endAt: '2026-03-02T06:00:00,5Z' }, 'endAt'],
        [{ ...base, onsetAt: '2026-03-02T06:00:00' }, 'onsetAt'],
      ];
      for (const [body, field] of cases) {
        const res = await record(body);
        expect({ field, status: res.status, type: res.body.type }).toEqual({ field, status: 400, type: '/problems/validation' });
        expect(Object.keys(res.body.errors ?? {})).toContain(field);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it('is recorded by clinicians and investigators of the site, and never gated', async () => {
      const body = { term: 'anxiety', onsetAt: ago(3), awareAt: ago(2), seriousness: NOT_SERIOUS, relatedness: 'unlikely' };
      expect((await record(body, auditor.token)).status).toBe(403);
      expect((await record(body, outsider.token)).status).toBe(404);
      const scheduled = await dosingSession({ start: false });
      const early = await ok(await record(body, inv.token, scheduled.sessionId), 201);
      expect(early.minutesAfterDose).toBeNull();
      await ok(await t.http.post(`/api/v1/adverse-events/${early.id}/void`).set(bearer(inv.token)).send({ reason: 'test record' }));
    });
  });

  describe('the report clock', () => {
    it('is overdue only after 24 h on the clock, and leaves the list once reported', async () => {
      expect(await listIds('?due=overdue')).toEqual([]);
      expect(await listIds('?due=open')).toEqual([hospital.id]);
      t.clock.set(plus(hospital.awareAt, DAY - MIN));
      expect(await listIds('?due=overdue')).toEqual([]);
      expect((await get(hospital.id)).body.overdue).toBe(false);

      t.clock.set(plus(hospital.awareAt, DAY + MIN));
      expect(await listIds('?due=overdue')).toEqual([hospital.id]);
      expect(await listIds('?due=overdue', auditor.token)).toEqual([hospital.id]);
      expect(await listIds('?due=overdue', outsider.token)).toEqual([]);
      expect((await get(hospital.id)).body).toMatchObject({ overdue: true, reportedAt: null });
    });

    it('marks a serious event reported (audited, lateness kept) and refuses the others', async () => {
      const nonSerious = await t.http.post(`/api/v1/adverse-events/${headache.id}/report`).set(bearer(clin.token)).send({});
      expect({ status: nonSerious.status, type: nonSerious.body.type }).toEqual({ status: 409, type: '/problems/conflict' });
      const weekDate = await t.http.post(`/api/v1/adverse-events/${hospital.id}/report`).set(bearer(clin.token)).send({ reportedAt: '2026-W10-1' });
      expect({ status: weekDate.status, fields: Object.keys(weekDate.body.errors ?? {}) }).toEqual({ status: 400, fields: ['reportedAt'] });
      const future = await t.http.post(`/api/v1/adverse-events/${hospital.id}/report`).set(bearer(clin.token)).send({ reportedAt: plus(now(), HOUR) });
      expect(future.status).toBe(400);

      const reported: AdverseEvent = await ok(await t.http.post(`/api/v1/adverse-events/${hospital.id}/report`).set(bearer(inv.token)).send({}));
      expect(reported).toMatchObject({ reportedAt: now(), overdue: false, version: 2 });
      expect(await listIds('?due=overdue')).toEqual([]);
      const again = await t.http.post(`/api/v1/adverse-events/${hospital.id}/report`).set(bearer(inv.token)).send({});
      expect(again.status).toBe(409);
      const entry = (await audit(hospital.id))[0];
      expect(entry).toMatchObject({ action: 'adverse-event.reported', newValue: { reportedAt: now(), late: true, version: 2 } });
    });
  });

  describe('confirmation by an investigator', () => {
    it('is refused to a clinician, without a grade, and with a wrong password', async () => {
      const byClinician = await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(clin.token)).send({ password: clin.password, username: clin.username });
      expect({ status: byClinician.status, type: byClinician.body.type }).toEqual({ status: 403, type: '/problems/forbidden' });
      const ungraded = await t.http.post(`/api/v1/adverse-events/${euphoria.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password, username: inv.username });
      expect(ungraded.status).toBe(409);
      const wrong = await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(inv.token)).send({ password: 'not-my-password', username: inv.username });
      expect(wrong.status).toBe(403);
      const asOther = await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password, username: clin.username });
      expect(asOther.status).toBe(403);
      expect((await get(headache.id)).body.confirmed).toBeNull();
    });

    it('signs grade and relatedness with the meaning approval', async () => {
      const res = await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password, username: inv.username });
      const body: AdverseEvent = await ok(res, 201);
      expect(body.confirmed).toEqual({ by: inv.id, printedName: 'Dr ae.inv', meaning: 'approval', at: now(), signatureId: expect.stringMatching(/^[0-9a-f-]{36}$/), valid: true, invalidReason: null });
      expect(body.version).toBe(1);
      const entries = await audit(headache.id);
      expect(entries.map((e) => e.action).slice(0, 2)).toEqual(['adverse-event.confirmed', 'signature.applied']);
      expect(entries[0].newValue).toMatchObject({ confirmedBy: inv.id, signatureId: body.confirmed!.signatureId, ctcaeGrade: 1, relatedness: 'possible', version: 1 });
      expect(entries[1].newValue).toMatchObject({ meaning: 'approval', printedName: 'Dr ae.inv' });

      const twice = await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password });
      expect({ status: twice.status, type: twice.body.type }).toEqual({ status: 409, type: '/problems/conflict' });
    });
  });

  describe('corrections', () => {
    it('corrects fields with a reason; the history stays in the audit trail and the confirmation holds', async () => {
      const endAt = ago(30);
      const body: AdverseEvent = await ok(await patch(headache.id, { endAt, outcome: 'RECOVERED/RESOLVED', reason: 'resolved after fluids', expectedVersion: 1 }));
      expect(body).toMatchObject({ endAt, outcome: 'RECOVERED/RESOLVED', corrected: true, version: 2, ctcaeGrade: 1 });
      // the signature covers term, grade and relatedness, not the record's version: it still checks
      expect(body.confirmed).toMatchObject({ valid: true, invalidReason: null });
      const [entry] = await audit(headache.id);
      expect(entry).toMatchObject({
        action: 'adverse-event.corrected',
        reason: 'resolved after fluids',
        oldValue: { endAt: null, outcome: null, version: 1 },
        newValue: { endAt, outcome: 'RECOVERED/RESOLVED', version: 2 },
      });
    });

    it('voids the confirmation when the grade or relatedness changes', async () => {
      const signatureId = (await get(headache.id)).body.confirmed.signatureId;
      const body: AdverseEvent = await ok(await patch(headache.id, { ctcaeGrade: 2, reason: 'limited instrumental activities' }));
      expect(body).toMatchObject({ ctcaeGrade: 2, confirmed: null, version: 3 });
      const entries = await audit(headache.id);
      expect(entries.map((e) => e.action).slice(0, 2)).toEqual(['signature.voided', 'adverse-event.corrected']);
      expect(entries[0]).toMatchObject({ oldValue: { signatureIds: [signatureId], voided: false }, newValue: { signatureIds: [signatureId], voided: true } });
      expect(entries[1]).toMatchObject({ oldValue: { ctcaeGrade: 1, version: 2, confirmationSignatureId: signatureId }, newValue: { ctcaeGrade: 2, version: 3, confirmationSignatureId: null } });

      const reconfirmed: AdverseEvent = await ok(await t.http.post(`/api/v1/adverse-events/${headache.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password }), 201);
      expect(reconfirmed.confirmed!.signatureId).not.toBe(signatureId);
      const related: AdverseEvent = await ok(await patch(headache.id, { relatedness: 'probable', reason: 'recurred on rechallenge' }, inv.token));
      expect(related.confirmed).toBeNull();
    });

    it('a grade or relatedness changed behind the API (in the database) reads as not confirmed', async () => {
      const created: AdverseEvent = await ok(await record({ term: 'tachycardia', onsetAt: ago(20), awareAt: ago(10), seriousness: NOT_SERIOUS, relatedness: 'possible', ctcaeGrade: 1, ctcaeVersion: '5.0' }), 201);
      const confirmed: AdverseEvent = await ok(await t.http.post(`/api/v1/adverse-events/${created.id}/confirmations`).set(bearer(inv.token)).send({ password: inv.password }), 201);
      expect(confirmed.confirmed).toMatchObject({ valid: true });
      const repo = t.dataSource.getRepository(AdverseEventEntity);
      await repo.update({ id: created.id }, { ctcaeGrade: 3 });
      const graded: AdverseEvent = (await get(created.id)).body;
      expect(graded.confirmed).toMatchObject({ by: inv.id, valid: false, invalidReason: 'the record has changed since it was signed' });
      await repo.update({ id: created.id }, { ctcaeGrade: 1, relatedness: 'related' });
      expect((await get(created.id)).body.confirmed).toMatchObject({ valid: false });
      await repo.update({ id: created.id }, { relatedness: 'possible' });
      expect((await get(created.id)).body.confirmed).toMatchObject({ valid: true });
    });

    it('recomputes the report clock when seriousness changes', async () => {
      const serious: AdverseEvent = await ok(await patch(euphoria.id, { seriousness: { medicallyImportant: true }, reason: 'led to an unsafe act' }));
      expect(serious).toMatchObject({ serious: true, reportDueAt: plus(euphoria.awareAt, DAY), overdue: true, seriousness: { ...NOT_SERIOUS, medicallyImportant: true } });
      expect((await audit(euphoria.id)).map((e) => e.action).slice(0, 2)).toEqual(['adverse-event.serious', 'adverse-event.corrected']);
      expect(await listIds('?due=overdue')).toEqual([euphoria.id]);

      const back: AdverseEvent = await ok(await patch(euphoria.id, { seriousness: { medicallyImportant: false }, reason: 'reassessed by the investigator' }, inv.token));
      expect(back).toMatchObject({ serious: false, reportDueAt: null, overdue: false });
      expect(await listIds('?due=overdue')).toEqual([]);
      const [entry] = await audit(euphoria.id);
      expect(entry).toMatchObject({ oldValue: { medicallyImportant: true, reportDueAt: plus(euphoria.awareAt, DAY) }, newValue: { medicallyImportant: false, reportDueAt: null } });
    });

    it('recomputes the time after dose when the onset is corrected', async () => {
      const body: AdverseEvent = await ok(await patch(euphoria.id, { onsetAt: plus(doseAt, 75 * MIN), reason: 'onset noted late' }));
      expect(body.minutesAfterDose).toBe(75);
    });

    it('lets exactly one of two concurrent corrections of one version through', async () => {
      const version = (await get(euphoria.id)).body.version;
      const results = await Promise.all([
        patch(euphoria.id, { outcome: 'RECOVERED/RESOLVED', reason: 'resolved', expectedVersion: version }),
        patch(euphoria.id, { outcome: 'RECOVERING/RESOLVING', reason: 'resolving', expectedVersion: version }, inv.token),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect((await get(euphoria.id)).body.version).toBe(version + 1);
    });

    it('refuses corrections without a reason, without a change, on a stale version, or inconsistent ones', async () => {
      const version = (await get(headache.id)).body.version;
      expect((await patch(headache.id, { outcome: 'RECOVERING/RESOLVING' })).status).toBe(400);
      expect((await patch(headache.id, { outcome: 'RECOVERED/RESOLVED', reason: 'same' })).status).toBe(400);
      expect((await patch(headache.id, { term: null, reason: 'clear' })).status).toBe(400);
      expect((await patch(headache.id, { ctcaeVersion: null, reason: 'clear' })).status).toBe(400);
      expect((await patch(headache.id, { ctcaeGrade: 5, reason: 'died' })).status).toBe(400);
      const stale = await patch(headache.id, { outcome: 'FATAL', reason: 'stale', expectedVersion: version - 1 });
      expect({ status: stale.status, type: stale.body.type }).toEqual({ status: 409, type: '/problems/version-conflict' });
      expect((await patch(headache.id, { outcome: 'NOT RECOVERED/NOT RESOLVED', reason: 'x' }, auditor.token)).status).toBe(403);
      expect((await patch(headache.id, { outcome: 'NOT RECOVERED/NOT RESOLVED', reason: 'x' }, outsider.token)).status).toBe(404);
      expect((await get(headache.id)).body.version).toBe(version);
    });
  });

  describe('voiding', () => {
    it('voids with a reason: kept, marked void, out of the due lists, and closed to changes', async () => {
      const dup: AdverseEvent = await ok(
        await record({ term: 'hypertensive urgency', onsetAt: ago(60), awareAt: ago(50), seriousness: { ...NOT_SERIOUS, hospitalization: true }, relatedness: 'probable' }),
        201,
      );
      t.clock.advance(DAY + HOUR);
      expect(await listIds('?due=overdue')).toContain(dup.id);
      expect((await t.http.post(`/api/v1/adverse-events/${dup.id}/void`).set(bearer(clin.token)).send({})).status).toBe(400);
      const voided: AdverseEvent = await ok(await t.http.post(`/api/v1/adverse-events/${dup.id}/void`).set(bearer(clin.token)).send({ reason: 'duplicate of an earlier entry' }));
      expect(voided).toMatchObject({ voided: true, voidReason: 'duplicate of an earlier entry', overdue: false, version: 2 });
      expect(await listIds('?due=overdue')).not.toContain(dup.id);

      const again = await t.http.post(`/api/v1/adverse-events/${dup.id}/void`).set(bearer(clin.token)).send({ reason: 'twice' });
      expect({ status: again.status, type: again.body.type }).toEqual({ status: 409, type: '/problems/conflict' });
      expect((await patch(dup.id, { outcome: 'FATAL', reason: 'x' })).status).toBe(409);
      expect((await t.http.post(`/api/v1/adverse-events/${dup.id}/report`).set(bearer(clin.token)).send({})).status).toBe(409);
      const [entry] = await audit(dup.id);
      expect(entry).toMatchObject({ action: 'adverse-event.voided', reason: 'duplicate of an earlier entry', oldValue: { voided: false, version: 1 }, newValue: { voided: true, version: 2 } });
    });
  });

  describe('reading', () => {
    it('lists by participant and session, site-scoped, and answers 404 to other sites', async () => {
      const byParticipant = await listIds(`?participantId=${participantId}`);
      expect(byParticipant).toEqual(expect.arrayContaining([headache.id, euphoria.id, hospital.id]));
      const bySession = await listIds(`?sessionId=${sessionId}`);
      expect(bySession).toEqual(byParticipant);
      const session = await t.http.get(`/api/v1/sessions/${sessionId}/adverse-events`).set(bearer(auditor.token));
      expect(session.body.map((ae: AdverseEvent) => ae.id)).toEqual(bySession);
      expect(await listIds(`?participantId=${participantId}`, outsider.token)).toEqual([]);
      expect((await get(headache.id, outsider.token)).status).toBe(404);
      expect((await get('00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await get('not-a-uuid')).status).toBe(400);
      expect((await t.http.get('/api/v1/adverse-events?due=soon').set(bearer(clin.token))).status).toBe(400);
      const view = (await get(headache.id, auditor.token)).body as AdverseEvent;
      expect(view).toMatchObject({ term: 'headache', ctcaeGrade: 2, relatedness: 'probable', corrected: true, voided: false });
    });
  });

  it('leaves a valid audit chain', async () => {
    const res = await t.http.get('/api/v1/audit/verify').set(bearer(auditor.token));
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
  });
});
