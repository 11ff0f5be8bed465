import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * Issue 4 acceptance, with the application's own facts provider: the gates read the records a
 * clinician enters (checklists, staff, vitals, assessments) and a dosing session is refused for
 * each missing or stale item in turn, then accepted once everything is complete, fresh and signed.
 */
describe('clinical records feed the protocol gates (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let siteId: string;
  let inv: { id: string; token: string; password: string };
  let clin: { id: string; token: string; password: string };
  let nurse: { id: string; token: string; password: string };
  const T0 = '2026-06-01T06:00:00.000Z'; // 08:00 in Amsterdam (summer time)

  beforeAll(async () => {
    t = await createTestApp({ SESSION_IDLE_MINUTES: '2880', SESSION_MAX_HOURS: '96' }, { now: T0 });
    admin = await adminToken(t);
    siteId = (await createSite(t, admin, 'CLIN-1')).id;
    inv = await createUser(t, admin, 'inv.clin', ['investigator'], [siteId]);
    clin = await createUser(t, admin, 'clin.clin', ['clinician'], [siteId]);
    nurse = await createUser(t, admin, 'nurse.clin', ['clinician'], [siteId]);
  });
  afterAll(() => t.close());

  const minutes = (n: number) => t.clock.advance(n * 60_000);
  const now = () => t.clock.now().toISOString();

  async function dosingSession(protocolId: string, code: string, childbearingPotential = true) {
    const study = (await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code, title: code, protocolId }).expect(201)).body;
    await t.http.put(`/api/v1/studies/${study.id}/configuration`).set(bearer(inv.token)).send({ parameters: { course: { preparationSessions: 0 } } }).expect(200);
    const p = (await t.http.post('/api/v1/participants').set(bearer(clin.token)).send({ studyId: study.id, siteId, code: `${code}-P`, childbearingPotential }).expect(201)).body;
    await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(clin.token)).send({ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0' } }).expect(200);
    await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(clin.token)).send({ type: 'ELIGIBILITY_CONFIRMED' }).expect(200);
    const s = (await t.http.post(`/api/v1/participants/${p.id}/sessions`).set(bearer(inv.token)).send({ phase: 'dosing' }).expect(201)).body;
    await t.http.post(`/api/v1/sessions/${s.id}/events`).set(bearer(clin.token)).send({ type: 'START' }).expect(200);
    return s.id as string;
  }

  const dose = (sid: string, body: Record<string, unknown>) =>
    t.http
      .post(`/api/v1/sessions/${sid}/doses`)
      .set(bearer(clin.token))
      .send({ lot: 'LOT-42', administeredAt: now(), witness: { username: 'nurse.clin', password: nurse.password }, ...body });
  const mdmaDose = (sid: string) => dose(sid, { substance: 'MDMA', amountMg: 80, route: 'ORAL', kind: 'initial' });
  const requirementsOf = (res: { body: { unmet?: { requirement: string }[] } }) => (res.body.unmet ?? []).map((u) => u.requirement);
  const messagesOf = (res: { body: { unmet?: { message: string }[] } }) => (res.body.unmet ?? []).map((u) => u.message);
  const item = (sid: string, key: string, body: Record<string, unknown>, token = clin.token) =>
    t.http.put(`/api/v1/sessions/${sid}/checklists/pre-dose/items/${key}`).set(bearer(token)).send(body);
  const vitals = (sid: string, systolic: number, diastolic: number) =>
    t.http.post(`/api/v1/sessions/${sid}/vitals`).set(bearer(clin.token)).send({ code: 'BP', systolic, diastolic, unit: 'mm[Hg]', takenAt: now() }).expect(201);

  it('refuses the MDMA dose for each missing or stale item in turn, then accepts it complete, fresh and signed', async () => {
    const sid = await dosingSession('mdma-ptsd', 'CG-MDMA');

    // nothing recorded yet: every requirement is named
    let res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toEqual(
      expect.arrayContaining([
        'pre-dose checklist: not signed',
        'pre-dose checklist: pregnancy test not recorded',
        'C-SSRS not done today',
        'fasting not attested today',
        'baseline vitals not recorded',
        '2 therapists must be present (0 present)',
      ]),
    );
    // a refused dose stores nothing
    expect((await t.http.get(`/api/v1/sessions/${sid}/doses`).set(bearer(clin.token)).expect(200)).body).toEqual([]);

    // staff: one therapist is not enough
    await t.http.put(`/api/v1/sessions/${sid}/staff`).set(bearer(clin.token)).send({ present: [{ userId: inv.id, role: 'therapist' }] }).expect(200);
    res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toContain('2 therapists must be present (1 present)');
    await t.http
      .put(`/api/v1/sessions/${sid}/staff`)
      .set(bearer(clin.token))
      .send({ present: [{ userId: inv.id, role: 'therapist' }, { userId: clin.id, role: 'therapist' }, { userId: nurse.id, role: 'nurse' }] })
      .expect(200);
    expect(requirementsOf(await mdmaDose(sid).expect(409))).not.toContain('staff.therapists');

    // C-SSRS and baseline vitals
    await t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(clin.token)).send({ instrument: 'cssrs-screen', result: { ideation: false, intentOrPlan: false, behaviour: false } }).expect(201);
    await vitals(sid, 124, 78);
    res = await mdmaDose(sid).expect(409);
    expect(requirementsOf(res)).not.toEqual(expect.arrayContaining(['predose.cssrs']));
    expect(requirementsOf(res)).not.toContain('predose.baseline-vitals');

    // the checklist: every item, with a pregnancy test that is already 49 h old
    const items = (await t.http.get(`/api/v1/sessions/${sid}/checklists`).set(bearer(clin.token)).expect(200)).body.find((c: { key: string }) => c.key === 'pre-dose').items;
    for (const it of items as { key: string; valueKind: string }[]) {
      const value =
        it.valueKind === 'pregnancy-test'
          ? { result: 'negative', takenAt: new Date(t.clock.now().getTime() - 49 * 3_600_000).toISOString() }
          : it.valueKind === 'blood-pressure'
            ? { systolic: 124, diastolic: 78 }
            : it.valueKind === 'text'
              ? 'recorded'
              : undefined;
      await item(sid, it.key, { status: 'done', ...(value !== undefined ? { value } : {}) }).expect(200);
    }
    res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toEqual(['pre-dose checklist: not signed', 'pregnancy test older than 48 h']);

    await t.http.post(`/api/v1/sessions/${sid}/checklists/pre-dose/signatures`).set(bearer(clin.token)).send({ password: clin.password, username: 'clin.clin', meaning: 'authorship' }).expect(201);
    // a signed checklist cannot be edited
    const locked = await item(sid, 'room-ready', { status: 'done' }).expect(409);
    expect(locked.body.type).toBe('/problems/conflict');
    res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toEqual(['pregnancy test older than 48 h']);

    // amend: the signature is voided, the item corrected, signed again
    await t.http.post(`/api/v1/sessions/${sid}/checklists/pre-dose/amendments`).set(bearer(clin.token)).send({ reason: 'pregnancy test repeated today' }).expect(201);
    res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toContain('pre-dose checklist: not signed');
    await item(sid, 'pregnancy-test', { status: 'done', value: { result: 'negative', takenAt: new Date(t.clock.now().getTime() - 3_600_000).toISOString() } }).expect(200);
    await t.http.post(`/api/v1/sessions/${sid}/checklists/pre-dose/signatures`).set(bearer(clin.token)).send({ password: clin.password, meaning: 'authorship' }).expect(201);

    // stale baseline vitals: 61 minutes later the dose is refused until they are taken again
    minutes(61);
    res = await mdmaDose(sid).expect(409);
    expect(messagesOf(res)).toEqual(['baseline vitals older than 60 min (taken 1 h 1 min ago)']);
    await vitals(sid, 126, 80);

    const given = await mdmaDose(sid).expect(201);
    expect(given.body).toMatchObject({ kind: 'initial', amountMg: 80, lot: 'LOT-42', administeredBy: clin.id, witnessedBy: nurse.id });
    const view = (await t.http.get(`/api/v1/sessions/${sid}`).set(bearer(clin.token)).expect(200)).body;
    expect(view.state).toBe('monitoring.acute');
    expect(view.doseAt).toBe(given.body.administeredAt);

    const checklists = (await t.http.get(`/api/v1/sessions/${sid}/checklists?history=true`).set(bearer(clin.token)).expect(200)).body;
    const versions = checklists.filter((c: { key: string }) => c.key === 'pre-dose');
    expect(versions.map((c: { version: number }) => c.version).sort()).toEqual([1, 2]);
    const v1 = versions.find((c: { version: number }) => c.version === 1);
    expect(v1.signatures.every((s: { valid: boolean }) => !s.valid)).toBe(true);

    const verify = await t.http.get('/api/v1/audit/verify').set(bearer(admin)).expect(200);
    expect(verify.body.valid).toBe(true);
  });

  it('esketamine: two devices 5 minutes apart, and a positive C-SSRS blocks discharge until a risk assessment', async () => {
    const sid = await dosingSession('esketamine-rems', 'CG-ESK', false);
    await t.http
      .put(`/api/v1/sessions/${sid}/staff`)
      .set(bearer(clin.token))
      .send({ present: [{ userId: inv.id, role: 'prescriber' }, { userId: nurse.id, role: 'nurse' }] })
      .expect(200);
    await vitals(sid, 122, 76);
    const lists = (await t.http.get(`/api/v1/sessions/${sid}/checklists`).set(bearer(clin.token)).expect(200)).body;
    for (const key of ['pre-dose', 'discharge']) {
      for (const it of lists.find((c: { key: string }) => c.key === key).items as { key: string; valueKind: string }[]) {
        const value = it.valueKind === 'blood-pressure' ? { systolic: 122, diastolic: 76 } : it.valueKind === 'text' ? 'recorded' : undefined;
        const body = it.valueKind === 'pregnancy-test' ? { status: 'not_applicable', comment: 'no childbearing potential' } : { status: 'done', ...(value !== undefined ? { value } : {}) };
        await t.http.put(`/api/v1/sessions/${sid}/checklists/${key}/items/${it.key}`).set(bearer(clin.token)).send(body).expect(200);
      }
      if (key === 'pre-dose') {
        await t.http.post(`/api/v1/sessions/${sid}/checklists/pre-dose/signatures`).set(bearer(clin.token)).send({ password: clin.password, username: 'clin.clin', meaning: 'authorship' }).expect(201);
      }
    }
    const device = (seq: number) => dose(sid, { substance: 'ESKETAMINE', amountMg: 28, route: 'NASAL', kind: 'device', deviceSeq: seq });
    await device(1).expect(201);
    minutes(3);
    const early = await device(2).expect(409);
    expect(messagesOf(early)[0]).toMatch(/^next device at \d\d:\d\d/);
    minutes(2);
    await device(2).expect(201);
    expect((await t.http.get(`/api/v1/sessions/${sid}`).set(bearer(clin.token)).expect(200)).body.state).toBe('monitoring.acute');

    await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'BEGIN_RECOVERY' }).expect(200);
    minutes(125);
    await t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(clin.token)).send({ instrument: 'moaas', result: { score: 5 } }).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(clin.token)).send({ instrument: 'cadss', result: { dissociation: false } }).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(clin.token)).send({ instrument: 'respiratory-depression', result: { present: false } }).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(clin.token)).send({ instrument: 'cssrs-screen', result: { ideation: true, intentOrPlan: true, behaviour: false } }).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/checklists/discharge/signatures`).set(bearer(clin.token)).send({ password: clin.password, meaning: 'authorship' }).expect(201);

    const blocked = await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'DISCHARGE' }).expect(409);
    expect(messagesOf(blocked)).toEqual(['C-SSRS positive: risk assessment or safety plan not recorded']);
    await t.http
      .post(`/api/v1/sessions/${sid}/assessments`)
      .set(bearer(inv.token))
      .send({ instrument: 'risk-assessment', result: { safetyPlan: true, summary: 'safety plan agreed with participant and support person' } })
      .expect(201);
    const discharged = await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'DISCHARGE' }).expect(200);
    expect(discharged.body.state).toBe('discharged');
  });

  // ---- found in review: how facts are derived from records -------------------------------------

  const assess = (sid: string, instrument: string, result: object, token = clin.token) =>
    t.http.post(`/api/v1/sessions/${sid}/assessments`).set(bearer(token)).send({ instrument, result });

  it('a positive pregnancy test (recorded as a failed item) refuses the dose and cannot be overridden', async () => {
    const sid = await dosingSession('mdma-ptsd', 'CG-PREG');
    await item(sid, 'pregnancy-test', { status: 'failed', value: { result: 'positive', takenAt: new Date(t.clock.now().getTime() - 3_600_000).toISOString() } }).expect(200);
    const res = await mdmaDose(sid).expect(409);
    expect(res.body.unmet).toContainEqual({ requirement: 'predose.pregnancy-positive', message: 'pregnancy test is positive' });
    const override = await t.http
      .post(`/api/v1/sessions/${sid}/overrides`)
      .set(bearer(inv.token))
      .send({ requirement: 'predose.pregnancy-positive', reason: 'try', password: inv.password, username: 'inv.clin' });
    expect(override.status).toBe(409);
  });

  it('a positive C-SSRS stays positive when a later screen is negative, until a risk assessment', async () => {
    const study = (await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'CG-CSSRS', title: 'x', protocolId: 'mdma-ptsd' }).expect(201)).body;
    const p = (await t.http.post('/api/v1/participants').set(bearer(clin.token)).send({ studyId: study.id, siteId, code: 'CG-CSSRS-P' }).expect(201)).body;
    await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(clin.token)).send({ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0' } }).expect(200);
    await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(clin.token)).send({ type: 'ELIGIBILITY_CONFIRMED' }).expect(200);
    const visit = (await t.http.post(`/api/v1/participants/${p.id}/sessions`).set(bearer(inv.token)).send({ phase: 'preparation' }).expect(201)).body;
    await t.http.post(`/api/v1/sessions/${visit.id}/events`).set(bearer(clin.token)).send({ type: 'START' }).expect(200);
    await assess(visit.id, 'cssrs-screen', { ideation: true, intentOrPlan: true, behaviour: false }).expect(201);
    minutes(5);
    await assess(visit.id, 'cssrs-screen', { ideation: false, intentOrPlan: false, behaviour: false }).expect(201);
    const refused = await t.http.post(`/api/v1/sessions/${visit.id}/events`).set(bearer(clin.token)).send({ type: 'CLOSE' }).expect(409);
    expect(refused.body.unmet).toEqual([{ requirement: 'visit.cssrs', message: 'C-SSRS positive: risk assessment or safety plan not recorded' }]);
    minutes(1);
    await assess(visit.id, 'risk-assessment', { safetyPlan: true, summary: 'no current intent; safety plan reviewed' }, inv.token).expect(201);
    await t.http.post(`/api/v1/sessions/${visit.id}/events`).set(bearer(clin.token)).send({ type: 'CLOSE' }).expect(200);
  });

  it('sedation assessed before the dose does not count for discharge; a dose cannot be dated before the session started', async () => {
    const sid = await dosingSession('esketamine-rems', 'CG-SED', false);
    await t.http.put(`/api/v1/sessions/${sid}/staff`).set(bearer(clin.token)).send({ present: [{ userId: inv.id, role: 'prescriber' }, { userId: nurse.id, role: 'nurse' }] }).expect(200);
    await vitals(sid, 120, 75);
    await assess(sid, 'cssrs-screen', { ideation: false, intentOrPlan: false, behaviour: false }).expect(201);
    // assessed before any dose
    await assess(sid, 'moaas', { score: 5 }).expect(201);
    await assess(sid, 'cadss', { dissociation: false }).expect(201);
    await assess(sid, 'respiratory-depression', { present: false }).expect(201);
    minutes(1);
    const lists = (await t.http.get(`/api/v1/sessions/${sid}/checklists`).set(bearer(clin.token)).expect(200)).body;
    for (const key of ['pre-dose', 'discharge']) {
      for (const it of lists.find((c: { key: string }) => c.key === key).items as { key: string; valueKind: string }[]) {
        const value = it.valueKind === 'blood-pressure' ? { systolic: 120, diastolic: 75 } : it.valueKind === 'text' ? 'recorded' : undefined;
        const body = it.valueKind === 'pregnancy-test' ? { status: 'not_applicable', comment: 'not applicable' } : { status: 'done', ...(value !== undefined ? { value } : {}) };
        await t.http.put(`/api/v1/sessions/${sid}/checklists/${key}/items/${it.key}`).set(bearer(clin.token)).send(body).expect(200);
      }
      await t.http.post(`/api/v1/sessions/${sid}/checklists/${key}/signatures`).set(bearer(clin.token)).send({ password: clin.password, username: 'clin.clin', meaning: 'authorship' }).expect(201);
    }
    const device = (seq: number, at: string) => dose(sid, { substance: 'ESKETAMINE', amountMg: 28, route: 'NASAL', kind: 'device', deviceSeq: seq, administeredAt: at });
    // back-dated to before the session started: refused
    const early = await device(1, new Date(t.clock.now().getTime() - 3 * 3_600_000).toISOString()).expect(409);
    expect(early.body.unmet.map((u: { requirement: string }) => u.requirement)).toContain('dose.time');
    await device(1, now()).expect(201);
    minutes(5);
    await device(2, now()).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'BEGIN_RECOVERY' }).expect(200);
    minutes(121);
    const refused = await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'DISCHARGE' }).expect(409);
    expect(refused.body.unmet.map((u: { requirement: string }) => u.requirement)).toEqual(['discharge.sedation', 'discharge.dissociation', 'discharge.respiration']);
    await assess(sid, 'moaas', { score: 5 }).expect(201);
    await assess(sid, 'cadss', { dissociation: false }).expect(201);
    await assess(sid, 'respiratory-depression', { present: false }).expect(201);
    await t.http.post(`/api/v1/sessions/${sid}/events`).set(bearer(clin.token)).send({ type: 'DISCHARGE' }).expect(200);
  });

  it('prohibited medication: a plural class name blocks, a medication ended earlier does not', async () => {
    const sid = await dosingSession('mdma-ptsd', 'CG-MED');
    const yesterday = new Date(t.clock.now().getTime() - 86_400_000).toISOString();
    await t.http
      .post(`/api/v1/sessions/${sid}/medications`)
      .set(bearer(clin.token))
      .send({ name: 'old antidepressant', doseText: '10 mg', route: 'ORAL', givenAt: new Date(t.clock.now().getTime() - 40 * 86_400_000).toISOString(), endedAt: yesterday, indication: 'depression', category: 'concomitant', drugClass: 'MAOI' })
      .expect(201);
    let res = await mdmaDose(sid).expect(409);
    expect(res.body.unmet.map((u: { requirement: string }) => u.requirement)).not.toContain('predose.prohibited-medication');
    await t.http
      .post(`/api/v1/sessions/${sid}/medications`)
      .set(bearer(clin.token))
      .send({ name: 'phenelzine', doseText: '15 mg', route: 'ORAL', givenAt: yesterday, indication: 'depression', category: 'concomitant', drugClass: 'MAOIs' })
      .expect(201);
    res = await mdmaDose(sid).expect(409);
    const prohibited = res.body.unmet.filter((u: { requirement: string }) => u.requirement === 'predose.prohibited-medication');
    expect(prohibited.map((u: { message: string }) => u.message)).toEqual([expect.stringMatching(/^prohibited medication recorded: phenelzine \(MAOIs?\)$/)]);
  });

  it('a cuff reading stays paired when one half is re-entered, and a pulse stream does not hide it', async () => {
    const sid = await dosingSession('mdma-ptsd', 'CG-BP');
    const reading = (await vitals(sid, 150, 125)).body as { id: string; code: string }[];
    const sys = reading.find((r) => r.code === 'SYSBP')!;
    await t.http.post(`/api/v1/sessions/${sid}/vitals/${sys.id}/void`).set(bearer(clin.token)).send({ reason: 'typed wrong' }).expect(200);
    const takenAt = (await t.http.get(`/api/v1/sessions/${sid}/vitals?code=DIABP`).set(bearer(clin.token)).expect(200)).body[0].takenAt;
    await t.http.post(`/api/v1/sessions/${sid}/vitals`).set(bearer(clin.token)).send({ code: 'SYSBP', value: 195, unit: 'mm[Hg]', takenAt }).expect(201);
    for (let i = 0; i < 120; i++) {
      await t.http.post(`/api/v1/sessions/${sid}/vitals`).set(bearer(clin.token)).send({ code: 'PULSE', value: 80, unit: '/min', takenAt: now() });
    }
    // the baseline is 195/125: the pre-dose gate has it (fresh), the supplemental BP rule would refuse
    const view = (await t.http.get(`/api/v1/sessions/${sid}`).set(bearer(clin.token)).expect(200)).body;
    const dosing = view.blocked.find((b: { type: string }) => b.type === 'DOSE_INITIAL');
    expect(dosing.unmet.map((u: { requirement: string }) => u.requirement)).not.toContain('predose.baseline-vitals');
  });
});
