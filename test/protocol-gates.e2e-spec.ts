import { MDMA_PTSD_DEFAULTS } from '../src/protocols/mdma-ptsd/parameters';
import { ProtocolParameters } from '../src/protocols/parameters';
import { defineProtocol, registerProtocol } from '../src/protocols/registry';
import { SessionFacts, Unmet } from '../src/protocols/types';
import { GateOverride } from '../src/modules/sessions/entities/override.entity';
import { ADMIN_PASSWORD, adminToken, bearer, createSite, createTestApp, createUser, login, TestApp } from './support/app';

/**
 * The protocol engine through the API: every gate refuses with its own words and leaves the
 * session untouched, investigators override with a signature and a deviation, concurrent steps
 * on one session version let exactly one through, and the durable timers fire once on the
 * injected clock, also across restarts. Facts come from the test facts provider: complete unless
 * a test changes them for a session.
 *
 * Times: the day starts 2026-03-02 07:00 UTC, 08:00 in Amsterdam (CET, UTC+1), the sites' zone,
 * so refusal messages show local wall-clock times one hour ahead of UTC.
 */
const T0 = '2026-03-02T07:00:00.000Z';
const MIN = 60_000;
const iso = (base: string, minutes: number) => new Date(new Date(base).getTime() + minutes * MIN).toISOString();

/** Long idle and session limits, so a day's clock can move without signing in again. */
const ENV = { SESSION_IDLE_MINUTES: '2880', SESSION_MAX_HOURS: '96' };

const PROBLEM = /^application\/problem\+json/;

type User = { id: string; token: string; password: string; username: string };
type AuditEntry = { action: string; userId: string | null; username: string | null; oldValue: any; newValue: any; reason: string | null };
type View = {
  id: string;
  state: string;
  version: number;
  nextEvents: string[];
  blocked: { type: string; unmet: Unmet[] }[];
  protocol: { id: string; version: string };
  doseAt: string | null;
  schedule: { key: string; dueAt: string; doneAt: string | null; firedAt: string | null }[];
};

/** One running application with its staff and a shortcut per request this file makes. */
class Harness {
  admin!: string;
  siteId!: string;
  inv!: User;
  inv2!: User;
  clin!: User;
  clin2!: User;
  auditor!: User;
  private participants = 0;

  constructor(public t: TestApp) {}

  static async boot(now: string): Promise<Harness> {
    const h = new Harness(await createTestApp(ENV, { testFacts: true, now }));
    await h.setUp();
    return h;
  }

  async setUp(): Promise<void> {
    const t = this.t;
    this.admin = await adminToken(t);
    this.siteId = (await createSite(t, this.admin, 'GATES-AMS', 'Europe/Amsterdam')).id;
    const user = async (username: string, roles: string[]) => ({ username, ...(await createUser(t, this.admin, username, roles, [this.siteId])) });
    this.inv = await user('inv.one', ['investigator']);
    this.inv2 = await user('inv.two', ['investigator']);
    this.clin = await user('clin.one', ['clinician']);
    this.clin2 = await user('clin.two', ['clinician']);
    this.auditor = await user('aud.one', ['auditor']);
  }

  /** After a restart: the same people sign in again. */
  async signInAgain(): Promise<void> {
    this.admin = await login(this.t, 'admin', ADMIN_PASSWORD);
    for (const u of [this.inv, this.inv2, this.clin, this.clin2, this.auditor]) u.token = await login(this.t, u.username, u.password);
  }

  /**
   * A study on mdma-ptsd 1.0.0. It sets no preparation sessions, so a consented, eligible
   * participant can start a dosing session at once (the dosing day is what these tests are about).
   */
  async study(code: string, parameters: Record<string, unknown> = {}, protocol: { protocolId?: string; protocolVersion?: string } = {}) {
    const body = { code, title: code, protocolId: 'mdma-ptsd', protocolVersion: '1.0.0', ...protocol };
    const res = await this.t.http.post('/api/v1/studies').set(bearer(this.admin)).send(body);
    expect(res.status).toBe(201);
    await this.configure(res.body.id, { course: { preparationSessions: 0 }, ...parameters });
    return res.body as { id: string; protocol: { id: string; version: string } };
  }

  async configure(studyId: string, parameters: Record<string, unknown>) {
    const res = await this.t.http.put(`/api/v1/studies/${studyId}/configuration`).set(bearer(this.inv.token)).send({ parameters, reason: 'test setup' });
    expect(res.status).toBe(200);
    return res.body;
  }

  /** A consented, eligible participant of childbearing potential (so the pregnancy test counts). */
  async participant(studyId: string, consentVersion = '1.0') {
    const code = `P-${String(++this.participants).padStart(3, '0')}`;
    const created = await this.t.http
      .post('/api/v1/participants')
      .set(bearer(this.inv.token))
      .send({ studyId, siteId: this.siteId, code, childbearingPotential: true });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await this.courseEvent(id, { type: 'CONSENT_SIGNED', data: { consentVersion, signedAt: this.t.clock.now().toISOString() } });
    const eligible = await this.courseEvent(id, { type: 'ELIGIBILITY_CONFIRMED' });
    expect(eligible.course.state).toBe('treatment.dosing');
    return id;
  }

