import { QueryFailedError } from 'typeorm';
import { problemFromDatabaseError } from '../src/database/database-errors';
import type { Response } from 'supertest';
import { ChecklistsService } from '../src/modules/checklists/checklists.service';
import { ChecklistItem } from '../src/modules/checklists/entities/checklist-item.entity';
import { StaffService } from '../src/modules/staff/staff.service';
import { DISCHARGE_ITEMS, PRE_DOSE_ITEMS, ROOM_READINESS_ITEMS } from '../src/protocols/parameters';
import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * Session checklists and staff presence through the HTTP API: checklists made from the
 * protocol's templates with each session, items recorded with who and when, signatures with
 * refusals that name what is missing, read-only once signed, amendments as new versions that
 * void the old signatures, staff changes with their history, and all of it in the audit trail.
 *
 * One application for the file; each test makes its own participant and dosing session. The clock
 * starts 2026-03-02 07:00 UTC and only moves forward.
 */

const T0 = '2026-03-02T07:00:00.000Z';
const MIN = 60_000;
/** Long idle limits, so moving the clock never signs anyone out. */
const ENV = { SESSION_IDLE_MINUTES: '2880', SESSION_MAX_HOURS: '96' };
const PROBLEM = /^application\/problem\+json/;

type User = { id: string; token: string; password: string; username: string };
type Item = { key: string; label: string; required: boolean; appliesTo: string; valueKind: string; status: string; value: any; comment: string | null; recordedBy: string | null; recordedAt: string | null };
type SignatureView = { id: string; userId: string; printedName: string; meaning: string; signedAt: string; valid: boolean; invalidReason: string | null; voidedAt: string | null; voidReason: string | null };
type ChecklistView = { id: string; key: string; title: string; version: number; rowVersion: number; status: string; signed: boolean; signedAt: string | null; amendmentReason: string | null; items: Item[]; signatures: SignatureView[] };
type AuditView = { seq: number; action: string; entityType: string; entityId: string; userId: string | null; username: string | null; oldValue: any; newValue: any; reason: string | null };

