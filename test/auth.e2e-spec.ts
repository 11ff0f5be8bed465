import { ADMIN_INITIAL_PASSWORD, ADMIN_PASSWORD, adminToken, bearer, createSite, createTestApp, createUser, login, TestApp } from './support/app';

describe('identity and sessions (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let siteId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await adminToken(t);
    siteId = (await createSite(t, admin, 'AUTH-01')).id;
  });
  afterAll(() => t.close());

  it('serves /health without a token', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
  });

  it('the first-start admin password works once and must be changed before anything else', async () => {
    const fresh = await createTestApp();
    try {
      const first = await fresh.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_INITIAL_PASSWORD }).expect(200);
      expect(first.body.user.mustChangePassword).toBe(true);
      const token = first.body.accessToken;
      const blocked = await fresh.http.get('/api/v1/sites').set(bearer(token)).expect(403);
      expect(blocked.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(blocked.body.type).toBe('/problems/password-change-required');
      await fresh.http
        .post('/api/v1/auth/password')
        .set(bearer(token))
        .send({ currentPassword: ADMIN_INITIAL_PASSWORD, newPassword: ADMIN_PASSWORD })
        .expect(200);
      await fresh.http.get('/api/v1/sites').set(bearer(token)).expect(200);
      // the one-time password is gone
      await fresh.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_INITIAL_PASSWORD }).expect(401);
      const again = await fresh.http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
      expect(again.body.user.mustChangePassword).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('logs in and returns the user with roles and sites', async () => {
    const user = await createUser(t, admin, 'clin.login', ['clinician'], [siteId]);
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'Clin.Login', password: user.password }).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      expiresIn: expect.any(Number),
      user: { id: user.id, username: 'clin.login', fullName: 'Dr clin.login', roles: ['clinician'], siteIds: [siteId], mustChangePassword: false },
    });
  });

  it('refuses a wrong password and an unknown user alike, and audits both', async () => {
    await createUser(t, admin, 'clin.wrong', ['clinician'], [siteId]);
    const wrong = await t.http.post('/api/v1/auth/login').send({ username: 'clin.wrong', password: 'not-the-password' }).expect(401);
    expect(wrong.body).toMatchObject({ type: '/problems/unauthenticated', status: 401 });
    const unknown = await t.http.post('/api/v1/auth/login').send({ username: 'nobody.here', password: 'whatever-password' }).expect(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
    const audit = await t.http.get('/api/v1/audit?entityType=user').set(bearer(admin)).expect(200);
    const failures = audit.body.filter((e: { action: string }) => e.action === 'auth.login-failed');
    expect(failures.map((e: { username: string }) => e.username)).toEqual(expect.arrayContaining(['clin.wrong', 'nobody.here']));
  });

  it('locks after five failures (423, even with the right password), until an admin unlocks', async () => {
    const user = await createUser(t, admin, 'clin.lock', ['clinician'], [siteId]);
    for (let i = 1; i <= 4; i++) {
      await t.http.post('/api/v1/auth/login').send({ username: 'clin.lock', password: `bad-password-${i}` }).expect(401);
    }
    const fifth = await t.http.post('/api/v1/auth/login').send({ username: 'clin.lock', password: 'bad-password-5' }).expect(423);
    expect(fifth.body.type).toBe('/problems/locked');
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(0);
    await t.http.post('/api/v1/auth/login').send({ username: 'clin.lock', password: user.password }).expect(423);
    const view = await t.http.get(`/api/v1/users/${user.id}`).set(bearer(admin)).expect(200);
    expect(view.body.locked).toBe(true);

    await t.http.post(`/api/v1/users/${user.id}/unlock`).set(bearer(admin)).send({ reason: 'verified by phone' }).expect(200);
    await t.http.post('/api/v1/auth/login').send({ username: 'clin.lock', password: user.password }).expect(200);
    const audit = await t.http.get(`/api/v1/audit?entityType=user&entityId=${user.id}`).set(bearer(admin)).expect(200);
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'auth.login-failed')).toHaveLength(5);
    expect(actions).toEqual(expect.arrayContaining(['user.locked', 'auth.login-refused', 'user.unlocked']));
  });

  it('a lock expires by itself after the lockout time', async () => {
    const user = await createUser(t, admin, 'clin.expire', ['clinician'], [siteId]);
    for (let i = 1; i <= 5; i++) await t.http.post('/api/v1/auth/login').send({ username: 'clin.expire', password: `bad-password-${i}` });
    await t.http.post('/api/v1/auth/login').send({ username: 'clin.expire', password: user.password }).expect(423);
    t.clock.advance(15 * 60_000 + 1000);
    await t.http.post('/api/v1/auth/login').send({ username: 'clin.expire', password: user.password }).expect(200);
  });

  it('logout ends access at once', async () => {
    const user = await createUser(t, admin, 'clin.logout', ['clinician'], [siteId]);
    const token = await login(t, 'clin.logout', user.password);
    await t.http.get('/api/v1/sites').set(bearer(token)).expect(200);
    await t.http.post('/api/v1/auth/logout').set(bearer(token)).expect(200);
    const after = await t.http.get('/api/v1/sites').set(bearer(token)).expect(401);
    expect(after.body.type).toBe('/problems/unauthenticated');
  });

  it('disabling a user ends their sessions at once; they cannot log in again', async () => {
    const user = await createUser(t, admin, 'clin.disable', ['clinician'], [siteId]);
    const token = await login(t, 'clin.disable', user.password);
    await t.http.get('/api/v1/sites').set(bearer(token)).expect(200);
    await t.http.patch(`/api/v1/users/${user.id}`).set(bearer(admin)).send({ disabled: true, reason: 'left the study team' }).expect(200);
    await t.http.get('/api/v1/sites').set(bearer(token)).expect(401);
    await t.http.post('/api/v1/auth/login').send({ username: 'clin.disable', password: user.password }).expect(401);
    const audit = await t.http.get(`/api/v1/audit?entityType=user&entityId=${user.id}`).set(bearer(admin)).expect(200);
    expect(audit.body.find((e: { action: string }) => e.action === 'user.disabled')).toMatchObject({ action: 'user.disabled', reason: 'left the study team', oldValue: { disabled: false }, newValue: { disabled: true } });
  });

  it('an idle session expires; activity and refresh keep it alive', async () => {
    const user = await createUser(t, admin, 'clin.idle', ['clinician'], [siteId]);
    const token = await login(t, 'clin.idle', user.password);
    t.clock.advance(20 * 60_000);
    await t.http.get('/api/v1/sites').set(bearer(token)).expect(200);
    t.clock.advance(20 * 60_000);
    const refreshed = await t.http.post('/api/v1/auth/refresh').set(bearer(token)).expect(200);
    expect(refreshed.body.accessToken).toEqual(expect.any(String));
    t.clock.advance(29 * 60_000);
    await t.http.get('/api/v1/sites').set(bearer(refreshed.body.accessToken)).expect(200);
    t.clock.advance(31 * 60_000);
    const expired = await t.http.get('/api/v1/sites').set(bearer(refreshed.body.accessToken)).expect(401);
    expect(expired.body.detail).toMatch(/inactivity/);
    admin = await login(t, 'admin', ADMIN_PASSWORD); // the admin's session went idle too
  });

  it('answers 401 without a token or with a forged one', async () => {
    const none = await t.http.get('/api/v1/users').expect(401);
    expect(none.body).toMatchObject({ type: '/problems/unauthenticated', status: 401, title: expect.any(String), detail: expect.any(String) });
    await t.http.get('/api/v1/users').set(bearer('not.a.jwt')).expect(401);
    const [h, p] = admin.split('.');
    await t.http.get('/api/v1/users').set(bearer(`${h}.${p}.forgedsignature`)).expect(401);
  });

  it('an admin-reset password is one-time: 403 password-change-required until changed', async () => {
    const user = await createUser(t, admin, 'clin.reset', ['clinician'], [siteId]);
    const oldToken = await login(t, 'clin.reset', user.password);
    await t.http.post(`/api/v1/users/${user.id}/password`).set(bearer(admin)).send({ password: 'admin-set-temp-pw-9', reason: 'forgotten' }).expect(200);
    await t.http.get('/api/v1/sites').set(bearer(oldToken)).expect(401);
    const token = await login(t, 'clin.reset', 'admin-set-temp-pw-9');
    const res = await t.http.get('/api/v1/sites').set(bearer(token)).expect(403);
    expect(res.body.type).toBe('/problems/password-change-required');
    const weak = await t.http.post('/api/v1/auth/password').set(bearer(token)).send({ currentPassword: 'admin-set-temp-pw-9', newPassword: 'short' }).expect(400);
    expect(weak.body.errors.newPassword).toBeDefined();
    await t.http.post('/api/v1/auth/password').set(bearer(token)).send({ currentPassword: 'admin-set-temp-pw-9', newPassword: 'my-own-new-password' }).expect(200);
    await t.http.get('/api/v1/sites').set(bearer(token)).expect(200);
  });
});

describe('login rate limit per address (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once the address exceeds the limit', async () => {
    for (let i = 0; i < 3; i++) await t.http.post('/api/v1/auth/login').send({ username: 'x-user', password: 'whatever-pw' }).expect(401);
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'x-user', password: 'whatever-pw' }).expect(429);
    expect(res.body.type).toBe('/problems/rate-limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