  async courseEvent(participantId: string, body: object) {
    const res = await this.t.http.post(`/api/v1/participants/${participantId}/events`).set(bearer(this.inv.token)).send(body);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** A dosing session of a new participant: created (scheduled), and started unless told not to. */
  async dosingSession(studyId: string, options: { start?: boolean } = {}): Promise<View> {
    const participantId = await this.participant(studyId);
    const res = await this.t.http.post(`/api/v1/participants/${participantId}/sessions`).set(bearer(this.inv.token)).send({ phase: 'dosing' });
    expect(res.status).toBe(201);
    if (options.start === false) return res.body;
    return this.ok(res.body.id, this.clin.token, { type: 'START' });
  }

  send(sessionId: string, token: string, body: object) {
    return this.t.http.post(`/api/v1/sessions/${sessionId}/events`).set(bearer(token)).send(body);
  }

  async ok(sessionId: string, token: string, body: object): Promise<View> {
    const res = await this.send(sessionId, token, body);
    if (res.status !== 200) throw new Error(`${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async view(sessionId: string, token = this.inv.token): Promise<View> {
    const res = await this.t.http.get(`/api/v1/sessions/${sessionId}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body;
  }

  async audit(sessionId: string): Promise<AuditEntry[]> {
    const res = await this.t.http.get(`/api/v1/audit?entityType=session&entityId=${sessionId}&limit=1000`).set(bearer(this.auditor.token));
    expect(res.status).toBe(200);
    return res.body;
  }

  async auditCount(sessionId: string, action: string): Promise<number> {
    return (await this.audit(sessionId)).filter((e) => e.action === action).length;
  }

  /** task.fired entries of a session, counted by task key. */
  async firedByKey(sessionId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const e of await this.audit(sessionId)) if (e.action === 'task.fired') counts[e.newValue.key] = (counts[e.newValue.key] ?? 0) + 1;
    return counts;
  }

  /** Changes this session's facts (on top of the complete ones) until `facts(id)` clears them. */
  facts(sessionId: string, change?: Partial<SessionFacts> | ((facts: SessionFacts) => SessionFacts)) {
    if (!change) return this.t.facts.clear(sessionId);
    this.t.facts.set(sessionId, (f) => (typeof change === 'function' ? change(f) : { ...f, ...change }));
  }

  /**
   * Sends a step that must be refused with exactly `unmet`, and checks that the refusal is
   * audited (`session.event-refused` with the same unmet) and changed neither state nor version.
   */
  async refused(sessionId: string, token: string, body: { type: string; [k: string]: unknown }, unmet: Unmet[]) {
    const before = await this.view(sessionId);
    const audited = await this.auditCount(sessionId, 'session.event-refused');
    const res = await this.send(sessionId, token, body);
    expect({ status: res.status, type: res.body.type, unmet: res.body.unmet }).toEqual({ status: 409, type: '/problems/protocol-refused', unmet });
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const after = await this.view(sessionId);
    expect({ state: after.state, version: after.version }).toEqual({ state: before.state, version: before.version });
    const entries = (await this.audit(sessionId)).filter((e) => e.action === 'session.event-refused');
    expect(entries).toHaveLength(audited + 1);
    expect(entries[0].newValue).toEqual({ event: body.type, state: before.state, unmet });
    return res.body;
  }

  async override(sessionId: string, token: string, body: object) {
    return this.t.http.post(`/api/v1/sessions/${sessionId}/overrides`).set(bearer(token)).send(body);
  }

  async deviations(sessionId: string) {
    const res = await this.t.http.get(`/api/v1/sessions/${sessionId}/deviations`).set(bearer(this.inv.token));
    expect(res.status).toBe(200);
    return res.body as { category: string; requirement: string; description: string; important: boolean; overrideId: string | null }[];
  }
}

const DOSE_80 = { type: 'DOSE_INITIAL', data: { amountMg: 80 } };
const SUPPLEMENTAL_40 = { type: 'DOSE_SUPPLEMENTAL', data: { amountMg: 40 }, reason: 'stable, tolerating well' };

describe('protocol gates, overrides, concurrency (e2e)', () => {
  let h: Harness;
  let studyId: string;
  let s1: string; // runs the whole dosing day through every gate
  let s2: string; // dosed with s1; lets its supplemental window pass, with a hold

  beforeAll(async () => {
    h = await Harness.boot(T0);
    studyId = (await h.study('GATES')).id;
  });
  afterAll(() => h?.t.close());

  describe('refusals name each unmet requirement and change nothing', () => {
    it('pre-dose gate: checklist, pregnancy test, C-SSRS, fasting, baseline vitals, staffing, medication, dose amount', async () => {
      s1 = (await h.dosingSession(studyId)).id;
      expect((await h.view(s1)).state).toBe('preDose');
      const now = h.t.clock.now().toISOString();

      h.facts(s1, (f) => ({ ...f, checklists: { ...f.checklists, 'pre-dose': { ...f.checklists['pre-dose'], signed: false } } }));
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'pre-dose.signed', message: 'pre-dose checklist: not signed' }]);

      h.facts(s1, (f) => {
        const items = { ...f.checklists['pre-dose'].items };
        delete items['medication-washout'];
        items.fasting = { status: 'failed' };
        return { ...f, checklists: { ...f.checklists, 'pre-dose': { ...f.checklists['pre-dose'], items } } };
      });
      await h.refused(s1, h.clin.token, DOSE_80, [
        { requirement: 'pre-dose.medication-washout', message: 'pre-dose checklist: medication washout attested not recorded' },
        { requirement: 'pre-dose.fasting', message: 'pre-dose checklist: fasting attested failed' },
      ]);

      h.facts(s1, { pregnancyTest: { result: 'negative', takenAt: iso(now, -49 * 60) } });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }]);

      h.facts(s1, { pregnancyTest: null });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-test', message: 'pre-dose checklist: pregnancy test not recorded' }]);