describe('session checklists and staff (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let siteA: string;
  let siteB: string;
  let studyId: string;
  let inv: User;
  let clin: User;
  let clin2: User;
  let mon: User;
  let aud: User;
  let clinB: User;
  let participants = 0;

  const iso = () => t.clock.now().toISOString();

  function ok<T = any>(res: Response, status = 200): T {
    if (res.status !== status) {
      const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
      throw new Error(`${req?.method} ${req?.path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as T;
  }

  function problem(res: Response, status: number, type: string) {
    expect({ status: res.status, type: res.body.type }).toEqual({ status, type });
    expect(res.headers['content-type']).toMatch(PROBLEM);
    return res.body;
  }

  const get = (u: User, path: string) => t.http.get(`/api/v1${path}`).set(bearer(u.token));
  const post = (u: User, path: string, body: object = {}) => t.http.post(`/api/v1${path}`).set(bearer(u.token)).send(body);
  const put = (u: User, path: string, body: object) => t.http.put(`/api/v1${path}`).set(bearer(u.token)).send(body);

  async function checklists(sessionId: string, u: User = clin, history = false): Promise<ChecklistView[]> {
    return ok(await get(u, `/sessions/${sessionId}/checklists${history ? '?history=true' : ''}`));
  }
  async function checklist(sessionId: string, key: string, u: User = clin): Promise<ChecklistView> {
    const found = (await checklists(sessionId, u)).find((c) => c.key === key);
    if (!found) throw new Error(`no ${key} checklist`);
    return found;
  }
  const record = (sessionId: string, key: string, itemKey: string, body: object, u: User = clin) =>
    put(u, `/sessions/${sessionId}/checklists/${key}/items/${itemKey}`, body);
  const sign = (sessionId: string, key: string, u: User, body: object) => post(u, `/sessions/${sessionId}/checklists/${key}/signatures`, body);

  async function audit(entityType: string, entityId: string): Promise<AuditView[]> {
    return ok(await get(aud, `/audit?entityType=${entityType}&entityId=${entityId}&limit=1000`));
  }

  /** A dosing session of a new, consented and eligible participant (no preparation sessions in this study). */
  async function dosingSession(childbearingPotential = true): Promise<{ sessionId: string; participantId: string }> {
    const code = `CL-${String(++participants).padStart(3, '0')}`;
    const participant = ok(await post(inv, '/participants', { studyId, siteId: siteA, code, childbearingPotential }), 201);
    ok(await post(inv, `/participants/${participant.id}/events`, { type: 'CONSENT_SIGNED', data: { consentVersion: '1.0', signedAt: iso() } }));
    const eligible = ok(await post(inv, `/participants/${participant.id}/events`, { type: 'ELIGIBILITY_CONFIRMED' }));
    expect(eligible.course.state).toBe('treatment.dosing');
    const session = ok(await post(inv, `/participants/${participant.id}/sessions`, { phase: 'dosing' }), 201);
    return { sessionId: session.id, participantId: participant.id };
  }

  /** Everything the pre-dose checklist needs, recorded by `u`. */
  async function completePreDose(sessionId: string, u: User = clin) {
    for (const item of PRE_DOSE_ITEMS) {
      const body =
        item.valueKind === 'pregnancy-test'
          ? { status: 'done', value: { result: 'negative', takenAt: new Date(t.clock.now().getTime() - 60 * MIN).toISOString() } }
          : item.valueKind === 'blood-pressure'
            ? { status: 'done', value: { systolic: 122, diastolic: 78 } }
            : item.valueKind === 'text'
              ? { status: 'done', value: 'recorded in the source' }
              : { status: 'done' };
      ok(await record(sessionId, 'pre-dose', item.key, body, u));
    }
  }

  beforeAll(async () => {
    t = await createTestApp(ENV, { now: T0 });
    admin = await adminToken(t);
    siteA = (await createSite(t, admin, 'CL-AMS')).id;
    siteB = (await createSite(t, admin, 'CL-UTR')).id;
    const user = async (username: string, roles: string[], site = siteA) => ({ username, ...(await createUser(t, admin, username, roles, [site])) });
    inv = await user('cl.inv', ['investigator']);
    clin = await user('cl.clin', ['clinician']);
    clin2 = await user('cl.clin2', ['clinician']);
    mon = await user('cl.mon', ['monitor']);
    aud = await user('cl.aud', ['auditor']);
    clinB = await user('cl.clinb', ['clinician'], siteB);
    const study = ok(await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'CL-1', title: 'Checklists', protocolId: 'mdma-ptsd' }), 201);
    studyId = study.id;
    ok(await put(inv, `/studies/${studyId}/configuration`, { parameters: { course: { preparationSessions: 0 } }, reason: 'dosing straight away' }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it("creates the protocol's checklists with a new dosing session, readable by every clinical role of the site", async () => {
    const { sessionId } = await dosingSession();
    const lists = await checklists(sessionId);
    expect(lists.map((c) => [c.key, c.title, c.version, c.status, c.signed])).toEqual([
      ['room-readiness', 'Room and emergency readiness', 1, 'open', false],
      ['pre-dose', 'Pre-dose readiness', 1, 'open', false],
      ['discharge', 'Discharge', 1, 'open', false],
    ]);
    const preDose = lists[1];
    expect(lists[0].items.map((i) => i.key)).toEqual(ROOM_READINESS_ITEMS.map((i) => i.key));
    expect(preDose.items.map((i) => i.key)).toEqual(PRE_DOSE_ITEMS.map((i) => i.key));
    expect(lists[2].items.map((i) => i.key)).toEqual(DISCHARGE_ITEMS.map((i) => i.key));
    expect(preDose.items.find((i) => i.key === 'pregnancy-test')).toEqual({
      key: 'pregnancy-test',
      label: 'Pregnancy test negative',
      required: true,
      appliesTo: 'childbearing-potential',
      valueKind: 'pregnancy-test',
      status: 'open',
      value: null,
      comment: null,
      recordedBy: null,
      recordedAt: null,
    });
    expect(preDose.signatures).toEqual([]);

    for (const reader of [inv, mon, aud]) expect(await checklists(sessionId, reader)).toEqual(lists);
    problem(await get(clinB, `/sessions/${sessionId}/checklists`), 404, '/problems/not-found');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done' }, mon), 403, '/problems/forbidden');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done' }, aud), 403, '/problems/forbidden');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done' }, clinB), 404, '/problems/not-found');

    const created = await audit('checklist', preDose.id);
    expect(created.map((e) => e.action)).toEqual(['checklist.created']);
    expect(created[0].newValue).toMatchObject({ sessionId, key: 'pre-dose', version: 1, status: 'open', items: PRE_DOSE_ITEMS.map((i) => i.key) });
  });

  it('records items with who and when, and refuses values that do not fit the item', async () => {
    const { sessionId } = await dosingSession();
    const at = iso();
    const takenAt = '2026-03-02T06:15:00Z';
    const after = ok<ChecklistView>(await record(sessionId, 'pre-dose', 'pregnancy-test', { status: 'done', value: { result: 'negative', takenAt } }));
    expect(after.items.find((i) => i.key === 'pregnancy-test')).toMatchObject({
      status: 'done',
      value: { result: 'negative', takenAt: '2026-03-02T06:15:00.000Z' },
      recordedBy: clin.id,
      recordedAt: at,
    });

    t.clock.advance(5 * MIN);
    ok(await record(sessionId, 'pre-dose', 'urine-drug-screen', { status: 'not_applicable', comment: 'not required by this study' }, inv));
    ok(await record(sessionId, 'pre-dose', 'baseline-vitals', { status: 'done', value: { systolic: 124, diastolic: 80, unit: 'mm[Hg]' } }));
    ok(await record(sessionId, 'pre-dose', 'support-person', { status: 'done', value: 'sister, reachable by phone' }));
    const list = await checklist(sessionId, 'pre-dose');
    expect(list.items.find((i) => i.key === 'urine-drug-screen')).toMatchObject({ status: 'not_applicable', comment: 'not required by this study', recordedBy: inv.id, recordedAt: iso() });
    expect(list.items.find((i) => i.key === 'baseline-vitals')!.value).toEqual({ systolic: 124, diastolic: 80 });
    expect(list.items.find((i) => i.key === 'support-person')!.value).toBe('sister, reachable by phone');

    // not applicable needs a reason; values must fit the item's kind
    const noComment = problem(await record(sessionId, 'pre-dose', 'fasting', { status: 'not_applicable' }), 400, '/problems/validation');
    expect(noComment.errors.comment).toBeDefined();
    problem(await record(sessionId, 'pre-dose', 'fasting', { status: 'not_applicable', comment: '   ' }), 400, '/problems/validation');
    expect(problem(await record(sessionId, 'pre-dose', 'pregnancy-test', { status: 'done' }), 400, '/problems/validation').errors.value).toBeDefined();
    const positive = problem(await record(sessionId, 'pre-dose', 'pregnancy-test', { status: 'done', value: { result: 'positive', takenAt } }), 400, '/problems/validation');
    expect(positive.errors['value.result']).toBeDefined();
    const badTest = problem(await record(sessionId, 'pre-dose', 'pregnancy-test', { status: 'done', value: { result: 'maybe', takenAt: 'yesterday' } }), 400, '/problems/validation');
    expect(Object.keys(badTest.errors).sort()).toEqual(['value.result', 'value.takenAt']);
    const future = problem(await record(sessionId, 'pre-dose', 'pregnancy-test', { status: 'done', value: { result: 'negative', takenAt: '2026-03-03T06:00:00Z' } }), 400, '/problems/validation');
    expect(future.errors['value.takenAt']).toEqual(['must not be in the future']);
    const bp = problem(await record(sessionId, 'pre-dose', 'baseline-vitals', { status: 'done', value: { systolic: 400, diastolic: '80' } }), 400, '/problems/validation');
    expect(Object.keys(bp.errors).sort()).toEqual(['value.diastolic', 'value.systolic']);
    problem(await record(sessionId, 'pre-dose', 'baseline-vitals', { status: 'done', value: { systolic: 120, diastolic: 80, unit: 'kPa' } }), 400, '/problems/validation');
    problem(await record(sessionId, 'pre-dose', 'support-person', { status: 'done', value: 42 }), 400, '/problems/validation');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done', value: 'yes' }), 400, '/problems/validation');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'open' }), 400, '/problems/validation');
    problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done', extra: 1 }), 400, '/problems/validation');
    problem(await record(sessionId, 'pre-dose', 'no-such-item', { status: 'done' }), 404, '/problems/not-found');
    problem(await record(sessionId, 'no-such-list', 'room-ready', { status: 'done' }), 404, '/problems/not-found');
    problem(await get(clin, '/sessions/not-a-uuid/checklists'), 400, '/problems/validation');

    // nothing refused was stored
    expect(await checklist(sessionId, 'pre-dose')).toEqual(list);

    // a correction keeps the earlier value in the audit trail
    t.clock.advance(MIN);
    ok(await record(sessionId, 'pre-dose', 'baseline-vitals', { status: 'failed', value: { systolic: 170, diastolic: 104 }, comment: 'above the limit' }));
    const entries = (await audit('checklist', list.id)).filter((e) => e.action === 'checklist.item-recorded');
    expect(entries.length).toBe(5);
    const correction = entries[0];
    expect(correction).toMatchObject({ userId: clin.id, username: 'cl.clin', reason: 'above the limit' });
    expect(correction.oldValue.item).toMatchObject({ key: 'baseline-vitals', status: 'done', value: { systolic: 124, diastolic: 80 } });
    expect(correction.newValue.item).toMatchObject({ key: 'baseline-vitals', status: 'failed', value: { systolic: 170, diastolic: 104 }, recordedBy: clin.id, recordedAt: iso() });
  });

  it('signs only a complete checklist, with a correct password, and keeps it read-only once signed', async () => {
    const { sessionId } = await dosingSession();

    // nothing recorded: every required item is named, optional ones are not
    const none = problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 409, '/problems/protocol-refused');
    const required = PRE_DOSE_ITEMS.filter((i) => i.required).map((i) => `pre-dose.${i.key}`);
    expect(none.unmet.map((u: { requirement: string }) => u.requirement)).toEqual(required);
    expect(none.unmet[0].message).toBe('Pre-dose readiness checklist: consent current not recorded');

    await completePreDose(sessionId);
    ok(await record(sessionId, 'pre-dose', 'fasting', { status: 'failed', comment: 'had breakfast' }));
    const failed = problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 409, '/problems/protocol-refused');
    expect(failed.unmet).toEqual([{ requirement: 'pre-dose.fasting', message: 'Pre-dose readiness checklist: fasting attested failed' }]);
    ok(await record(sessionId, 'pre-dose', 'fasting', { status: 'done' }));

    // a wrong password signs nothing
    const wrong = problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: 'not-my-password', meaning: 'authorship' }), 403, '/problems/forbidden');
    expect(wrong.errors.password).toBeDefined();
    expect(await checklist(sessionId, 'pre-dose')).toMatchObject({ status: 'open', signed: false, signatures: [] });
    // nobody signs as someone else
    problem(await sign(sessionId, 'pre-dose', clin, { username: clin2.username, password: clin.password, meaning: 'authorship' }), 403, '/problems/forbidden');
    problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'endorsement' }), 400, '/problems/validation');
    problem(await sign(sessionId, 'pre-dose', mon, { username: mon.username, password: mon.password, meaning: 'review' }), 403, '/problems/forbidden');

    t.clock.advance(MIN);
    const signedAt = iso();
    const signature = ok(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 201);
    expect(signature).toMatchObject({ key: 'pre-dose', version: 1, userId: clin.id, printedName: 'Dr cl.clin', meaning: 'authorship', signedAt, valid: true });
    const signed = await checklist(sessionId, 'pre-dose');
    expect(signed).toMatchObject({ status: 'signed', signed: true, signedAt, version: 1 });
    expect(signed.signatures).toEqual([expect.objectContaining({ id: signature.id, printedName: 'Dr cl.clin', meaning: 'authorship', signedAt, valid: true, voidedAt: null })]);

    // read-only: an edit is a conflict until the checklist is amended
    const edit = problem(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done' }), 409, '/problems/conflict');
    expect(edit.detail).toMatch(/signed; amend it first/);
    problem(await sign(sessionId, 'pre-dose', clin, { password: clin.password, meaning: 'authorship' }), 409, '/problems/conflict');

    // a second signature (approval by the investigator) is allowed; within a login session the
    // password alone signs once the username was given
    t.clock.advance(MIN);
    ok(await sign(sessionId, 'pre-dose', inv, { username: inv.username, password: inv.password, meaning: 'approval' }), 201);
    ok(await sign(sessionId, 'pre-dose', inv, { password: inv.password, meaning: 'responsibility' }), 201);
    const twice = await checklist(sessionId, 'pre-dose');
    expect(twice.signedAt).toBe(signedAt);
    expect(twice.signatures.map((s) => [s.printedName, s.meaning, s.valid])).toEqual([
      ['Dr cl.clin', 'authorship', true],
      ['Dr cl.inv', 'approval', true],
      ['Dr cl.inv', 'responsibility', true],
    ]);

    // the facts the gates read
    const facts = await t.app.get(ChecklistsService).factsForSession(sessionId);
    expect(facts['pre-dose']).toMatchObject({ signed: true, signedAt, items: { 'pregnancy-test': { status: 'done', value: { result: 'negative' } } } });
    expect(facts.discharge).toMatchObject({ signed: false, items: { 'released-to': { status: 'open' } } });
    const current = await t.app.get(ChecklistsService).currentForSession(sessionId);
    expect(current.map((c) => [c.key, c.version, c.items.length])).toEqual([
      ['discharge', 1, DISCHARGE_ITEMS.length],
      ['pre-dose', 1, PRE_DOSE_ITEMS.length],
      ['room-readiness', 1, ROOM_READINESS_ITEMS.length],
    ]);
  });

  it('skips the pregnancy test for a participant without childbearing potential', async () => {
    const { sessionId } = await dosingSession(false);
    const unmet = problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 409, '/problems/protocol-refused').unmet;
    expect(unmet.map((u: { requirement: string }) => u.requirement)).not.toContain('pre-dose.pregnancy-test');
    for (const item of PRE_DOSE_ITEMS.filter((i) => i.required && i.key !== 'pregnancy-test')) {
      const body = item.valueKind === 'blood-pressure' ? { status: 'done', value: { systolic: 118, diastolic: 76 } } : { status: 'done' };
      ok(await record(sessionId, 'pre-dose', item.key, body));
    }
    ok(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 201);
    expect(await checklist(sessionId, 'pre-dose')).toMatchObject({ signed: true });
  });

  it('amends a signed checklist as a new open version and voids the old signatures', async () => {
    const { sessionId } = await dosingSession();
    await completePreDose(sessionId);
    ok(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 201);
    ok(await sign(sessionId, 'pre-dose', inv, { username: inv.username, password: inv.password, meaning: 'approval' }), 201);
    const v1 = await checklist(sessionId, 'pre-dose');

    // an open checklist is edited, not amended; a reason is needed; readers cannot amend
    problem(await post(clin, `/sessions/${sessionId}/checklists/discharge/amendments`, { reason: 'typo' }), 409, '/problems/conflict');
    problem(await post(clin, `/sessions/${sessionId}/checklists/pre-dose/amendments`, {}), 400, '/problems/validation');
    problem(await post(clin, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason: ' ' }), 400, '/problems/validation');
    problem(await post(mon, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason: 'typo' }), 403, '/problems/forbidden');

    t.clock.advance(10 * MIN);
    const reason = 'baseline blood pressure was entered for the wrong participant';
    const v2 = ok<ChecklistView>(await post(clin, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason }), 201);
    expect(v2).toMatchObject({ key: 'pre-dose', version: 2, status: 'open', signed: false, signedAt: null, amendmentReason: reason, signatures: [] });
    // the recorded values are carried over, so only what was wrong is corrected
    expect(v2.items).toEqual(v1.items);

    // the current view shows version 2 only; the history shows version 1 with void signatures
    expect((await checklists(sessionId)).filter((c) => c.key === 'pre-dose').map((c) => c.version)).toEqual([2]);
    const history = (await checklists(sessionId, aud, true)).filter((c) => c.key === 'pre-dose');
    expect(history.map((c) => [c.version, c.status, c.signed])).toEqual([
      [2, 'open', false],
      [1, 'superseded', false],
    ]);
    expect(history[1].signatures.map((s) => [s.meaning, s.valid, s.voidedAt, s.voidReason])).toEqual([
      ['authorship', false, iso(), reason],
      ['approval', false, iso(), reason],
    ]);
    expect(history[1].signatures[0].invalidReason).toMatch(/^voided/);
    expect(history[1].items).toEqual(v1.items);

    // version 2 is corrected and signed again; a second amendment makes version 3
    t.clock.advance(MIN);
    ok(await record(sessionId, 'pre-dose', 'baseline-vitals', { status: 'done', value: { systolic: 130, diastolic: 84 } }));
    ok(await sign(sessionId, 'pre-dose', clin, { password: clin.password, meaning: 'authorship' }), 201);
    const resigned = await checklist(sessionId, 'pre-dose');
    expect(resigned).toMatchObject({ version: 2, status: 'signed', signed: true });
    expect(resigned.items.find((i) => i.key === 'baseline-vitals')!.value).toEqual({ systolic: 130, diastolic: 84 });
    const v3 = ok<ChecklistView>(await post(inv, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason: 'second look' }), 201);
    expect(v3.version).toBe(3);
    expect((await checklists(sessionId, clin, true)).filter((c) => c.key === 'pre-dose').map((c) => [c.version, c.status])).toEqual([
      [3, 'open'],
      [2, 'superseded'],
      [1, 'superseded'],
    ]);

    // the amendment is audited with its reason, and the voiding with it
    const amended = (await audit('checklist', v2.id)).find((e) => e.action === 'checklist.amended')!;
    expect(amended).toMatchObject({ userId: clin.id, reason });
    expect(amended.oldValue).toMatchObject({ checklistId: v1.id, version: 1, status: 'signed' });
    expect(amended.newValue).toMatchObject({ checklistId: v2.id, version: 2, status: 'open', voidedSignatures: 2 });
    const onV1 = (await audit('checklist', v1.id)).map((e) => e.action);
    expect(onV1).toEqual(expect.arrayContaining(['signature.voided', 'checklist.signed', 'signature.applied', 'checklist.item-recorded', 'checklist.created']));
    expect(onV1[0]).toBe('signature.voided');
  });

  it('a signature covers exactly the recorded content: a changed row reads as unsigned', async () => {
    const { sessionId } = await dosingSession();
    await completePreDose(sessionId);
    ok(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship' }), 201);
    const list = await checklist(sessionId, 'pre-dose');
    expect(list.signed).toBe(true);
    // an edit behind the application's back, straight in the database
    await t.dataSource
      .createQueryBuilder()
      .update(ChecklistItem)
      .set({ comment: 'edited later' })
      .where('checklist_id = :id AND key = :key', { id: list.id, key: 'room-ready' })
      .execute();
    const after = await checklist(sessionId, 'pre-dose');
    expect(after).toMatchObject({ status: 'signed', signed: false });
    expect(after.signatures.map((s) => [s.valid, s.invalidReason])).toEqual([[false, 'the record has changed since it was signed']]);
    expect((await t.app.get(ChecklistsService).factsForSession(sessionId))['pre-dose'].signed).toBe(false);
  });

  it('a signature is tied to what the signer reviewed: expectedRowVersion that moved meanwhile is a 409 version-conflict', async () => {
    const { sessionId } = await dosingSession();
    await completePreDose(sessionId);
    const reviewed = await checklist(sessionId, 'pre-dose');
    expect(reviewed.rowVersion).toBeGreaterThan(1);
    // someone else records a comment after the signer looked at the list
    ok(await record(sessionId, 'pre-dose', 'room-ready', { status: 'done', comment: 'changed after review' }, clin2));
    const changed = await checklist(sessionId, 'pre-dose');
    expect(changed.rowVersion).toBe(reviewed.rowVersion + 1);
    const stale = problem(
      await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship', expectedRowVersion: reviewed.rowVersion }),
      409,
      '/problems/version-conflict',
    );
    expect(stale.detail).toContain('changed since you reviewed it');
    expect(await checklist(sessionId, 'pre-dose')).toMatchObject({ status: 'open', signatures: [], rowVersion: changed.rowVersion });
    problem(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship', expectedRowVersion: 0 }), 400, '/problems/validation');
    const signature = ok(await sign(sessionId, 'pre-dose', clin, { username: clin.username, password: clin.password, meaning: 'authorship', expectedRowVersion: changed.rowVersion }), 201);
    expect(signature).toMatchObject({ meaning: 'authorship', valid: true });
    // signing moves the row version too: a second signer reviews the signed list
    const signed = await checklist(sessionId, 'pre-dose');
    expect(signed.rowVersion).toBe(changed.rowVersion + 1);
    problem(await sign(sessionId, 'pre-dose', inv, { username: inv.username, password: inv.password, meaning: 'approval', expectedRowVersion: changed.rowVersion }), 409, '/problems/version-conflict');
    ok(await sign(sessionId, 'pre-dose', inv, { password: inv.password, meaning: 'approval', expectedRowVersion: signed.rowVersion }), 201);
  });

  it('a NUL character or an over-long string the database refuses is a 400, never a 500 (PostgreSQL 22021, 22001)', async () => {
    const { sessionId } = await dosingSession();
    const postgres = t.dataSource.options.type === 'postgres';
    const nul = await record(sessionId, 'pre-dose', 'room-ready', { status: 'not_applicable', comment: 'a\u0000b' });
    // SQLite stores the character; PostgreSQL text cannot hold it
    if (postgres) problem(nul, 400, '/problems/validation');
    else expect(nul.status).toBe(200);
    const amend = await post(clin, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason: 'x\u0000' });
    expect(amend.status).toBeLessThan(500);

    // the mapping itself, for both codes, whatever the engine of this run
    for (const [code, detail] of [['22021', /cannot be stored/], ['22001', /longer than allowed/]] as const) {
      const error = new QueryFailedError('UPDATE x', [], Object.assign(new Error('driver'), { code }));
      const mapped = problemFromDatabaseError(error);
      expect(mapped?.getStatus()).toBe(400);
      expect(mapped?.problem).toMatchObject({ type: '/problems/validation', detail: expect.stringMatching(detail) });
    }
  });

  it('parallel writers: items recorded at once all land, and no edit slips in after a signature', async () => {
    const { sessionId } = await dosingSession();
    const recorded = await Promise.all(
      PRE_DOSE_ITEMS.filter((i) => i.valueKind === 'none').map((i, n) => record(sessionId, 'pre-dose', i.key, { status: 'done' }, n % 2 ? clin : clin2)),
    );
    expect(recorded.map((r) => r.status)).toEqual(recorded.map(() => 200));
    await completePreDose(sessionId);
    const list = await checklist(sessionId, 'pre-dose');
    expect(list.items.every((i) => i.status === 'done')).toBe(true);

    // a signature and an edit race: whichever order they commit in, the signature stays valid
    const [signed, edit] = await Promise.all([
      sign(sessionId, 'pre-dose', inv, { username: inv.username, password: inv.password, meaning: 'approval' }),
      record(sessionId, 'pre-dose', 'room-ready', { status: 'done', comment: 'checked again' }, clin2),
    ]);
    expect(signed.status).toBe(201);
    expect([200, 409]).toContain(edit.status);
    const after = await checklist(sessionId, 'pre-dose');
    expect(after).toMatchObject({ signed: true });
    expect(after.signatures.map((s) => s.valid)).toEqual([true]);

    // two staff lists at once: one wins whole, never a mix with duplicate open rows
    const staffPath = `/sessions/${sessionId}/staff`;
    const [a, b] = await Promise.all([
      put(clin, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: inv.id, role: 'prescriber' }] }),
      put(clin2, staffPath, { present: [{ userId: clin2.id, role: 'therapist' }, { userId: inv.id, role: 'prescriber' }] }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const staff = ok(await get(clin, staffPath));
    expect(staff.present).toHaveLength(2);
    expect(staff.present.filter((p: { role: string }) => p.role === 'prescriber')).toHaveLength(1);
  });

  it('keeps every checklist action in a valid audit trail, refused signatures included', async () => {
    const { sessionId } = await dosingSession();
    await completePreDose(sessionId, inv);
    problem(await sign(sessionId, 'pre-dose', clin2, { username: clin2.username, password: 'wrong-password-123', meaning: 'authorship' }), 403, '/problems/forbidden');
    ok(await sign(sessionId, 'pre-dose', clin2, { username: clin2.username, password: clin2.password, meaning: 'authorship' }), 201);
    ok(await post(clin2, `/sessions/${sessionId}/checklists/pre-dose/amendments`, { reason: 'audit test' }), 201);
    const [v1] = (await checklists(sessionId, clin2, true)).filter((c) => c.key === 'pre-dose' && c.version === 1);

    const trail = await audit('checklist', v1.id);
    const actions = trail.map((e) => e.action).reverse();
    expect(actions[0]).toBe('checklist.created');
    expect(actions.filter((a) => a === 'checklist.item-recorded').length).toBe(PRE_DOSE_ITEMS.length);
    expect(actions.slice(-3)).toEqual(['signature.applied', 'checklist.signed', 'signature.voided']);
    const applied = trail.find((e) => e.action === 'signature.applied')!;
    expect(applied).toMatchObject({ userId: clin2.id, newValue: expect.objectContaining({ printedName: 'Dr cl.clin2', meaning: 'authorship', method: 'full' }) });
    const failures = await audit('user', clin2.id);
    expect(failures.map((e) => e.action)).toContain('signature.failed');

    const verify = ok(await get(aud, '/audit/verify'));
    expect(verify).toMatchObject({ valid: true });
    expect(verify.entries).toBeGreaterThan(10);
  });

  it('records the staff present with their history, only active users of the site', async () => {
    const { sessionId } = await dosingSession();
    const staffPath = `/sessions/${sessionId}/staff`;
    expect(ok(await get(mon, staffPath))).toEqual({ present: [], history: [] });

    const first = iso();
    const one = ok(await put(clin, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: clin2.id, role: 'therapist' }, { userId: inv.id, role: 'prescriber' }] }));
    expect(one.present).toEqual([
      { userId: inv.id, fullName: 'Dr cl.inv', role: 'prescriber', presentFrom: first },
      { userId: clin.id, fullName: 'Dr cl.clin', role: 'therapist', presentFrom: first },
      { userId: clin2.id, fullName: 'Dr cl.clin2', role: 'therapist', presentFrom: first },
    ]);

    // an hour later clin2 leaves and the monitor comes in as monitor; the others keep their arrival time
    t.clock.advance(60 * MIN);
    const second = iso();
    const two = ok(await put(inv, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: inv.id, role: 'prescriber' }, { userId: mon.id, role: 'monitor' }] }));
    expect(two.present).toEqual([
      { userId: mon.id, fullName: 'Dr cl.mon', role: 'monitor', presentFrom: second },
      { userId: inv.id, fullName: 'Dr cl.inv', role: 'prescriber', presentFrom: first },
      { userId: clin.id, fullName: 'Dr cl.clin', role: 'therapist', presentFrom: first },
    ]);
    expect(two.history).toHaveLength(4);
    expect(two.history[0]).toMatchObject({ userId: mon.id, presentFrom: second, presentUntil: null, recordedBy: inv.id });
    expect(two.history.find((h: { userId: string }) => h.userId === clin2.id)).toMatchObject({ role: 'therapist', presentFrom: first, presentUntil: second, recordedBy: clin.id });
    expect(ok(await get(aud, staffPath))).toEqual(two);

    // the same list again changes nothing and writes nothing
    const before = (await audit('session', sessionId)).length;
    t.clock.advance(MIN);
    expect(ok(await put(inv, staffPath, { present: [{ userId: mon.id, role: 'monitor' }, { userId: clin.id, role: 'therapist' }, { userId: inv.id, role: 'prescriber' }] }))).toEqual(two);
    expect((await audit('session', sessionId)).length).toBe(before);

    // who was there when, for the staffing gates
    const staff = t.app.get(StaffService);
    expect(await staff.presentAt(sessionId, new Date(new Date(first).getTime() + 30 * MIN))).toEqual([
      { userId: inv.id, role: 'prescriber' },
      { userId: clin.id, role: 'therapist' },
      { userId: clin2.id, role: 'therapist' },
    ].sort((a, b) => a.role.localeCompare(b.role) || a.userId.localeCompare(b.userId)));
    expect((await staff.presentAt(sessionId)).map((m) => m.role).sort()).toEqual(['monitor', 'prescriber', 'therapist']);
    expect(await staff.presentAt(sessionId, new Date(new Date(first).getTime() - MIN))).toEqual([]);

    // a user of another site, an unknown or disabled user, a duplicate or an unknown role: 400, nothing stored
    const otherSite = problem(await put(clin, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: clinB.id, role: 'therapist' }] }), 400, '/problems/validation');
    expect(Object.keys(otherSite.errors)).toEqual(['present.1.userId']);
    problem(await put(clin, staffPath, { present: [{ userId: '5a1c3e4d-0000-4000-8000-000000000000', role: 'nurse' }] }), 400, '/problems/validation');
    problem(await put(clin, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: clin.id, role: 'therapist' }] }), 400, '/problems/validation');
    problem(await put(clin, staffPath, { present: [{ userId: clin.id, role: 'surgeon' }] }), 400, '/problems/validation');
    problem(await put(clin, staffPath, { present: [{ userId: 'not-a-uuid', role: 'nurse' }] }), 400, '/problems/validation');
    problem(await put(clin, staffPath, { present: 'everyone' }), 400, '/problems/validation');
    const disabled = await createUser(t, admin, 'cl.gone', ['clinician'], [siteA]);
    ok(await t.http.patch(`/api/v1/users/${disabled.id}`).set(bearer(admin)).send({ disabled: true }));
    problem(await put(clin, staffPath, { present: [{ userId: disabled.id, role: 'nurse' }] }), 400, '/problems/validation');
    // only clinical staff take a clinical part: a monitor or an auditor as therapist or prescriber is refused with the reason
    const monTherapist = problem(await put(clin, staffPath, { present: [{ userId: clin.id, role: 'therapist' }, { userId: mon.id, role: 'therapist' }] }), 400, '/problems/validation');
    expect(monTherapist.errors).toEqual({ 'present.1.role': ['may only be held by a user with the role clinician or investigator; this user is monitor'] });
    const audPrescriber = problem(await put(clin, staffPath, { present: [{ userId: aud.id, role: 'prescriber' }] }), 400, '/problems/validation');
    expect(audPrescriber.errors['present.0.role'][0]).toContain('clinician or investigator');
    problem(await put(clin, staffPath, { present: [{ userId: mon.id, role: 'attendant' }] }), 400, '/problems/validation');
    problem(await put(clin, staffPath, { present: [{ userId: aud.id, role: 'monitor' }] }), 400, '/problems/validation');
    problem(await put(mon, staffPath, { present: [] }), 403, '/problems/forbidden');
    problem(await put(clinB, staffPath, { present: [] }), 404, '/problems/not-found');
    expect(ok(await get(clin, staffPath))).toEqual(two);

    // everybody leaves
    t.clock.advance(MIN);
    const empty = ok(await put(clin, staffPath, { present: [] }));
    expect(empty.present).toEqual([]);
    expect(empty.history.every((h: { presentUntil: string | null }) => h.presentUntil !== null)).toBe(true);

    const changes = (await audit('session', sessionId)).filter((e) => e.action === 'session.staff-changed').reverse();
    expect(changes).toHaveLength(3);
    expect(changes[0].oldValue).toEqual({ present: [] });
    expect(changes[1]).toMatchObject({ userId: inv.id });
    expect(changes[1].oldValue.present).toHaveLength(3);
    expect(changes[1].newValue.left).toEqual([{ userId: clin2.id, role: 'therapist' }]);
    expect(changes[1].newValue.arrived).toEqual([{ userId: mon.id, role: 'monitor' }]);
    expect(changes[2].newValue.present).toEqual([]);
    expect(ok(await get(aud, '/audit/verify')).valid).toBe(true);
  });
});
