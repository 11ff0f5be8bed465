import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

/**
 * With the application's own facts provider (not the test one), a dosing step that needs
 * clinical records nobody has entered is refused: the engine is safe by default.
 */
describe('protocol engine with the recorded facts only (e2e)', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('refuses the dose while checklists, vitals and staff are not recorded, and says which', async () => {
    t = await createTestApp({}, { now: '2026-05-04T07:00:00.000Z' });
    const admin = await adminToken(t);
    const site = await createSite(t, admin, 'SAFE-1');
    const inv = await createUser(t, admin, 'inv.safe', ['investigator'], [site.id]);
    const study = (await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'ESK-SAFE', title: 'x', protocolId: 'esketamine-rems' }).expect(201)).body;
    const p = (await t.http.post('/api/v1/participants').set(bearer(inv.token)).send({ studyId: study.id, siteId: site.id, code: 'S-1' }).expect(201)).body;
    await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(inv.token)).send({ type: 'CONSENT_SIGNED', data: { consentVersion: '1.0' } }).expect(200);
    const eligible = await t.http.post(`/api/v1/participants/${p.id}/events`).set(bearer(inv.token)).send({ type: 'ELIGIBILITY_CONFIRMED' }).expect(200);
    // esketamine has no preparation sessions: straight to dosing
    expect(eligible.body.course.state).toBe('treatment.dosing');
    const s = (await t.http.post(`/api/v1/participants/${p.id}/sessions`).set(bearer(inv.token)).send({ phase: 'dosing' }).expect(201)).body;
    await t.http.post(`/api/v1/sessions/${s.id}/events`).set(bearer(inv.token)).send({ type: 'START' }).expect(200);
    const res = await t.http
      .post(`/api/v1/sessions/${s.id}/events`)
      .set(bearer(inv.token))
      .send({ type: 'DOSE_DEVICE', data: { deviceSeq: 1, amountMg: 28 } })
      .expect(409);
    const requirements = res.body.unmet.map((u: { requirement: string }) => u.requirement);
    expect(requirements).toEqual(expect.arrayContaining(['pre-dose.signed', 'predose.baseline-vitals', 'staff.prescriber', 'predose.fasting']));
    // consent is recorded for real, so it is not among the unmet requirements
    expect(requirements).not.toContain('predose.consent');
    const view = await t.http.get(`/api/v1/sessions/${s.id}`).set(bearer(inv.token)).expect(200);
    expect(view.body.state).toBe('preDose');
    expect(view.body.blocked.find((b: { type: string }) => b.type === 'DOSE_DEVICE').unmet.length).toBeGreaterThan(3);
  });
});
