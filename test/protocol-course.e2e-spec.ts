import type { Response } from 'supertest';
import { ADMIN_PASSWORD, adminToken, bearer, createSite, createTestApp, createUser, login, TestApp } from './support/app';

/**
 * Participants' courses and their sessions, through the HTTP API only (plus the audit trail):
 * a whole MDMA course, a psilocybin and an esketamine dosing day, course endings, a missed visit
 * window, the study configuration, the protocol catalogue, and who may do what where.
 *
 * One application for the file; every test makes its own study and participants and moves the
 * clock forward only, starting on a fresh morning (07:00 UTC) so that no dosing day crosses the
 * site's midnight. Tokens are renewed by signing in again whenever the clock jumped further than
 * an idle session (or a session's maximum length) would survive.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TZ = 'Europe/Amsterdam';

interface Actor {
  username: string;
  password: string;
  id: string;
  token: string;
  lastAt: number;
  loginAt: number;
}

interface Unmet {
  requirement: string;
  message: string;
}

interface TaskView {
  id: string;
  sessionId: string | null;
  kind: string;
  key: string;
  label: string;
  dueAt: string;
  firedAt: string | null;
  doneAt: string | null;
}

interface AuditView {
  seq: number;
  action: string;
  entityType: string;
  entityId: string;
  oldValue: Record<string, unknown> | null;
  newValue: Record<string, unknown> | null;
  reason: string | null;
  username: string | null;
}

/** Site-local "HH:MM", as the refusal messages spell times. */
const hhmm = (at: string | number | Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));