      h.facts(s1, { pregnancyTest: { result: 'positive', takenAt: iso(now, -60) } });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-positive', message: 'pregnancy test is positive' }]);

      h.facts(s1, { cssrs: null });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.cssrs', message: 'C-SSRS not done today' }]);

      // 23:30 in Amsterdam the evening before (22:30 UTC): another local day
      h.facts(s1, { cssrs: { at: '2026-03-01T22:30:00.000Z', positive: false, riskAssessmentRecorded: false } });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.cssrs', message: 'C-SSRS not done today (last one on another day)' }]);

      h.facts(s1, { fastingAttestedAt: iso(now, -24 * 60) });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.fasting', message: 'fasting not attested today' }]);

      h.facts(s1, (f) => ({ ...f, baselineVitals: { ...f.baselineVitals!, takenAt: iso(now, -75) } }));
      await h.refused(s1, h.clin.token, DOSE_80, [
        { requirement: 'predose.baseline-vitals', message: 'baseline vitals older than 60 min (taken 1 h 15 min ago)' },
      ]);

      h.facts(s1, { baselineVitals: null });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.baseline-vitals', message: 'baseline vitals not recorded' }]);

      h.facts(s1, (f) => ({ ...f, staff: f.staff.filter((s) => s.userId !== 'therapist-2') }));
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'staff.therapists', message: '2 therapists must be present (1 present)' }]);

      h.facts(s1, { prohibitedMedications: ['MAOI'] });
      await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.prohibited-medication', message: 'prohibited medication recorded: MAOI' }]);

      h.facts(s1);
      await h.refused(s1, h.clin.token, { type: 'DOSE_INITIAL', data: { amountMg: 120 } }, [
        { requirement: 'dose.amount', message: 'dosing session 1 gives 80 mg, not 120 mg' },
      ]);

      // several at once, each in its own words
      h.facts(s1, (f) => ({ ...f, pregnancyTest: null, staff: [], prohibitedMedications: ['MAOI'] }));
      await h.refused(s1, h.clin.token, { type: 'DOSE_INITIAL', data: { amountMg: 40 } }, [
        { requirement: 'dose.amount', message: 'dosing session 1 gives 80 mg, not 40 mg' },
        { requirement: 'predose.pregnancy-test', message: 'pre-dose checklist: pregnancy test not recorded' },
        { requirement: 'staff.therapists', message: '2 therapists must be present (0 present)' },
        { requirement: 'predose.prohibited-medication', message: 'prohibited medication recorded: MAOI' },
      ]);
      h.facts(s1);
      expect(await h.auditCount(s1, 'session.transition')).toBe(1); // START only
    });

    it('pre-dose gate: an outdated consent needs re-consent (study raised consent.requiredVersion to 2.0)', async () => {
      const study = await h.study('GATES-RECONSENT');
      const participantId = await h.participant(study.id, '1.0');
      const config = await h.configure(study.id, { consent: { requiredVersion: '2.0' } });
      expect(config.parameters.consent.requiredVersion).toBe('2.0');
      const created = await h.t.http.post(`/api/v1/participants/${participantId}/sessions`).set(bearer(h.inv.token)).send({ phase: 'dosing' });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await h.ok(id, h.clin.token, { type: 'START' });
      await h.refused(id, h.clin.token, DOSE_80, [
        { requirement: 'predose.consent', message: 'consent version 1.0 is signed, the protocol requires 2.0: re-consent first' },
      ]);
      await h.courseEvent(participantId, { type: 'CONSENT_SIGNED', data: { consentVersion: '2.0' } });
      expect((await h.ok(id, h.clin.token, DOSE_80)).state).toBe('monitoring.acute');
    });

    it('ABORT needs an exit kind and a reason; only an investigator stops a session', async () => {
      const exits = 'exit must be one of emergency_transfer, left_against_advice, stopped_by_investigator, other';
      await h.refused(s1, h.clin.token, { type: 'ABORT', reason: 'participant wants to leave' }, [{ requirement: 'exit.kind', message: exits }]);
      await h.refused(s1, h.clin.token, { type: 'ABORT', data: { exit: 'walked_out' }, reason: 'gone' }, [{ requirement: 'exit.kind', message: exits }]);
      await h.refused(s1, h.clin.token, { type: 'ABORT', data: { exit: 'left_against_advice' } }, [
        { requirement: 'reason', message: 'ending a session early needs a reason' },
      ]);
      await h.refused(s1, h.clin.token, { type: 'ABORT' }, [
        { requirement: 'exit.kind', message: exits },
        { requirement: 'reason', message: 'ending a session early needs a reason' },
      ]);
      await h.refused(s1, h.clin.token, { type: 'ABORT', data: { exit: 'stopped_by_investigator' }, reason: 'unsafe' }, [
        { requirement: 'role.investigator', message: 'only an investigator can stop a session' },
      ]);
    });

    it('GET /sessions/:id shows blocked events with the same unmet, and nextEvents once the facts are complete', async () => {
      h.facts(s1, { pregnancyTest: { result: 'negative', takenAt: iso(h.t.clock.now().toISOString(), -50 * 60) } });
      const blocked = await h.view(s1);
      expect(blocked.state).toBe('preDose');
      expect(blocked.nextEvents).not.toContain('DOSE_INITIAL');
      expect(blocked.nextEvents).toContain('ABORT');
      expect(blocked.blocked).toContainEqual({ type: 'DOSE_INITIAL', unmet: [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }] });
      const body = await h.refused(s1, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }]);
      expect(body.unmet).toEqual(blocked.blocked.find((b) => b.type === 'DOSE_INITIAL')!.unmet);

      // the C-SSRS at 00:30 Amsterdam (23:30 UTC the day before) is today's: the site's day counts
      h.facts(s1, { cssrs: { at: '2026-03-01T23:30:00.000Z', positive: false, riskAssessmentRecorded: false } });
      const ready = await h.view(s1);
      expect(ready.nextEvents).toEqual(expect.arrayContaining(['DOSE_INITIAL', 'ABORT']));
      expect(ready.blocked.find((b) => b.type === 'DOSE_INITIAL')).toBeUndefined();

      const dosed = await h.ok(s1, h.clin.token, DOSE_80);
      expect(dosed).toMatchObject({ state: 'monitoring.acute', doseAt: T0, version: 3 });
      h.facts(s1);
      s2 = (await h.dosingSession(studyId)).id;
      expect((await h.ok(s2, h.clin.token, DOSE_80)).doseAt).toBe(T0);
    });

    it('supplemental dose and recovery before the window opens (times in the site zone)', async () => {
      h.t.clock.set(iso(T0, 10));
      await h.refused(s1, h.inv.token, SUPPLEMENTAL_40, [{ requirement: 'supplemental.window', message: 'supplemental window opens at 09:30' }]);
      await h.refused(s1, h.clin.token, { type: 'BEGIN_RECOVERY' }, [
        { requirement: 'supplemental.decision', message: 'supplemental dose not decided (window closes at 10:30)' },
      ]);
      const view = await h.view(s1);
      expect(view.blocked).toEqual(
        expect.arrayContaining([
          { type: 'DOSE_SUPPLEMENTAL', unmet: [{ requirement: 'supplemental.window', message: 'supplemental window opens at 09:30' }] },
          { type: 'BEGIN_RECOVERY', unmet: [{ requirement: 'supplemental.decision', message: 'supplemental dose not decided (window closes at 10:30)' }] },
        ]),
      );
    });

    it('supplemental dose in its window: investigator, reason, fresh vitals, BP, amount; once; then recovery and discharge before the minimum time', async () => {
      h.t.clock.set(iso(T0, 100)); // 08:40 UTC, 09:40 in Amsterdam
      const now = h.t.clock.now().toISOString();
      await h.refused(s1, h.clin.token, SUPPLEMENTAL_40, [{ requirement: 'role.investigator', message: 'an investigator must decide on the supplemental dose' }]);
      await h.refused(s1, h.inv.token, { type: 'DOSE_SUPPLEMENTAL', data: { amountMg: 40 } }, [
        { requirement: 'reason', message: 'the supplemental-dose decision needs a reason' },
      ]);
      h.facts(s1, (f) => ({ ...f, latestVitals: { ...f.latestVitals!, takenAt: iso(now, -20) } }));
      await h.refused(s1, h.inv.token, SUPPLEMENTAL_40, [
        { requirement: 'supplemental.vitals', message: 'vitals must be taken within 15 min before the supplemental dose (last at 09:20)' },
      ]);
      h.facts(s1, { latestVitals: null });
      await h.refused(s1, h.inv.token, SUPPLEMENTAL_40, [
        { requirement: 'supplemental.vitals', message: 'vitals must be taken within 15 min before the supplemental dose' },
      ]);
      h.facts(s1, (f) => ({ ...f, alarms: { ...f.alarms, bpAbove180: true } }));
      await h.refused(s1, h.inv.token, SUPPLEMENTAL_40, [{ requirement: 'supplemental.blood-pressure', message: 'BP above 180/120: supplemental dose refused' }]);
      h.facts(s1);
      await h.refused(s1, h.inv.token, { ...SUPPLEMENTAL_40, data: { amountMg: 80 } }, [
        { requirement: 'dose.amount', message: 'the supplemental dose of session 1 is 40 mg' },
      ]);
      await h.refused(s1, h.inv.token, { type: 'DECLINE_SUPPLEMENTAL' }, [{ requirement: 'reason', message: 'declining the supplemental dose needs a reason' }]);

      const given = await h.ok(s1, h.inv.token, SUPPLEMENTAL_40);
      expect(given.state).toBe('monitoring.settled');
      // a second supplemental dose is refused by the gate, in words
      await h.refused(s1, h.inv.token, SUPPLEMENTAL_40, [{ requirement: 'supplemental.once', message: 'the supplemental dose has already been given' }]);

      expect((await h.ok(s1, h.clin.token, { type: 'BEGIN_RECOVERY' })).state).toBe('monitoring.recovery');
      await h.refused(s1, h.clin.token, { type: 'DISCHARGE' }, [
        { requirement: 'discharge.overnight', message: 'the protocol requires an overnight stay before discharge' },
        { requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 6 h 20 min left' },
      ]);
      await h.refused(s1, h.clin.token, { type: 'START_OVERNIGHT' }, [
        { requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 6 h 20 min left' },
      ]);
    });

    it('after the window; a medical hold is resolved by an investigator only; a window closed during the hold counts as decided', async () => {
      h.t.clock.set(iso(T0, 160)); // the window closed at 10:30 Amsterdam; no tick yet
      expect((await h.view(s2)).state).toBe('monitoring.acute');
      await h.refused(s2, h.inv.token, SUPPLEMENTAL_40, [{ requirement: 'supplemental.window', message: 'supplemental window closed at 10:30' }]);

      await h.refused(s2, h.clin.token, { type: 'RAISE_HOLD' }, [{ requirement: 'reason', message: 'a medical hold needs a reason' }]);
      expect((await h.ok(s2, h.clin.token, { type: 'RAISE_HOLD', reason: 'chest pain' })).state).toBe('monitoring.hold');
      await h.refused(s2, h.clin.token, { type: 'RESOLVE_HOLD', reason: 'ECG normal' }, [
        { requirement: 'role.investigator', message: 'only an investigator can resolve a medical hold' },
      ]);
      await h.refused(s2, h.inv.token, { type: 'RESOLVE_HOLD' }, [{ requirement: 'reason', message: 'resolving a medical hold needs a reason' }]);

      // the window timer fires during the hold: recorded, the session stays on hold
      await h.t.tick();
      expect((await h.view(s2)).state).toBe('monitoring.hold');
      expect((await h.audit(s2)).find((e) => e.action === 'session.transition')).toMatchObject({
        username: 'system',
        newValue: { state: 'monitoring.hold', event: 'SUPPLEMENTAL_WINDOW_CLOSED' },
      });
      // the decision was made during the hold (window closed), so monitoring resumes as settled
      expect((await h.ok(s2, h.inv.token, { type: 'RESOLVE_HOLD', reason: 'ECG normal' })).state).toBe('monitoring.settled');
      await h.refused(s2, h.inv.token, SUPPLEMENTAL_40, [
        { requirement: 'supplemental.once', message: 'the supplemental dose was not given in its window' },
        { requirement: 'supplemental.window', message: 'supplemental window closed at 10:30' },
      ]);
      await h.refused(s2, h.inv.token, { type: 'DECLINE_SUPPLEMENTAL', reason: 'too late' }, [
        { requirement: 'supplemental.once', message: 'the supplemental dose has already been decided' },
      ]);
      expect((await h.ok(s2, h.clin.token, { type: 'BEGIN_RECOVERY' })).state).toBe('monitoring.recovery');
    });

    it('discharge and the overnight stay: minimum time, alarms, C-SSRS, discharge checklist, attendant', async () => {
      h.t.clock.set(iso(T0, 480)); // 8 h after the dose: 16:00 Amsterdam
      await h.refused(s1, h.clin.token, { type: 'DISCHARGE' }, [
        { requirement: 'discharge.overnight', message: 'the protocol requires an overnight stay before discharge' },
      ]);
      const overnightNeeded = { requirement: 'discharge.overnight', message: 'the protocol requires an overnight stay before discharge' };
      h.facts(s1, (f) => ({ ...f, alarms: { ...f.alarms, openPhysiological: 2 } }));
      await h.refused(s1, h.clin.token, { type: 'DISCHARGE' }, [overnightNeeded, { requirement: 'discharge.alarms', message: '2 physiological alarms not cleared' }]);
      h.facts(s1, { cssrs: { at: h.t.clock.now().toISOString(), positive: true, riskAssessmentRecorded: false } });
      await h.refused(s1, h.clin.token, { type: 'DISCHARGE' }, [
        overnightNeeded,
        { requirement: 'discharge.cssrs', message: 'C-SSRS positive: risk assessment or safety plan not recorded' },
      ]);
      h.facts(s1, (f) => ({ ...f, checklists: { ...f.checklists, discharge: { ...f.checklists.discharge, signed: false } } }));
      await h.refused(s1, h.clin.token, { type: 'DISCHARGE' }, [overnightNeeded, { requirement: 'discharge.signed', message: 'discharge checklist: not signed' }]);
      h.facts(s1, (f) => ({ ...f, staff: f.staff.filter((s) => s.role !== 'attendant') }));
      await h.refused(s1, h.clin.token, { type: 'START_OVERNIGHT' }, [{ requirement: 'staff.attendant', message: 'an overnight attendant must be named' }]);
      h.facts(s1);
      expect((await h.ok(s1, h.clin.token, { type: 'START_OVERNIGHT' })).state).toBe('overnight');

      h.t.clock.set(iso(T0, 600)); // 18:00 Amsterdam; the stay ends no earlier than midnight
      await h.refused(s1, h.clin.token, { type: 'END_OVERNIGHT' }, [
        { requirement: 'overnight.minimum-time', message: 'the overnight stay ends no earlier than 2026-03-03 00:00' },
      ]);
      h.t.clock.set(iso(T0, 960));
      h.facts(s1, (f) => ({ ...f, alarms: { ...f.alarms, openPhysiological: 1 } }));
      await h.refused(s1, h.clin.token, { type: 'END_OVERNIGHT' }, [{ requirement: 'discharge.alarms', message: '1 physiological alarm not cleared' }]);
      h.facts(s1);
      expect((await h.ok(s1, h.clin.token, { type: 'END_OVERNIGHT' })).state).toBe('discharged');
      const closed = await h.ok(s1, h.clin.token, { type: 'CLOSE' });
      expect(closed).toMatchObject({ state: 'closed', nextEvents: [], blocked: [] });
      await h.refused(s1, h.clin.token, { type: 'RAISE_HOLD', reason: 'late' }, [{ requirement: 'state', message: 'the record is closed (state closed)' }]);
    });
  });

  describe('overrides', () => {
    let session: string;
    let invToken: string; // a fresh login: its first signature needs the username

    beforeAll(async () => {
      // the next morning (08:00 Amsterdam): the test facts are "today's" again after local midnight
      h.t.clock.set(iso(T0, 24 * 60));
      invToken = await login(h.t, h.inv.username, h.inv.password);
      session = (await h.dosingSession(studyId)).id;
      h.facts(session, { pregnancyTest: { result: 'negative', takenAt: iso(h.t.clock.now().toISOString(), -72 * 60) } });
    });

    const body = (extra: object = {}) => ({ requirement: 'predose.pregnancy-test', reason: 'lab confirmed negative by phone', ...extra });

    it('refuses: first signature without username (400), wrong password (403, no deviation), a clinician (403)', async () => {
      const noUsername = await h.override(session, invToken, body({ password: h.inv.password }));
      expect(noUsername.status).toBe(400);
      expect(noUsername.body).toMatchObject({ type: '/problems/validation', errors: { username: [expect.any(String)] } });

      const wrong = await h.override(session, invToken, body({ password: 'not-the-password', username: h.inv.username }));
      expect(wrong.status).toBe(403);
      expect(wrong.body.type).toBe('/problems/forbidden');

      const clinician = await h.override(session, h.clin.token, body({ password: h.clin.password, username: h.clin.username }));
      expect(clinician.status).toBe(403);
      expect(clinician.body.type).toBe('/problems/forbidden');

      expect(await h.deviations(session)).toEqual([]);
      expect(await h.auditCount(session, 'session.override')).toBe(0);
    });

    it('refuses a requirement that blocks nothing now (400) and one that can never be overridden (409)', async () => {
      const notBlocking = await h.override(session, invToken, { requirement: 'predose.fasting', reason: 'x', password: h.inv.password, username: h.inv.username });
      expect(notBlocking.status).toBe(400);
      expect(notBlocking.body.type).toBe('/problems/validation');
      expect(notBlocking.body.errors.requirement[0]).toContain('predose.pregnancy-test');
      for (const requirement of ['supplemental.once', 'role.investigator']) {
        const res = await h.override(session, invToken, { requirement, reason: 'x', password: h.inv.password, username: h.inv.username });
        expect(res.status).toBe(409);
        expect(res.body.type).toBe('/problems/conflict');
      }
      expect(await h.deviations(session)).toEqual([]);
    });

    it('an investigator override with a signature lets the refused DOSE_INITIAL through once and records a deviation', async () => {
      await h.refused(session, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }]);
      const res = await h.override(session, invToken, body({ password: h.inv.password, username: h.inv.username }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        sessionId: session,
        requirement: 'predose.pregnancy-test',
        message: 'pregnancy test older than 48 h',
        reason: 'lab confirmed negative by phone',
        investigatorId: h.inv.id,
        signatureId: expect.any(String),
        deviationId: expect.any(String),
      });

      // the override waives that one requirement only: a wrong amount is still refused, and does not use it up
      await h.refused(session, h.clin.token, { type: 'DOSE_INITIAL', data: { amountMg: 120 } }, [
        { requirement: 'dose.amount', message: 'dosing session 1 gives 80 mg, not 120 mg' },
      ]);
      const dosed = await h.ok(session, h.clin.token, DOSE_80);
      expect(dosed.state).toBe('monitoring.acute');
      expect((await h.audit(session)).find((e) => e.action === 'session.transition')!.newValue).toMatchObject({
        event: 'DOSE_INITIAL',
        overridden: ['predose.pregnancy-test'],
      });

      const deviations = await h.deviations(session);
      expect(deviations).toEqual([
        expect.objectContaining({
          id: res.body.deviationId,
          category: 'gate-override',
          requirement: 'predose.pregnancy-test',
          description: expect.stringContaining('lab confirmed negative by phone'),
          important: true,
          overrideId: res.body.id,
        }),
      ]);

      // spent: used by DOSE_INITIAL, no unused override left on the session
      const rows = await h.t.dataSource.getRepository(GateOverride).find({ where: { sessionId: session } });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ usedByEvent: 'DOSE_INITIAL', usedAt: expect.any(Date) });

      // the same requirement in another session blocks again (overrides belong to one session)
      const other = (await h.dosingSession(studyId)).id;
      h.facts(other, { pregnancyTest: { result: 'negative', takenAt: iso(h.t.clock.now().toISOString(), -72 * 60) } });
      await h.refused(other, h.clin.token, DOSE_80, [{ requirement: 'predose.pregnancy-test', message: 'pregnancy test older than 48 h' }]);
      await h.ok(other, h.inv.token, { type: 'ABORT', data: { exit: 'stopped_by_investigator' }, reason: 'pregnancy test to be repeated' });
    });

    it('is spent after one step: a requirement that comes back in the same session blocks again (esketamine device interval)', async () => {
      const study = await h.study('GATES-ESK', { dosing: { perSession: [{ initialMg: 84, supplementalMg: null }] } }, { protocolId: 'esketamine-rems', protocolVersion: '1.0.0' });
      const id = (await h.dosingSession(study.id)).id;
      const device = (seq: number) => ({ type: 'DOSE_DEVICE', data: { amountMg: 28, deviceSeq: seq } });
      const start = h.t.clock.now().toISOString();
      expect((await h.ok(id, h.clin.token, device(1))).state).toBe('dosing');
      h.t.clock.advance(1 * MIN);
      const local = (minutes: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso(start, minutes)));
      await h.refused(id, h.clin.token, device(2), [{ requirement: 'dose.device-interval', message: `next device at ${local(5)} (5 min after the previous one)` }]);
      const res = await h.override(id, invToken, { requirement: 'dose.device-interval', reason: 'participant cannot wait', password: h.inv.password });
      expect(res.status).toBe(201);
      expect((await h.ok(id, h.clin.token, device(2))).state).toBe('dosing');
      h.t.clock.advance(1 * MIN);
      await h.refused(id, h.clin.token, device(3), [{ requirement: 'dose.device-interval', message: `next device at ${local(6)} (5 min after the previous one)` }]);
      expect(await h.deviations(id)).toHaveLength(1);
      h.t.clock.advance(5 * MIN);
      expect((await h.ok(id, h.clin.token, device(3))).state).toBe('monitoring.acute');
    });
  });

  describe('concurrency', () => {
    it('5 concurrent START on one session version: exactly one 200, the others 409, version +1', async () => {
      const session = await h.dosingSession(studyId, { start: false });
      expect(session).toMatchObject({ state: 'scheduled', version: 1 });
      const tokens = [h.clin.token, h.clin2.token, h.inv.token, h.inv2.token, h.clin.token];
      const results = await Promise.all(tokens.map((token) => h.send(session.id, token, { type: 'START' })));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) {
        expect(['/problems/version-conflict', '/problems/protocol-refused']).toContain(r.body.type);
      }
      const view = await h.view(session.id);
      expect(view).toMatchObject({ state: 'preDose', version: 2 });
      expect((await h.audit(session.id)).filter((e) => e.action === 'session.transition')).toHaveLength(1);

      // the same for the dose, which also schedules the day's timers: one dose, one set of timers
      const doses = await Promise.all(tokens.map((token) => h.send(session.id, token, DOSE_80)));
      expect(doses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
      const dosed = await h.view(session.id);
      expect(dosed).toMatchObject({ state: 'monitoring.acute', version: 3 });
      expect(dosed.schedule).toHaveLength(12);
    });

    it('a stale expectedVersion is a 409 version-conflict and changes nothing', async () => {
      const session = await h.dosingSession(studyId);
      expect(session.version).toBe(2);
      const stale = await h.send(session.id, h.clin.token, { ...DOSE_80, expectedVersion: 1 });
      expect(stale.status).toBe(409);
      expect(stale.headers['content-type']).toMatch(PROBLEM);
      expect(stale.body.type).toBe('/problems/version-conflict');
      expect(await h.view(session.id)).toMatchObject({ state: 'preDose', version: 2 });
      expect((await h.ok(session.id, h.clin.token, { ...DOSE_80, expectedVersion: 2 })).version).toBe(3);
    });
  });

  describe('protocol versions', () => {
    it('a session started on 1.0.0 stays on 1.0.0 when 2.0.0 is registered; a new study picks 2.0.0', async () => {
      const old = await h.view(s2);
      expect(old.protocol).toEqual({ id: 'mdma-ptsd', version: '1.0.0' });

      const v2: ProtocolParameters = {
        ...MDMA_PTSD_DEFAULTS,
        dosing: { ...MDMA_PTSD_DEFAULTS.dosing, supplementalWindowMinutes: { from: 60, to: 120 } },
        monitoring: { ...MDMA_PTSD_DEFAULTS.monitoring, minimumMinutes: 600 },
      };
      registerProtocol(defineProtocol({ id: 'mdma-ptsd', version: '2.0.0', title: 'MDMA-assisted therapy for PTSD, v2', phases: ['preparation', 'dosing', 'integration', 'follow-up'], defaults: v2 }));

      const list = await h.t.http.get('/api/v1/protocols').set(bearer(h.inv.token));
      expect(list.body.filter((p: { id: string }) => p.id === 'mdma-ptsd').map((p: { version: string }) => p.version).sort()).toEqual(['1.0.0', '2.0.0']);

      const created = await h.t.http.post('/api/v1/studies').set(bearer(h.admin)).send({ code: 'GATES-V2', title: 'v2', protocolId: 'mdma-ptsd' });
      expect(created.status).toBe(201);
      expect(created.body.protocol).toEqual({ id: 'mdma-ptsd', version: '2.0.0' });
      await h.configure(created.body.id, { course: { preparationSessions: 0 } });
      const fresh = await h.dosingSession(created.body.id);
      expect(fresh.protocol).toEqual({ id: 'mdma-ptsd', version: '2.0.0' });
      const dosed = await h.ok(fresh.id, h.clin.token, DOSE_80);
      expect(dosed.blocked).toContainEqual({
        type: 'BEGIN_RECOVERY',
        unmet: [{ requirement: 'supplemental.decision', message: `supplemental dose not decided (window closes at ${new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso(dosed.doseAt!, 120)))})` }],
      });

      // the old session keeps its version and goes on on the 1.0.0 machine
      const again = await h.view(s2);
      expect(again.protocol).toEqual({ id: 'mdma-ptsd', version: '1.0.0' });
      expect(again.state).toBe('monitoring.recovery');
      expect((await h.ok(s2, h.clin.token, { type: 'START_OVERNIGHT' })).protocol.version).toBe('1.0.0');
    });
  });
});

