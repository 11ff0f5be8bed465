import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { PUBLIC_KEY, ROLES_KEY } from '../src/modules/auth/auth.decorators';
import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

describe('access control, scoping and error shapes (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let siteA: string;
  let siteB: string;
  let clinicianA: { id: string; token: string };
  let monitorB: { id: string; token: string };

  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '10kb' });
    admin = await adminToken(t);
    siteA = (await createSite(t, admin, 'SITE-A')).id;
    siteB = (await createSite(t, admin, 'SITE-B', 'America/New_York')).id;
    clinicianA = await createUser(t, admin, 'clin.a', ['clinician'], [siteA]);
    monitorB = await createUser(t, admin, 'mon.b', ['monitor'], [siteB]);
  });
  afterAll(() => t.close());

  it('a wrong role gets 403 forbidden', async () => {
    const res = await t.http
      .post('/api/v1/sites')
      .set(bearer(clinicianA.token))
      .send({ code: 'X-1', name: 'x', timezone: 'UTC', country: 'NL' })
      .expect(403);
    expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
    await t.http.get('/api/v1/audit').set(bearer(clinicianA.token)).expect(403);
    await t.http.patch(`/api/v1/users/${monitorB.id}`).set(bearer(clinicianA.token)).send({ disabled: true }).expect(403);
  });

  it("another site's site or user answers 404, as if it did not exist", async () => {
    const site = await t.http.get(`/api/v1/sites/${siteB}`).set(bearer(clinicianA.token)).expect(404);
    expect(site.body.type).toBe('/problems/not-found');
    await t.http.get(`/api/v1/sites/${siteA}`).set(bearer(clinicianA.token)).expect(200);
    await t.http.get(`/api/v1/users/${monitorB.id}`).set(bearer(clinicianA.token)).expect(404);
    const sites = await t.http.get('/api/v1/sites').set(bearer(clinicianA.token)).expect(200);
    expect(sites.body.map((s: { id: string }) => s.id)).toEqual([siteA]);
    const users = await t.http.get('/api/v1/users').set(bearer(clinicianA.token)).expect(200);
    expect(users.body.map((u: { username: string }) => u.username)).toEqual(['clin.a']);
    // an admin sees every site
    const all = await t.http.get('/api/v1/sites').set(bearer(admin)).expect(200);
    expect(all.body.map((s: { id: string }) => s.id).sort()).toEqual([siteA, siteB].sort());
  });

  it('a validation error lists the fields as problem+json', async () => {
    const res = await t.http
      .post('/api/v1/sites')
      .set(bearer(admin))
      .send({ code: 'bad code!', name: '', timezone: 'Mars/Olympus', country: 'nl', extra: 1 })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/validation', title: expect.any(String), status: 400, detail: expect.any(String) });
    expect(Object.keys(res.body.errors).sort()).toEqual(['code', 'country', 'extra', 'name', 'timezone']);
    expect(res.body.errors.timezone[0]).toMatch(/IANA/);
  });

  it('a duplicate site code is 409 conflict, not 500', async () => {
    const res = await t.http
      .post('/api/v1/sites')
      .set(bearer(admin))
      .send({ code: 'SITE-A', name: 'again', timezone: 'UTC', country: 'NL' })
      .expect(409);
    expect(res.body.type).toBe('/problems/conflict');
    // the same for usernames (case-insensitive) and study codes
    await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ username: 'CLIN.A', fullName: 'x', password: 'temporary-password-9', roles: ['clinician'], siteIds: [siteA] })
      .expect(409);
    await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'ST-1', title: 'MAPP', protocolId: 'mdma-ptsd' }).expect(201);
    await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'ST-1', title: 'MAPP', protocolId: 'mdma-ptsd' }).expect(409);
  });

  it('a malformed id is 400, an unknown id 404, an unknown route 404 — all problem+json', async () => {
    const bad = await t.http.get('/api/v1/sites/not-a-uuid').set(bearer(admin)).expect(400);
    expect(bad.body.type).toBe('/problems/validation');
    await t.http.get('/api/v1/sites/00000000-0000-4000-8000-000000000000').set(bearer(admin)).expect(404);
    await t.http.get('/api/v1/users/00000000-0000-4000-8000-000000000000').set(bearer(admin)).expect(404);
    const route = await t.http.get('/api/v1/no-such-thing').set(bearer(admin)).expect(404);
    expect(route.body.type).toBe('/problems/not-found');
  });

  it('malformed JSON is 400 and an oversized body 413, never 500', async () => {
    const bad = await t.http.post('/api/v1/sites').set(bearer(admin)).set('Content-Type', 'application/json').send('{"code": ').expect(400);
    expect(bad.body.type).toBe('/problems/validation');
    const big = await t.http
      .post('/api/v1/sites')
      .set(bearer(admin))
      .send({ code: 'BIG', name: 'x'.repeat(20_000), timezone: 'UTC', country: 'NL' })
      .expect(413);
    expect(big.body.type).toBe('/problems/too-large');
  });

  it('studies reference a shipped protocol, newest version by default', async () => {
    const res = await t.http
      .post('/api/v1/studies')
      .set(bearer(admin))
      .send({ code: 'ESK-1', title: 'Esketamine clinic', protocolId: 'esketamine-rems', sponsor: 'Clinic' })
      .expect(201);
    expect(res.body).toMatchObject({ code: 'ESK-1', protocol: { id: 'esketamine-rems', version: '1.0.0' }, configurationVersion: 1 });
    await t.http.get(`/api/v1/studies/${res.body.id}`).set(bearer(clinicianA.token)).expect(200);
    const unknown = await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'X', title: 'x', protocolId: 'lsd-anxiety' }).expect(400);
    expect(unknown.body.errors.protocolId).toBeDefined();
    await t.http.post('/api/v1/studies').set(bearer(admin)).send({ code: 'Y', title: 'y', protocolId: 'mdma-ptsd', protocolVersion: '9.0.0' }).expect(400);
  });

  it('role and site changes are audited with old and new values', async () => {
    const res = await t.http
      .patch(`/api/v1/users/${monitorB.id}`)
      .set(bearer(admin))
      .send({ roles: ['monitor', 'clinician'], siteIds: [siteA, siteB], reason: 'covers both rooms' })
      .expect(200);
    expect(res.body.roles).toEqual(['monitor', 'clinician']);
    const audit = await t.http.get(`/api/v1/audit?entityType=user&entityId=${monitorB.id}`).set(bearer(admin)).expect(200);
    expect(audit.body[0]).toMatchObject({
      action: 'user.permissions-changed',
      username: 'admin',
      reason: 'covers both rooms',
      oldValue: { roles: ['monitor'], siteIds: [siteB] },
      newValue: { roles: ['clinician', 'monitor'], siteIds: [siteA, siteB].sort() },
    });
    // a stale expectedVersion is a version conflict
    const stale = await t.http.patch(`/api/v1/users/${monitorB.id}`).set(bearer(admin)).send({ fullName: 'M B', expectedVersion: 1 }).expect(409);
    expect(stale.body.type).toBe('/problems/version-conflict');
  });

  it('the last enabled administrator cannot be disabled', async () => {
    const me = await t.http.get('/api/v1/users').set(bearer(admin)).expect(200);
    const adminId = me.body.find((u: { username: string }) => u.username === 'admin').id;
    const res = await t.http.patch(`/api/v1/users/${adminId}`).set(bearer(admin)).send({ disabled: true }).expect(409);
    expect(res.body.type).toBe('/problems/conflict');
  });

  it('denies by default: every route states its roles or is explicitly public', () => {
    const controllers = [...t.app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
    const scanner = new MetadataScanner();
    const routes: string[] = [];
    const open: string[] = [];
    for (const wrapper of controllers) {
      const prototype = Object.getPrototypeOf(wrapper.instance);
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const route = `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} ${wrapper.name}.${name}`;
        routes.push(route);
        const roles = Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, wrapper.metatype as object);
        const isPublic = Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, wrapper.metatype as object);
        if (isPublic) open.push(route);
        else expect({ route, roles }).toEqual({ route, roles: expect.arrayContaining([expect.any(String)]) });
      }
    }
    expect(routes.length).toBeGreaterThan(15);
    expect(open.sort()).toEqual(['GET HealthController.check', 'POST AuthController.login']);
  });

  it('serves the OpenAPI document with every route', async () => {
    const res = await t.http.get('/api/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/users', '/api/v1/users/{id}/unlock', '/api/v1/sites', '/api/v1/studies/{id}', '/api/v1/audit/verify', '/health']),
    );
  });
});