describe('protocol courses and sessions (e2e)', () => {
  let t: TestApp;
  let siteA: string;
  let siteB: string;
  let admin: Actor;
  let inv: Actor;
  let clin: Actor;
  let mon: Actor;
  let aud: Actor;
  let invB: Actor;

  const now = () => t.clock.now().getTime();
  const iso = () => t.clock.now().toISOString();

  const actor = (username: string, password: string, id: string, token: string): Actor => ({ username, password, id, token, lastAt: now(), loginAt: now() });

  /** Headers for an actor, signing in again when the session would have gone idle or expired. */
  async function auth(a: Actor) {
    if (now() - a.lastAt > 25 * MIN || now() - a.loginAt > 11 * HOUR) {
      a.token = await login(t, a.username, a.password);
      a.loginAt = now();
    }
    a.lastAt = now();
    return bearer(a.token);
  }

  async function get(a: Actor, path: string): Promise<Response> {
    return t.http.get(`/api/v1${path}`).set(await auth(a));
  }
  async function post(a: Actor, path: string, body: object = {}): Promise<Response> {
    return t.http.post(`/api/v1${path}`).set(await auth(a)).send(body);
  }
  async function put(a: Actor, path: string, body: object): Promise<Response> {
    return t.http.put(`/api/v1${path}`).set(await auth(a)).send(body);
  }

  /** The body, after checking the status (the error names the request and shows the body). */
  function ok<T = any>(res: Response, status = 200): T {
    if (res.status !== status) {
      const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
      throw new Error(`${req?.method} ${req?.path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as T;
  }

  /** A 409 protocol refusal; returns its unmet requirements. */
  function refused(res: Response): Unmet[] {
    ok(res, 409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/protocol-refused', status: 409 });
    expect(Array.isArray(res.body.unmet)).toBe(true);
    expect(res.body.unmet.length).toBeGreaterThan(0);
    return res.body.unmet;
  }
  const requirements = (unmet: Unmet[]) => unmet.map((u) => u.requirement);

  /** Moves the clock forward to the next day at `hourUtc`:00 UTC. */
  function nextMorning(hourUtc = 7) {
    const d = t.clock.now();
    const target = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1, hourUtc);
    t.clock.set(new Date(target));
  }
  const advance = (minutes: number) => t.clock.advance(minutes * MIN);
  function setClock(at: number) {
    if (at < now()) throw new Error('the clock only moves forward in this suite');
    t.clock.set(new Date(at));
  }

  // ---- domain helpers ----------------------------------------------------------------------------

  async function createStudy(code: string, protocolId: string) {
    return ok<{ id: string; code: string; protocol: { id: string; version: string }; configurationVersion: number }>(
      await post(admin, '/studies', { code, title: `Study ${code}`, protocolId }),
      201,
    );
  }

  async function createParticipant(studyId: string, code: string, extra: object = {}, by: Actor = inv) {
    return ok(await post(by, '/participants', { studyId, siteId: siteA, code, ...extra }), 201);
  }

  const courseEvent = (pid: string, type: string, extra: object = {}, by: Actor = inv) => post(by, `/participants/${pid}/events`, { type, ...extra });
  const sessionEvent = (sid: string, type: string, extra: object = {}, by: Actor = inv) => post(by, `/sessions/${sid}/events`, { type, ...extra });
  const createSession = (pid: string, phase: string, by: Actor = inv, extra: object = {}) => post(by, `/participants/${pid}/sessions`, { phase, ...extra });
  const participant = async (pid: string, by: Actor = inv) => ok(await get(by, `/participants/${pid}`));
  const session = async (sid: string, by: Actor = inv) => ok(await get(by, `/sessions/${sid}`));

  async function step(sid: string, type: string, expectedState: string, extra: object = {}, by: Actor = inv) {
    const view = ok(await sessionEvent(sid, type, extra, by));
    expect(view.state).toBe(expectedState);
    return view;
  }

  async function consentAndEligibility(pid: string) {
    const consented = ok(await courseEvent(pid, 'CONSENT_SIGNED', { data: { consentVersion: '1.0' } }));
    expect(consented.course.state).toBe('screening.eligibility');
    expect(consented.course.consentVersion).toBe('1.0');
    return ok(await courseEvent(pid, 'ELIGIBILITY_CONFIRMED'));
  }

  /** A non-drug visit: create, START, CLOSE. */
  async function visit(pid: string, phase: string) {
    const s = ok(await createSession(pid, phase), 201);
    expect(s).toMatchObject({ phase, state: 'scheduled', participantId: pid });
    await step(s.id, 'START', 'inProgress.active');
    const closed = await step(s.id, 'CLOSE', 'closed');
    expect(closed.endedAt).toBe(iso());
    return closed;
  }

  async function tasksOf(pid: string, by: Actor = inv): Promise<TaskView[]> {
    return ok<TaskView[]>(await get(by, `/participants/${pid}/tasks`));
  }

  async function auditOf(entityType: string, entityId: string): Promise<AuditView[]> {
    return ok<AuditView[]>(await get(aud, `/audit?entityType=${entityType}&entityId=${entityId}&limit=1000`));
  }

  /**
   * An MDMA dosing day from a fresh morning: START, the initial dose, the supplemental dose given
   * (an investigator's decision with a reason) or declined, recovery, the overnight stay from the
   * 8 h minimum, the next morning's END_OVERNIGHT and CLOSE. Returns the closed session's view.
   */
  async function mdmaDosingDay(pid: string, n: number, supplemental: 'give' | 'decline' = 'give') {
    const initialMg = n === 1 ? 80 : 120;
    const supplementalMg = n === 1 ? 40 : 60;
    const created = ok(await createSession(pid, 'dosing'), 201);
    expect(created).toMatchObject({ phase: 'dosing', sessionNumber: n, state: 'scheduled', responsibleInvestigatorId: inv.id, configurationVersion: 1 });
    expect(created.nextEvents).toContain('START');
    const sid = created.id as string;
    const started = await step(sid, 'START', 'preDose');
    expect(started.startedAt).toBe(iso());
    expect(started.nextEvents).toContain('DOSE_INITIAL');
    // the dose is the session's planned one, nothing else
    const wrong = refused(await sessionEvent(sid, 'DOSE_INITIAL', { data: { amountMg: n === 1 ? 120 : 80 } }));
    expect(wrong).toEqual([{ requirement: 'dose.amount', message: `dosing session ${n} gives ${initialMg} mg, not ${n === 1 ? 120 : 80} mg` }]);
    const doseAt = now();
    const dosed = await step(sid, 'DOSE_INITIAL', 'monitoring.acute', { data: n === 1 ? { amountMg: initialMg, administeredAt: iso() } : { amountMg: initialMg } });
    expect(dosed.doseAt).toBe(new Date(doseAt).toISOString());
    expect(dosed.blocked.find((b: { type: string }) => b.type === 'DOSE_SUPPLEMENTAL').unmet).toEqual([
      { requirement: 'supplemental.window', message: `supplemental window opens at ${hhmm(doseAt + 90 * MIN)}` },
    ]);
    expect(dosed.schedule.map((s: { key: string }) => s.key)).toContain('vitals+480');

    if (supplemental === 'give') {
      refused(await sessionEvent(sid, 'DOSE_SUPPLEMENTAL', { data: { amountMg: supplementalMg }, reason: 'too early' }));
      setClock(doseAt + 100 * MIN);
      const inWindow = await session(sid);
      expect(inWindow.nextEvents).toEqual(expect.arrayContaining(['DOSE_SUPPLEMENTAL', 'DECLINE_SUPPLEMENTAL']));
      const given = await step(sid, 'DOSE_SUPPLEMENTAL', 'monitoring.settled', { data: { amountMg: supplementalMg }, reason: 'vitals stable, participant agrees' });
      expect(given.nextEvents).toContain('BEGIN_RECOVERY');
    } else {
      await step(sid, 'DECLINE_SUPPLEMENTAL', 'monitoring.settled', { reason: 'participant declines' });
    }
    await step(sid, 'BEGIN_RECOVERY', 'monitoring.recovery');

    // the overnight stay starts after the 8 h minimum, no earlier
    setClock(doseAt + 8 * HOUR - MIN);
    const early = refused(await sessionEvent(sid, 'START_OVERNIGHT'));
    expect(early).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 min left' }]);
    advance(1);
    const overnight = await step(sid, 'START_OVERNIGHT', 'overnight');
    const overnightAt = now();
    expect(overnight.nextEvents).not.toContain('END_OVERNIGHT');
    // discharge waits for the night: END_OVERNIGHT at least 8 h after it started
    setClock(overnightAt + 7 * HOUR);
    expect(requirements(refused(await sessionEvent(sid, 'END_OVERNIGHT')))).toEqual(['overnight.minimum-time']);
    nextMorning(7);
    expect(now() - overnightAt).toBeGreaterThanOrEqual(8 * HOUR);
    await step(sid, 'END_OVERNIGHT', 'discharged');
    const closed = await step(sid, 'CLOSE', 'closed');
    expect(closed.endedAt).toBe(iso());
    expect(closed.nextEvents).toEqual([]);
    return { ...closed, doseAt: new Date(doseAt).toISOString() };
  }

  beforeAll(async () => {
    t = await createTestApp({}, { testFacts: true, now: '2026-03-02T07:00:00.000Z' });
    const adminTok = await adminToken(t);
    admin = actor('admin', ADMIN_PASSWORD, '', adminTok);
    siteA = (await createSite(t, adminTok, 'CRS-A')).id;
    siteB = (await createSite(t, adminTok, 'CRS-B')).id;
    const make = async (username: string, roles: string[], sites: string[]) => {
      const u = await createUser(t, adminTok, username, roles, sites);
      return actor(username, u.password, u.id, u.token);
    };
    inv = await make('inv.course', ['investigator'], [siteA]);
    clin = await make('clin.course', ['clinician'], [siteA]);
    mon = await make('mon.course', ['monitor'], [siteA]);
    aud = await make('aud.course', ['auditor'], [siteA]);
    invB = await make('inv.other', ['investigator'], [siteB]);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => t.facts.clear());

  // ---- 1 -------------------------------------------------------------------------------------------

  it('runs a full MDMA course: consent, 3 preparations, 3 dosing days with integration, follow-up, completed', async () => {
    nextMorning(7);
    const study = await createStudy('MDMA-FULL', 'mdma-ptsd');
    expect(study.protocol).toEqual({ id: 'mdma-ptsd', version: '1.0.0' });
    const p = await createParticipant(study.id, 'M-001', { sex: 'F', birthYear: 1985, childbearingPotential: true });
    const pid = p.id as string;
    expect(p.course.state).toBe('screening.consent');
    expect(p.course.nextEvents).toContain('CONSENT_SIGNED');
    expect(p.course.nextEvents).not.toContain('ELIGIBILITY_CONFIRMED');

    // nothing can start before consent
    const tooSoon = refused(await createSession(pid, 'preparation'));
    expect(tooSoon).toEqual([{ requirement: 'course.phase', message: 'the course is in screening.consent: no session can start' }]);
    // a consent needs the version signed
    expect(requirements(refused(await courseEvent(pid, 'CONSENT_SIGNED', { data: {} })))).toEqual(['consent.version']);

    const consented = ok(await courseEvent(pid, 'CONSENT_SIGNED', { data: { consentVersion: '1.0' } }));
    expect(consented.course).toMatchObject({ state: 'screening.eligibility', consentVersion: '1.0', consentedAt: iso() });
    expect(consented.course.nextEvents).toEqual(expect.arrayContaining(['ELIGIBILITY_CONFIRMED', 'SCREEN_FAILED', 'WITHDRAW_CONSENT']));
    const eligible = ok(await courseEvent(pid, 'ELIGIBILITY_CONFIRMED'));
    expect(eligible.course.state).toBe('preparation');
    expect(eligible.course.nextEvents).toEqual(expect.arrayContaining(['DISCONTINUE_TREATMENT', 'WITHDRAW_CONSENT', 'LOST_TO_FOLLOW_UP', 'DEATH']));
    expect(eligible.course.nextEvents).not.toContain('COMPLETE');

    // preparation: dosing is not allowed yet, and one session at a time
    const noDosing = refused(await createSession(pid, 'dosing'));
    expect(noDosing).toEqual([{ requirement: 'course.phase', message: 'the course is in preparation: only preparation sessions can start' }]);
    for (let i = 1; i <= 3; i++) {
      const prep = ok(await createSession(pid, 'preparation'), 201);
      expect(prep).toMatchObject({ phase: 'preparation', sessionNumber: i, state: 'scheduled', protocol: { id: 'mdma-ptsd', version: '1.0.0' } });
      if (i === 1) {
        const second = refused(await createSession(pid, 'preparation'));
        expect(second).toEqual([{ requirement: 'session.open', message: 'the preparation session 1 is still open' }]);
      }
      await step(prep.id, 'START', 'inProgress.active');
      await step(prep.id, 'CLOSE', 'closed');
      const after = await participant(pid);
      expect(after.course.counts.preparation).toBe(i);
      expect(after.course.state).toBe(i < 3 ? 'preparation' : 'treatment.dosing');
      advance(2 * 24 * 60);
    }

    const dosingIds: string[] = [];
    for (let n = 1; n <= 3; n++) {
      nextMorning(7);
      const before = await participant(pid);
      expect(before.course.state).toBe('treatment.dosing');
      refused(await createSession(pid, 'integration'));
      const day = await mdmaDosingDay(pid, n);
      dosingIds.push(day.id);
      const doseAt = new Date(day.doseAt).getTime();

      const afterDosing = await participant(pid);
      expect(afterDosing.course.state).toBe('treatment.integration');
      expect(afterDosing.course.counts).toMatchObject({ preparation: 3, dosing: n, integration: 0 });

      // seven daily phone contacts after the dosing day, one a day from the dose
      const contacts = (await tasksOf(pid)).filter((task) => task.kind === 'follow-up-contact' && task.sessionId === day.id);
      expect(contacts.map((c) => c.key)).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => `contact-${n}-day-${d}`));
      expect(contacts.map((c) => c.dueAt)).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => new Date(doseAt + d * DAY).toISOString()));

      // three integration sessions: the morning after, then weekly
      refused(await createSession(pid, 'dosing'));
      for (let i = 1; i <= 3; i++) {
        const integration = await visit(pid, 'integration');
        expect(integration.sessionNumber).toBe(i);
        if (i < 3) setClock(now() + 7 * DAY);
      }
      const afterIntegration = await participant(pid);
      expect(afterIntegration.course.state).toBe(n < 3 ? 'treatment.dosing' : 'followUp');
      // the next dosing day about four weeks after this one
      if (n < 3) setClock(doseAt + 28 * DAY - 7 * HOUR);
    }

    const inFollowUp = await participant(pid);
    expect(inFollowUp.course.state).toBe('followUp');
    expect(inFollowUp.course.counts).toMatchObject({ preparation: 3, dosing: 3 });
    expect(inFollowUp.course.nextEvents).toEqual(expect.arrayContaining(['COMPLETE', 'LOST_TO_FOLLOW_UP']));
    expect(inFollowUp.course.nextEvents).not.toContain('DISCONTINUE_TREATMENT');
    refused(await createSession(pid, 'dosing'));
    nextMorning(8);
    const followUp = await visit(pid, 'follow-up');
    expect(followUp.sessionNumber).toBe(1);
    const completed = ok(await courseEvent(pid, 'COMPLETE'));
    expect(completed.course.state).toBe('completed');
    expect(completed.course.nextEvents).toEqual([]);
    expect(completed.course.counts).toEqual({ preparation: 3, dosing: 3, integration: 3, followUp: 1 });
    refused(await createSession(pid, 'follow-up'));

    // every session of the course, newest first, all closed
    const sessions = ok<{ id: string; phase: string; state: string; sessionNumber: number; endedAt: string | null }[]>(await get(inv, `/participants/${pid}/sessions`));
    expect(sessions).toHaveLength(3 + 3 * 4 + 1);
    expect(sessions.every((s) => s.state === 'closed' && s.endedAt)).toBe(true);
    const byPhase = (phase: string) => sessions.filter((s) => s.phase === phase);
    expect(byPhase('preparation')).toHaveLength(3);
    expect(byPhase('dosing').map((s) => s.id)).toEqual([...dosingIds].reverse());
    expect(byPhase('dosing').map((s) => s.sessionNumber)).toEqual([3, 2, 1]);
    expect(byPhase('integration')).toHaveLength(9);
    expect(byPhase('follow-up')).toHaveLength(1);
    expect(sessions[0].phase).toBe('follow-up');
    expect(sessions[sessions.length - 1].phase).toBe('preparation');

    // the audit trail has each transition with its event, from and to
    const trail = (await auditOf('session', dosingIds[1])).filter((e) => e.action === 'session.transition');
    const path = trail.map((e) => [e.newValue?.event, e.oldValue?.state, e.newValue?.state]).reverse();
    expect(path).toEqual([
      ['START', 'scheduled', 'preDose'],
      ['DOSE_INITIAL', 'preDose', 'monitoring.acute'],
      ['DOSE_SUPPLEMENTAL', 'monitoring.acute', 'monitoring.settled'],
      ['BEGIN_RECOVERY', 'monitoring.settled', 'monitoring.recovery'],
      ['START_OVERNIGHT', 'monitoring.recovery', 'overnight'],
      ['END_OVERNIGHT', 'overnight', 'discharged'],
      ['CLOSE', 'discharged', 'closed'],
    ]);
    const supplemental = trail.find((e) => e.newValue?.event === 'DOSE_SUPPLEMENTAL')!;
    expect(supplemental).toMatchObject({ username: inv.username, reason: 'vitals stable, participant agrees', newValue: { data: { amountMg: 60 } } });
    const courseTrail = (await auditOf('participant', pid)).filter((e) => e.action === 'participant.course-event');
    expect(courseTrail.map((e) => e.newValue?.event)).toEqual(expect.arrayContaining(['CONSENT_SIGNED', 'ELIGIBILITY_CONFIRMED', 'COMPLETE', 'SESSION_CLOSED']));
    expect(courseTrail[0]).toMatchObject({ oldValue: { state: 'followUp' }, newValue: { state: 'completed', event: 'COMPLETE' } });
    const refusals = (await auditOf('session', dosingIds[0])).filter((e) => e.action === 'session.event-refused');
    expect(refusals.map((e) => e.newValue?.event)).toEqual(expect.arrayContaining(['DOSE_INITIAL', 'DOSE_SUPPLEMENTAL', 'START_OVERNIGHT', 'END_OVERNIGHT']));
  });

  // ---- 2 -------------------------------------------------------------------------------------------

  it('runs a psilocybin dosing day: 25 mg, no supplemental, 5 h minimum, follow-up visits on days 2, 8, 15, 29, 43', async () => {
    nextMorning(7);
    const study = await createStudy('PSI-1', 'psilocybin-trd');
    const p = await createParticipant(study.id, 'S-001');
    const pid = p.id as string;
    expect((await consentAndEligibility(pid)).course.state).toBe('preparation');
    await visit(pid, 'preparation');
    expect((await participant(pid)).course.state).toBe('treatment.dosing');

    // dosing two days after the preparation session (Oregon: 24 h to 90 days)
    setClock(now() + 2 * DAY);
    const s = ok(await createSession(pid, 'dosing'), 201);
    const sid = s.id as string;
    await step(sid, 'START', 'preDose');
    const doseAt = now();
    const dosed = await step(sid, 'DOSE_INITIAL', 'monitoring.acute', { data: { amountMg: 25 } });
    expect(dosed.nextEvents).not.toContain('DOSE_SUPPLEMENTAL');
    expect(dosed.nextEvents).toContain('BEGIN_RECOVERY');
    // a step the protocol does not have is neither offered nor listed as blocked
    expect(dosed.blocked.map((b: { type: string }) => b.type)).not.toContain('DOSE_SUPPLEMENTAL');
    // there is no supplemental dose, not even later and with a reason
    advance(100);
    const supplemental = refused(await sessionEvent(sid, 'DOSE_SUPPLEMENTAL', { data: { amountMg: 12.5 }, reason: 'asked for more' }));
    expect(supplemental).toEqual([{ requirement: 'supplemental.not-planned', message: 'this session has no supplemental dose' }]);
    await step(sid, 'BEGIN_RECOVERY', 'monitoring.recovery');
    // no overnight stay in this protocol
    expect(requirements(refused(await sessionEvent(sid, 'START_OVERNIGHT')))).toContain('overnight.not-planned');

    // Oregon preset: 25 mg needs 5 h
    setClock(doseAt + 4 * HOUR);
    const early = refused(await sessionEvent(sid, 'DISCHARGE'));
    expect(early).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 h left' }]);
    setClock(doseAt + 5 * HOUR - MIN);
    const almost = refused(await sessionEvent(sid, 'DISCHARGE'));
    expect(almost).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 min left' }]);
    expect(almost[0].message).toMatch(/^minimum monitoring time not reached: .+ left$/);
    advance(1);
    expect((await session(sid)).nextEvents).toContain('DISCHARGE');
    await step(sid, 'DISCHARGE', 'discharged');
    await step(sid, 'CLOSE', 'closed');
    expect((await participant(pid)).course.state).toBe('treatment.integration');

    // follow-up visit windows from the dose, each with its ±2 d window; 24 h reachability
    const tasks = await tasksOf(pid);
    const followUps = tasks.filter((task) => task.kind === 'visit-window' && task.key.startsWith('follow-up-day-'));
    expect(followUps.map((f) => f.key)).toEqual([2, 8, 15, 29, 43].map((d) => `follow-up-day-${d}-window`));
    expect(followUps.map((f) => f.dueAt)).toEqual([2, 8, 15, 29, 43].map((d) => new Date(doseAt + (d + 2) * DAY).toISOString()));
    expect(followUps.map((f) => f.label)).toEqual([2, 8, 15, 29, 43].map((d) => `Follow-up visit on day ${d} (±2 d)`));
    expect(tasks.find((task) => task.kind === 'reachability')).toMatchObject({ key: 'reachability-1', sessionId: sid });
    expect(tasks.filter((task) => task.kind === 'follow-up-contact')).toEqual([]);

    // integration the next day, then follow-up
    nextMorning(8);
    await visit(pid, 'integration');
    const inFollowUp = await participant(pid);
    expect(inFollowUp.course.state).toBe('followUp');
    expect(inFollowUp.course.nextEvents).not.toContain('COMPLETE');
    expect(inFollowUp.course.blocked).toEqual(
      expect.arrayContaining([{ type: 'COMPLETE', unmet: [{ requirement: 'follow-up.visits', message: '5 of 5 follow-up visits not done' }] }]),
    );

    const days = [2, 8, 15, 29, 43];
    for (let i = 0; i < days.length; i++) {
      const unmet = refused(await courseEvent(pid, 'COMPLETE'));
      expect(unmet).toEqual([{ requirement: 'follow-up.visits', message: `${5 - i} of 5 follow-up visits not done` }]);
      setClock(doseAt + days[i] * DAY + HOUR);
      const v = await visit(pid, 'follow-up');
      expect(v.sessionNumber).toBe(i + 1);
    }
    const done = await participant(pid);
    expect(done.course.counts.followUp).toBe(5);
    expect(done.course.nextEvents).toContain('COMPLETE');
    expect(ok(await courseEvent(pid, 'COMPLETE')).course.state).toBe('completed');
  });

  // ---- 3 -------------------------------------------------------------------------------------------

  it('runs an esketamine session: two devices 5 min apart, at least 2 h and until sedation and dissociation resolve', async () => {
    nextMorning(7);
    const study = await createStudy('ESK-1', 'esketamine-rems');
    const p = await createParticipant(study.id, 'K-001');
    const pid = p.id as string;
    // no preparation sessions in this protocol: straight to dosing
    expect((await consentAndEligibility(pid)).course.state).toBe('treatment.dosing');
    refused(await createSession(pid, 'preparation'));
    // a clinician may create the session when it names the responsible investigator
    const noInvestigator = ok(await createSession(pid, 'dosing', clin), 400);
    expect(noInvestigator).toMatchObject({ type: '/problems/validation', errors: { responsibleInvestigatorId: expect.any(Array) } });
    const s = ok(await createSession(pid, 'dosing', clin, { responsibleInvestigatorId: inv.id }), 201);
    expect(s.responsibleInvestigatorId).toBe(inv.id);
    const sid = s.id as string;
    await step(sid, 'START', 'preDose', {}, clin);

    const firstAt = now();
    const first = await step(sid, 'DOSE_DEVICE', 'dosing', { data: { deviceSeq: 1, amountMg: 28 } }, clin);
    expect(first.doseAt).toBe(new Date(firstAt).toISOString());
    expect(first.blocked.find((b: { type: string }) => b.type === 'DOSE_DEVICE').unmet).toEqual([
      { requirement: 'dose.device-interval', message: `next device at ${hhmm(firstAt + 5 * MIN)} (5 min after the previous one)` },
    ]);
    advance(4);
    const tooSoon = refused(await sessionEvent(sid, 'DOSE_DEVICE', { data: { deviceSeq: 2, amountMg: 28 } }, clin));
    expect(tooSoon).toEqual([{ requirement: 'dose.device-interval', message: `next device at ${hhmm(firstAt + 5 * MIN)} (5 min after the previous one)` }]);
    expect(tooSoon[0].message).toMatch(/^next device at \d\d:\d\d/);
    advance(1);
    // in sequence, and each device is 28 mg
    expect(requirements(refused(await sessionEvent(sid, 'DOSE_DEVICE', { data: { deviceSeq: 3, amountMg: 28 } }, clin)))).toEqual(['dose.device-sequence']);
    expect(requirements(refused(await sessionEvent(sid, 'DOSE_DEVICE', { data: { deviceSeq: 2, amountMg: 56 } }, clin)))).toEqual(['dose.amount']);
    const second = await step(sid, 'DOSE_DEVICE', 'monitoring.acute', { data: { deviceSeq: 2, amountMg: 28 } }, clin);
    // both devices (56 mg): monitoring, timed from the first device
    expect(second.doseAt).toBe(new Date(firstAt).toISOString());
    expect(second.nextEvents).not.toContain('DOSE_DEVICE');
    expect(second.schedule.map((x: { key: string }) => x.key)).toEqual(['vitals+40', 'vitals+120']);
    expect(requirements(refused(await sessionEvent(sid, 'DOSE_DEVICE', { data: { deviceSeq: 3, amountMg: 28 } }, clin)))).toEqual(['state']);
    await step(sid, 'BEGIN_RECOVERY', 'monitoring.recovery', {}, clin);

    setClock(firstAt + 119 * MIN);
    const early = refused(await sessionEvent(sid, 'DISCHARGE', {}, clin));
    expect(early).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 min left' }]);

    // two hours, but sedation and dissociation not assessed as resolved
    setClock(firstAt + 120 * MIN);
    t.facts.set(sid, (facts) => ({ ...facts, assessments: { ...facts.assessments, sedationResolved: false, dissociationResolved: null } }));
    const notResolved = refused(await sessionEvent(sid, 'DISCHARGE', {}, clin));
    expect(requirements(notResolved).sort()).toEqual(['discharge.dissociation', 'discharge.sedation']);
    expect(notResolved.find((u) => u.requirement === 'discharge.sedation')!.message).toBe('sedation not assessed as resolved (MOAA/S)');
    const blocked = await session(sid, clin);
    expect(blocked.nextEvents).not.toContain('DISCHARGE');
    expect(requirements(blocked.blocked.find((b: { type: string }) => b.type === 'DISCHARGE').unmet).sort()).toEqual(['discharge.dissociation', 'discharge.sedation']);
    t.facts.set(sid, (facts) => ({ ...facts, assessments: { ...facts.assessments, respiratoryDepressionResolved: false } }));
    expect(requirements(refused(await sessionEvent(sid, 'DISCHARGE', {}, clin)))).toEqual(['discharge.respiration']);

    // everything resolved at 2 h: discharged
    t.facts.clear(sid);
    expect((await session(sid, clin)).nextEvents).toContain('DISCHARGE');
    await step(sid, 'DISCHARGE', 'discharged', {}, clin);
    await step(sid, 'CLOSE', 'closed', {}, clin);
    // induction continues: the course waits for the next dosing session
    const after = await participant(pid);
    expect(after.course.state).toBe('treatment.dosing');
    expect(after.course.counts.dosing).toBe(1);
  });

  // ---- 4 -------------------------------------------------------------------------------------------

  it("keeps a dosing day's safety flow after a withdrawal, and tells the course endings apart", async () => {
    nextMorning(7);
    const study = await createStudy('MDMA-END', 'mdma-ptsd');

    // withdrawal during a dosing day
    const w = (await createParticipant(study.id, 'W-001')).id as string;
    await consentAndEligibility(w);
    for (let i = 0; i < 3; i++) await visit(w, 'preparation');
    nextMorning(7);
    const sid = ok(await createSession(w, 'dosing'), 201).id as string;
    await step(sid, 'START', 'preDose');
    const doseAt = now();
    await step(sid, 'DOSE_INITIAL', 'monitoring.acute', { data: { amountMg: 80 } });
    advance(30);
    expect(requirements(refused(await courseEvent(w, 'WITHDRAW_CONSENT')))).toEqual(['reason']);
    const withdrawn = ok(await courseEvent(w, 'WITHDRAW_CONSENT', { reason: 'participant no longer wishes to take part' }));
    expect(withdrawn.course.state).toBe('ended.withdrawn');
    expect(withdrawn.course.ending).toEqual({ kind: 'WITHDRAW_CONSENT', reason: 'participant no longer wishes to take part', at: iso() });
    expect(withdrawn.course.nextEvents).not.toContain('DISCONTINUE_TREATMENT');

    // the day goes on: a hold by the monitor, resolved by the investigator, recovery, the night, close
    const held = await step(sid, 'RAISE_HOLD', 'monitoring.hold', { reason: 'participant distressed, BP rising' }, mon);
    expect(held.holdReason).toBe('participant distressed, BP rising');
    expect(requirements(refused(await sessionEvent(sid, 'RESOLVE_HOLD', {}, inv)))).toEqual(['reason']);
    const resolved = await step(sid, 'RESOLVE_HOLD', 'monitoring.acute', { reason: 'BP back to baseline' }, inv);
    expect(resolved.holdReason).toBeNull();
    await step(sid, 'DECLINE_SUPPLEMENTAL', 'monitoring.settled', { reason: 'consent withdrawn' });
    await step(sid, 'BEGIN_RECOVERY', 'monitoring.recovery');
    setClock(doseAt + 8 * HOUR);
    await step(sid, 'START_OVERNIGHT', 'overnight');
    nextMorning(7);
    await step(sid, 'END_OVERNIGHT', 'discharged');
    await step(sid, 'CLOSE', 'closed');
    const afterDay = await participant(w);
    expect(afterDay.course.state).toBe('ended.withdrawn');
    expect(afterDay.course.counts.dosing).toBe(0);
    for (const phase of ['integration', 'dosing', 'follow-up']) {
      expect(refused(await createSession(w, phase))).toEqual([{ requirement: 'course.phase', message: 'the course is in ended.withdrawn: no session can start' }]);
    }
    expect(requirements(refused(await courseEvent(w, 'DISCONTINUE_TREATMENT', { reason: 'x' })))).toEqual(['state']);
    const wTrail = (await auditOf('session', sid)).filter((e) => e.action === 'session.transition').map((e) => e.newValue?.event);
    expect(wTrail).toEqual(expect.arrayContaining(['RAISE_HOLD', 'RESOLVE_HOLD', 'CLOSE']));

    // discontinuing treatment keeps follow-up
    const d = (await createParticipant(study.id, 'D-001')).id as string;
    await consentAndEligibility(d);
    await visit(d, 'preparation');
    expect(requirements(refused(await courseEvent(d, 'DISCONTINUE_TREATMENT')))).toEqual(['reason']);
    const discontinued = ok(await courseEvent(d, 'DISCONTINUE_TREATMENT', { reason: 'adverse event' }));
    expect(discontinued.course).toMatchObject({ state: 'followUp', discontinued: true, ending: { kind: 'DISCONTINUE_TREATMENT', reason: 'adverse event' } });
    expect(discontinued.course.nextEvents).toEqual(expect.arrayContaining(['COMPLETE', 'LOST_TO_FOLLOW_UP']));
    expect(refused(await createSession(d, 'dosing'))).toEqual([{ requirement: 'course.phase', message: 'the course is in followUp: only follow-up sessions can start' }]);
    refused(await createSession(d, 'preparation'));
    await visit(d, 'follow-up');
    expect((await participant(d)).course.counts.followUp).toBe(1);

    // lost to follow-up (from follow-up)
    expect(requirements(refused(await courseEvent(d, 'LOST_TO_FOLLOW_UP', { reason: '  ' })))).toEqual(['reason']);
    const lost = ok(await courseEvent(d, 'LOST_TO_FOLLOW_UP', { reason: 'three calls unanswered' }));
    expect(lost.course.state).toBe('ended.lostToFollowUp');
    expect(lost.course.ending).toMatchObject({ kind: 'LOST_TO_FOLLOW_UP', reason: 'three calls unanswered' });
    refused(await createSession(d, 'follow-up'));

    // screen failure (from screening)
    const x = (await createParticipant(study.id, 'X-001')).id as string;
    ok(await courseEvent(x, 'CONSENT_SIGNED', { data: { consentVersion: '1.0' } }));
    expect(requirements(refused(await courseEvent(x, 'SCREEN_FAILED')))).toEqual(['reason']);
    const failed = ok(await courseEvent(x, 'SCREEN_FAILED', { reason: 'exclusion criterion 4' }));
    expect(failed.course.state).toBe('ended.screenFailed');
    expect(failed.course.ending).toMatchObject({ kind: 'SCREEN_FAILED', reason: 'exclusion criterion 4' });
    refused(await createSession(x, 'preparation'));

    // death (from preparation)
    const y = (await createParticipant(study.id, 'Y-001')).id as string;
    await consentAndEligibility(y);
    expect(requirements(refused(await courseEvent(y, 'DEATH')))).toEqual(['reason']);
    const dead = ok(await courseEvent(y, 'DEATH', { reason: 'road traffic accident, unrelated' }));
    expect(dead.course.state).toBe('ended.death');
    expect(dead.course.ending).toMatchObject({ kind: 'DEATH', reason: 'road traffic accident, unrelated' });
    refused(await createSession(y, 'preparation'));
    // an ended course takes no further step of the course
    expect(requirements(refused(await courseEvent(y, 'COMPLETE')))).toEqual(['state']);
    expect(requirements(refused(await courseEvent(y, 'LOST_TO_FOLLOW_UP', { reason: 'x' })))).toEqual(['state']);

    // four endings, four distinct states
    const states = await Promise.all([w, d, x, y].map(async (id) => (await participant(id)).course.state));
    expect(states).toEqual(['ended.withdrawn', 'ended.lostToFollowUp', 'ended.screenFailed', 'ended.death']);
    const endingAudit = (await auditOf('participant', y)).find((e) => e.newValue?.event === 'DEATH')!;
    expect(endingAudit).toMatchObject({ reason: 'road traffic accident, unrelated', oldValue: { state: 'preparation' }, newValue: { state: 'ended.death' } });
  });

  // ---- 5 -------------------------------------------------------------------------------------------

  it('records a missed-visit-window deviation when dosing session 2 does not start within 35 days', async () => {
    nextMorning(7);
    const study = await createStudy('MDMA-WIN', 'mdma-ptsd');
    const pid = (await createParticipant(study.id, 'V-001')).id as string;
    await consentAndEligibility(pid);
    for (let i = 0; i < 3; i++) await visit(pid, 'preparation');
    nextMorning(7);
    const day = await mdmaDosingDay(pid, 1, 'decline');
    const doseAt = new Date(day.doseAt).getTime();
    for (let i = 0; i < 3; i++) {
      await visit(pid, 'integration');
      setClock(now() + 3 * DAY);
    }
    expect((await participant(pid)).course.state).toBe('treatment.dosing');
    const window = (await tasksOf(pid)).find((task) => task.key === 'dosing-2-window')!;
    expect(window).toMatchObject({ kind: 'visit-window', sessionId: day.id, dueAt: new Date(doseAt + 35 * DAY).toISOString(), firedAt: null });

    // day 34: the window is still open
    setClock(doseAt + 34 * DAY);
    await t.tick();
    expect(ok(await get(inv, `/participants/${pid}/deviations`))).toEqual([]);

    // day 35 passed without session 2
    setClock(doseAt + 35 * DAY + MIN);
    expect(await t.tick()).toBeGreaterThan(0);
    const deviations = ok<Record<string, unknown>[]>(await get(inv, `/participants/${pid}/deviations`));
    expect(deviations).toHaveLength(1);
    expect(deviations[0]).toMatchObject({
      participantId: pid,
      sessionId: day.id,
      category: 'missed-visit-window',
      requirement: 'dosing-2-window',
      important: true,
      recordedBy: null,
      occurredAt: iso(),
    });
    expect(deviations[0].description).toBe('Missed visit window: Dosing session 2 due within 21–35 days');
    expect(ok(await get(inv, `/sessions/${day.id}/deviations`))).toEqual(deviations);
    const fired = (await tasksOf(pid)).find((task) => task.key === 'dosing-2-window')!;
    expect(fired.firedAt).toBe(iso());

    const trail = (await auditOf('participant', pid)).filter((e) => e.action === 'deviation.recorded');
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ username: 'system', newValue: { id: deviations[0].id, category: 'missed-visit-window', requirement: 'dosing-2-window' } });

    // a second tick records nothing more; the late session can still start
    await t.tick();
    expect(ok<unknown[]>(await get(inv, `/participants/${pid}/deviations`))).toHaveLength(1);
    ok(await createSession(pid, 'dosing'), 201);
  });

  // ---- 6 -------------------------------------------------------------------------------------------

  it('versions, validates and audits the study configuration; a session keeps the version it was created with', async () => {
    nextMorning(7);
    const study = await createStudy('MDMA-CFG', 'mdma-ptsd');
    expect(study.configurationVersion).toBe(1);
    const protocol = ok(await get(inv, '/protocols/mdma-ptsd'));
    const v1 = ok(await get(clin, `/studies/${study.id}/configuration`));
    expect(v1).toMatchObject({ studyId: study.id, version: 1 });
    expect(v1.parameters).toEqual(protocol.defaults);
    expect(v1.parameters.monitoring.minimumMinutes).toBe(480);
    expect(v1.parameters.dosing.perSession).toEqual([
      { initialMg: 80, supplementalMg: 40 },
      { initialMg: 120, supplementalMg: 60 },
      { initialMg: 120, supplementalMg: 60 },
    ]);

    // two participants ready for dosing; the first one's session starts under version 1
    const a = (await createParticipant(study.id, 'C-001')).id as string;
    const b = (await createParticipant(study.id, 'C-002')).id as string;
    for (const pid of [a, b]) {
      await consentAndEligibility(pid);
      for (let i = 0; i < 3; i++) await visit(pid, 'preparation');
    }
    nextMorning(7);
    const sa = ok(await createSession(a, 'dosing'), 201);
    expect(sa.configurationVersion).toBe(1);
    await step(sa.id, 'START', 'preDose');

    // a clinician cannot change it
    const forbidden = ok(await put(clin, `/studies/${study.id}/configuration`, { parameters: { monitoring: { minimumMinutes: 540 } }, reason: 'x' }), 403);
    expect(forbidden.type).toBe('/problems/forbidden');

    const v2 = ok(await put(inv, `/studies/${study.id}/configuration`, { parameters: { monitoring: { minimumMinutes: 540 } }, reason: 'site SOP: 9 h minimum' }));
    expect(v2).toMatchObject({ studyId: study.id, version: 2, reason: 'site SOP: 9 h minimum', createdBy: inv.id });
    // a partial change merges into the current parameters
    expect(v2.parameters).toEqual({ ...v1.parameters, monitoring: { ...v1.parameters.monitoring, minimumMinutes: 540 } });
    expect(ok(await get(aud, `/studies/${study.id}/configuration`))).toMatchObject({ version: 2, parameters: { monitoring: { minimumMinutes: 540, overnightStay: true } } });
    expect(ok(await get(aud, `/studies/${study.id}`)).configurationVersion).toBe(2);

    const changes = (await auditOf('study', study.id)).filter((e) => e.action === 'study.configuration-changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      username: inv.username,
      reason: 'site SOP: 9 h minimum',
      oldValue: { version: 1, parameters: { monitoring: { minimumMinutes: 480 } } },
      newValue: { version: 2, parameters: { monitoring: { minimumMinutes: 540 } } },
    });

    // invalid values: 400 naming the field, and no new version
    const negative = ok(await put(inv, `/studies/${study.id}/configuration`, { parameters: { monitoring: { minimumMinutes: -5 } }, reason: 'typo' }), 400);
    expect(negative.type).toBe('/problems/validation');
    expect(Object.keys(negative.errors)).toEqual(['parameters.monitoring.minimumMinutes']);
    const notList = ok(await put(inv, `/studies/${study.id}/configuration`, { parameters: { vitals: { timepointsMinutes: 'x' } } }), 400);
    expect(notList.type).toBe('/problems/validation');
    expect(Object.keys(notList.errors)).toEqual(['parameters.vitals.timepointsMinutes']);
    const both = ok(await put(inv, `/studies/${study.id}/configuration`, { parameters: { monitoring: { minimumMinutes: 'nine hours' }, dosing: { deviceIntervalMinutes: -1 } } }), 400);
    expect(Object.keys(both.errors).sort()).toEqual(['parameters.dosing.deviceIntervalMinutes', 'parameters.monitoring.minimumMinutes']);
    expect(ok(await put(inv, `/studies/${study.id}/configuration`, { reason: 'no parameters' }), 400).errors).toHaveProperty('parameters');
    expect(ok(await get(inv, `/studies/${study.id}/configuration`)).version).toBe(2);

    // the session created after the change runs under version 2
    const sb = ok(await createSession(b, 'dosing'), 201);
    expect(sb.configurationVersion).toBe(2);
    await step(sb.id, 'START', 'preDose');
    const doseAt = now();
    for (const s of [sa, sb]) {
      await step(s.id, 'DOSE_INITIAL', 'monitoring.acute', { data: { amountMg: 80 } });
      await step(s.id, 'DECLINE_SUPPLEMENTAL', 'monitoring.settled', { reason: 'not needed' });
      await step(s.id, 'BEGIN_RECOVERY', 'monitoring.recovery');
    }
    setClock(doseAt + 8 * HOUR);
    await step(sa.id, 'START_OVERNIGHT', 'overnight');
    expect(refused(await sessionEvent(sb.id, 'START_OVERNIGHT'))).toEqual([{ requirement: 'discharge.minimum-time', message: 'minimum monitoring time not reached: 1 h left' }]);
    setClock(doseAt + 9 * HOUR);
    await step(sb.id, 'START_OVERNIGHT', 'overnight');
    expect((await session(sa.id)).configurationVersion).toBe(1);
    expect((await session(sb.id)).configurationVersion).toBe(2);
  });

  // ---- 7 -------------------------------------------------------------------------------------------

  it('describes the shipped protocols', async () => {
    const list = ok<{ id: string; version: string; title: string; phases: string[] }[]>(await get(clin, '/protocols'));
    expect(list.map((p) => p.id).sort()).toEqual(['esketamine-rems', 'mdma-ptsd', 'psilocybin-trd']);
    for (const p of list) {
      expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(p.title).toEqual(expect.any(String));
      expect(p.phases).toContain('dosing');
    }
    expect(list.find((p) => p.id === 'mdma-ptsd')!.phases).toEqual(['preparation', 'dosing', 'integration', 'follow-up']);
    expect(list.find((p) => p.id === 'esketamine-rems')!.phases).toEqual(['dosing', 'follow-up']);

    const mdma = ok(await get(mon, '/protocols/mdma-ptsd'));
    expect(mdma).toMatchObject({ id: 'mdma-ptsd', version: '1.0.0', phases: ['preparation', 'dosing', 'integration', 'follow-up'] });
    expect(Object.keys(mdma.machines).sort()).toEqual(['course', 'dosing', 'follow-up', 'integration', 'preparation']);
    for (const machine of Object.values(mdma.machines) as { states: Record<string, unknown> }[]) {
      expect(Object.keys(machine.states).length).toBeGreaterThan(2);
    }
    expect(Object.keys(mdma.machines.course.states)).toEqual(expect.arrayContaining(['screening', 'preparation', 'treatment', 'followUp', 'completed', 'ended']));
    expect(Object.keys(mdma.machines.course.states.ended.states).sort()).toEqual(['death', 'lostToFollowUp', 'screenFailed', 'withdrawn']);
    expect(Object.keys(mdma.machines.dosing.states)).toEqual(expect.arrayContaining(['scheduled', 'preDose', 'monitoring', 'overnight', 'discharged', 'exited', 'closed']));
    expect(Object.keys(mdma.machines.dosing.states.monitoring.states)).toEqual(expect.arrayContaining(['acute', 'settled', 'recovery', 'hold']));
    expect(Object.keys(mdma.machines.preparation.states)).toEqual(expect.arrayContaining(['scheduled', 'inProgress', 'closed']));
    expect(mdma.parameterSchema).toMatchObject({ type: 'object' });
    expect(Object.keys(mdma.parameterSchema.properties)).toEqual(expect.arrayContaining(['course', 'dosing', 'monitoring', 'vitals', 'validity']));
    expect(mdma.defaults).toMatchObject({
      course: { preparationSessions: 3, dosingSessions: 3, integrationSessionsPerDosing: 3, dailyContactDays: 7 },
      dosing: { supplementalWindowMinutes: { from: 90, to: 150 } },
      monitoring: { minimumMinutes: 480, overnightStay: true },
    });

    const esk = ok(await get(aud, '/protocols/esketamine-rems?version=1.0.0'));
    expect(Object.keys(esk.machines).sort()).toEqual(['course', 'dosing', 'follow-up']);
    expect(esk.defaults.dosing).toMatchObject({ deviceMg: 28, deviceIntervalMinutes: 5 });
    const psi = ok(await get(inv, '/protocols/psilocybin-trd'));
    expect(psi.defaults.course.followUpVisitDays).toEqual([2, 8, 15, 29, 43]);

    const missingVersion = ok(await get(inv, '/protocols/mdma-ptsd?version=9.9.9'), 404);
    expect(missingVersion.type).toBe('/problems/not-found');
    expect(ok(await get(inv, '/protocols/ayahuasca'), 404).type).toBe('/problems/not-found');
  });

  // ---- 8 -------------------------------------------------------------------------------------------

  it('lets a monitor raise a hold but not run the protocol, an investigator resolve it, and hides other sites', async () => {
    nextMorning(7);
    const study = await createStudy('MDMA-ROLE', 'mdma-ptsd');
    const pid = (await createParticipant(study.id, 'R-001', {}, clin)).id as string;
    await consentAndEligibility(pid);
    const sid = ok(await createSession(pid, 'preparation', clin, { responsibleInvestigatorId: inv.id }), 201).id as string;

    // a monitor watches: no protocol steps
    const forbidden = ok(await sessionEvent(sid, 'START', {}, mon), 403);
    expect(forbidden.type).toBe('/problems/forbidden');
    expect(ok(await courseEvent(pid, 'DISCONTINUE_TREATMENT', { reason: 'x' }, mon), 403).type).toBe('/problems/forbidden');
    expect(ok(await createSession(pid, 'preparation', mon), 403).type).toBe('/problems/forbidden');
    await step(sid, 'START', 'inProgress.active', {}, clin);
    ok(await sessionEvent(sid, 'CLOSE', {}, mon), 403);
    expect(requirements(refused(await sessionEvent(sid, 'RAISE_HOLD', {}, mon)))).toEqual(['reason']);
    await step(sid, 'RAISE_HOLD', 'inProgress.hold', { reason: 'panic attack' }, mon);

    // only an investigator resolves a hold
    const byClinician = refused(await sessionEvent(sid, 'RESOLVE_HOLD', { reason: 'calm again' }, clin));
    expect(byClinician).toEqual([{ requirement: 'role.investigator', message: 'only an investigator can resolve a medical hold' }]);
    expect(ok(await sessionEvent(sid, 'RESOLVE_HOLD', { reason: 'calm again' }, mon), 403).type).toBe('/problems/forbidden');
    // an override cannot waive who may act
    const override = ok(await post(inv, `/sessions/${sid}/overrides`, { requirement: 'role.investigator', reason: 'x', password: inv.password, username: inv.username }), 409);
    expect(override.type).toBe('/problems/conflict');
    await step(sid, 'RESOLVE_HOLD', 'inProgress.active', { reason: 'calm again, safety plan reviewed' }, inv);
    const trail = (await auditOf('session', sid)).filter((e) => e.action === 'session.transition');
    expect(trail.find((e) => e.newValue?.event === 'RAISE_HOLD')).toMatchObject({ username: mon.username, reason: 'panic attack', oldValue: { state: 'inProgress.active' }, newValue: { state: 'inProgress.hold' } });
    expect(trail.find((e) => e.newValue?.event === 'RESOLVE_HOLD')).toMatchObject({ username: inv.username, oldValue: { state: 'inProgress.hold' }, newValue: { state: 'inProgress.active' } });
    const refusals = (await auditOf('session', sid)).filter((e) => e.action === 'session.event-refused');
    expect(refusals.find((e) => e.username === clin.username)).toMatchObject({ newValue: { event: 'RESOLVE_HOLD', state: 'inProgress.hold' } });

    // the monitor reads the participant and the session
    expect((await participant(pid, mon)).course.state).toBe('preparation');
    expect((await session(sid, mon)).state).toBe('inProgress.active');

    // another site's investigator sees none of it
    for (const path of [`/participants/${pid}`, `/participants/${pid}/sessions`, `/participants/${pid}/tasks`, `/participants/${pid}/deviations`, `/sessions/${sid}`, `/sessions/${sid}/deviations`]) {
      const res = await get(invB, path);
      expect([path, res.status, res.body.type]).toEqual([path, 404, '/problems/not-found']);
    }
    expect(ok(await sessionEvent(sid, 'CLOSE', {}, invB), 404).type).toBe('/problems/not-found');
    expect(ok(await courseEvent(pid, 'WITHDRAW_CONSENT', { reason: 'x' }, invB), 404).type).toBe('/problems/not-found');
    expect(ok(await createSession(pid, 'preparation', invB), 404).type).toBe('/problems/not-found');
    expect(ok<unknown[]>(await get(invB, `/participants?studyId=${study.id}`))).toEqual([]);
    // and an investigator of another site cannot be made responsible here
    const foreign = ok(await post(clin, `/participants/${pid}/sessions`, { phase: 'preparation', responsibleInvestigatorId: invB.id }), 400);
    expect(foreign.errors).toHaveProperty('responsibleInvestigatorId');

    await step(sid, 'CLOSE', 'closed', {}, clin);
    expect((await participant(pid)).course.counts.preparation).toBe(1);
  });

  // ---- defects found in review ----------------------------------------------------------------------
  // Each of these failed on the first version of the engine; they keep the fixes in place.

  describe('defects found in review', () => {
    /** An MDMA participant through consent, eligibility and the 3 preparations, on a fresh morning. */
    async function readyForDosing(studyId: string, code: string) {
      const pid = (await createParticipant(studyId, code)).id as string;
      await consentAndEligibility(pid);
      for (let i = 0; i < 3; i++) await visit(pid, 'preparation');
      nextMorning(7);
      return pid;
    }

    it('an ended course is final: after WITHDRAW_CONSENT it offers no event and refuses DEATH', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-END', 'mdma-ptsd');
      const pid = (await createParticipant(study.id, 'E-001')).id as string;
      await consentAndEligibility(pid);
      ok(await courseEvent(pid, 'WITHDRAW_CONSENT', { reason: 'no longer wishes to take part' }));
      // course.machine.ts: the root-level CONSENT_SIGNED / WITHDRAW_CONSENT / DEATH stay active in ended.*
      expect((await participant(pid)).course.nextEvents).toEqual([]);
      const death = await courseEvent(pid, 'DEATH', { reason: 'later report' });
      expect(death.status).toBe(409);
      expect((await participant(pid)).course).toMatchObject({ state: 'ended.withdrawn', ending: { kind: 'WITHDRAW_CONSENT' } });
    });

    it('no dose after the participant withdrew consent before it (dosing session already started)', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-WD', 'mdma-ptsd');
      const pid = await readyForDosing(study.id, 'E-002');
      const sid = ok(await createSession(pid, 'dosing'), 201).id as string;
      await step(sid, 'START', 'preDose');
      ok(await courseEvent(pid, 'WITHDRAW_CONSENT', { reason: 'changed mind before the dose' }));
      expect(refused(await sessionEvent(sid, 'DOSE_INITIAL', { data: { amountMg: 80 } })).length).toBeGreaterThan(0);
    });

    it('no dose after DISCONTINUE_TREATMENT (dosing session created before it)', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-DC', 'mdma-ptsd');
      const pid = await readyForDosing(study.id, 'E-003');
      const sid = ok(await createSession(pid, 'dosing'), 201).id as string;
      ok(await courseEvent(pid, 'DISCONTINUE_TREATMENT', { reason: 'new exclusion finding' }));
      await step(sid, 'START', 'preDose');
      expect(refused(await sessionEvent(sid, 'DOSE_INITIAL', { data: { amountMg: 80 } })).length).toBeGreaterThan(0);
    });

    it('an unparseable administeredAt is a client error, not a 500', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-AT', 'mdma-ptsd');
      const pid = await readyForDosing(study.id, 'E-004');
      const sid = ok(await createSession(pid, 'dosing'), 201).id as string;
      await step(sid, 'START', 'preDose');
      const res = await sessionEvent(sid, 'DOSE_INITIAL', { data: { amountMg: 80, administeredAt: 'not-a-date' } });
      expect([400, 409]).toContain(res.status);
    });

    it('an unparseable signedAt on CONSENT_SIGNED is a client error, not a 500', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-SA', 'mdma-ptsd');
      const pid = (await createParticipant(study.id, 'E-005')).id as string;
      const res = await courseEvent(pid, 'CONSENT_SIGNED', { data: { consentVersion: '1.0', signedAt: 'garbage' } });
      expect([400, 409]).toContain(res.status);
    });

    it('a dose cannot be recorded as administered in the future', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-FUT', 'mdma-ptsd');
      const pid = await readyForDosing(study.id, 'E-006');
      const sid = ok(await createSession(pid, 'dosing'), 201).id as string;
      await step(sid, 'START', 'preDose');
      const res = await sessionEvent(sid, 'DOSE_INITIAL', { data: { amountMg: 80, administeredAt: new Date(now() + 2 * DAY).toISOString() } });
      expect([400, 409]).toContain(res.status);
      expect((await session(sid)).doseAt).toBeNull();
    });

    it('a configuration field the schema does not know (a typo) is refused, not silently dropped', async () => {
      nextMorning(7);
      const study = await createStudy('DEF-CFG', 'mdma-ptsd');
      const res = await put(inv, `/studies/${study.id}/configuration`, { parameters: { monitoring: { minimumMinute: 540 } }, reason: 'typo' });
      expect(res.status).toBe(400);
      // zod reports an unknown key on its object's path (parameters.monitoring), naming the key
      expect(Object.keys(res.body.errors ?? {}).some((k) => k.startsWith('parameters.monitoring'))).toBe(true);
      expect(JSON.stringify(res.body.errors)).toContain('minimumMinute');
      expect(ok(await get(inv, `/studies/${study.id}/configuration`)).version).toBe(1);
    });
  });
});