describe('durable timers on the injected clock (e2e)', () => {
  it('schedules the vitals checks at the dose, fires each once when due, and closes the supplemental window through the event path', async () => {
    const h = await Harness.boot(T0);
    try {
      const studyId = (await h.study('TIMERS')).id;
      const session = (await h.dosingSession(studyId)).id;
      expect((await h.view(session)).schedule).toEqual([]);
      const dosed = await h.ok(session, h.clin.token, DOSE_80);
      const minutes = [30, 60, 90, 120, 150, 180, 210, 240, 300, 360, 420, 480];
      expect(dosed.schedule).toEqual(minutes.map((m) => ({ key: `vitals+${m}`, dueAt: iso(T0, m), doneAt: null, firedAt: null })));

      expect(await h.t.tick()).toBe(0);
      h.t.clock.set(iso(T0, 31));
      expect(await h.t.tick()).toBe(1);
      const after = await h.view(session);
      expect(after.schedule[0]).toEqual({ key: 'vitals+30', dueAt: iso(T0, 30), doneAt: null, firedAt: iso(T0, 31) });
      expect(after.schedule.slice(1).every((s) => s.firedAt === null)).toBe(true);
      expect(await h.firedByKey(session)).toEqual({ 'vitals+30': 1 });
      expect(await h.t.tick()).toBe(0);
      expect(await h.firedByKey(session)).toEqual({ 'vitals+30': 1 });

      // two ticks at once on one instance: each due task fires once
      h.t.clock.set(iso(T0, 61));
      await Promise.all([h.t.tick(), h.t.tick()]);
      expect(await h.firedByKey(session)).toEqual({ 'vitals+30': 1, 'vitals+60': 1 });

      // the window closes at +150: the undecided session settles, sent by the system through the event path
      h.t.clock.set(iso(T0, 151));
      expect((await h.view(session)).state).toBe('monitoring.acute');
      expect(await h.t.tick()).toBe(4); // vitals+90, +120, +150 and the window
      const settled = await h.view(session);
      expect(settled).toMatchObject({ state: 'monitoring.settled', version: 4 });
      const transition = (await h.audit(session)).find((e) => e.action === 'session.transition')!;
      expect(transition).toMatchObject({
        userId: null,
        username: 'system',
        oldValue: { state: 'monitoring.acute', version: 3 },
        newValue: { state: 'monitoring.settled', version: 4, event: 'SUPPLEMENTAL_WINDOW_CLOSED' },
      });
      expect(await h.firedByKey(session)).toEqual({
        'vitals+30': 1,
        'vitals+60': 1,
        'vitals+90': 1,
        'vitals+120': 1,
        'vitals+150': 1,
        'supplemental-window-closes': 1,
      });
      expect(await h.t.tick()).toBe(0);
      // SUPPLEMENTAL_WINDOW_CLOSED is Vigil's own event
      const internal = await h.send(session, h.inv.token, { type: 'SUPPLEMENTAL_WINDOW_CLOSED' });
      expect(internal.status).toBe(400);
    } finally {
      await h.t.close();
    }
  });

  it('survives restarts mid-dosing: what came due while down fires once, and never twice across instances', async () => {
    const first = await Harness.boot(T0);
    const db = first.t.db;
    const apps: TestApp[] = [first.t];
    const closed = new Set<TestApp>();
    const stop = async (app: TestApp) => {
      closed.add(app);
      await app.app.close();
    };
    try {
      const studyId = (await first.study('RESTART')).id;
      const session = (await first.dosingSession(studyId)).id;
      await first.ok(session, first.clin.token, DOSE_80);
      await stop(first.t); // the application stops; the database stays

      // second instance, 65 min after the dose
      const second = new Harness(await createTestApp(ENV, { testFacts: true, db, now: iso(T0, 65) }));
      apps.push(second.t);
      Object.assign(second, { inv: first.inv, inv2: first.inv2, clin: first.clin, clin2: first.clin2, auditor: first.auditor, siteId: first.siteId });
      await second.signInAgain();
      expect((await second.view(session)).state).toBe('monitoring.acute');
      expect(await second.firedByKey(session)).toEqual({});
      expect(await second.t.tick()).toBe(2);
      expect(await second.firedByKey(session)).toEqual({ 'vitals+30': 1, 'vitals+60': 1 });
      const fired = (await second.view(session)).schedule.filter((s) => s.firedAt).map((s) => [s.key, s.firedAt]);
      expect(fired).toEqual([
        ['vitals+30', iso(T0, 65)],
        ['vitals+60', iso(T0, 65)],
      ]);
      await stop(second.t);

      // third instance, same time: nothing fires again
      const third = new Harness(await createTestApp(ENV, { testFacts: true, db, now: iso(T0, 65) }));
      apps.push(third.t);
      Object.assign(third, { inv: first.inv, inv2: first.inv2, clin: first.clin, clin2: first.clin2, auditor: first.auditor, siteId: first.siteId });
      await third.signInAgain();
      expect(await third.t.tick()).toBe(0);
      expect(await third.firedByKey(session)).toEqual({ 'vitals+30': 1, 'vitals+60': 1 });
      // the restored session goes on: the window closes on the third instance's clock
      third.t.clock.set(iso(T0, 151));
      expect(await third.t.tick()).toBe(4);
      expect((await third.view(session)).state).toBe('monitoring.settled');
      expect(await third.t.tick()).toBe(0);

      // two instances on one database at once, both ticking: the claim lets each task fire once
      const fourth = await createTestApp(ENV, { testFacts: true, db, now: iso(T0, 211) });
      apps.push(fourth);
      third.t.clock.set(iso(T0, 211));
      const [a, b] = await Promise.all([third.t.tick(), fourth.tick()]);
      expect(a + b).toBe(2); // vitals+180 and vitals+210
      expect(await Promise.all([third.t.tick(), fourth.tick()])).toEqual([0, 0]);

      const counts = await third.firedByKey(session);
      expect(counts).toEqual({
        'vitals+30': 1,
        'vitals+60': 1,
        'vitals+90': 1,
        'vitals+120': 1,
        'vitals+150': 1,
        'supplemental-window-closes': 1,
        'vitals+180': 1,
        'vitals+210': 1,
      });
    } finally {
      for (const app of apps) if (!closed.has(app)) await app.app.close().catch(() => undefined);
      await db.dispose();
    }
  });
});
