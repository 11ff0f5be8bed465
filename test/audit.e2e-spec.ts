import { adminToken, bearer, createSite, createTestApp, createUser, TestApp } from './support/app';

describe('audit trail (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let auditor: string;

  beforeEach(async () => {
    t = await createTestApp();
    admin = await adminToken(t);
    const site = await createSite(t, admin, 'AUD-01');
    auditor = (await createUser(t, admin, 'aud.one', ['auditor'], [site.id])).token;
    for (let i = 0; i < 5; i++) await createSite(t, admin, `AUD-X${i}`);
  });
  afterEach(() => t.close());

  const verify = async () => (await t.http.get('/api/v1/audit/verify').set(bearer(auditor)).expect(200)).body;
  const sql = (query: string) => t.dataSource.query(query);

  it('verifies an untouched chain, and lists entries newest first with a cursor', async () => {
    const result = await verify();
    expect(result).toEqual({ valid: true, entries: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.entries).toBeGreaterThanOrEqual(10);

    const first = await t.http.get('/api/v1/audit?limit=4').set(bearer(auditor)).expect(200);
    expect(first.body).toHaveLength(4);
    expect(first.body[0].seq).toBe(result.entries);
    expect(first.body[0].hash).toBe(result.headHash);
    const cursor = first.headers['x-next-cursor'];
    expect(cursor).toBe(String(first.body[3].seq));
    const second = await t.http.get(`/api/v1/audit?limit=4&cursor=${cursor}`).set(bearer(auditor)).expect(200);
    expect(second.body[0].seq).toBe(first.body[3].seq - 1);
    const entry = first.body.find((e: { action: string }) => e.action === 'site.created');
    expect(entry).toMatchObject({ username: 'admin', entityType: 'site', oldValue: null, newValue: { code: 'AUD-X4', country: 'NL' } });
    expect(new Date(entry.at).toISOString()).toBe(entry.at);
  });

  it('detects an edited row (a column changed)', async () => {
    await sql(`UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 3`);
    const result = await verify();
    expect(result).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('detects an edited row whose recorded content was rewritten too', async () => {
    const [row] = await sql(`SELECT canonical FROM audit_entries WHERE seq = 4`);
    const forged = String(row.canonical).replace('AUD-', 'FAKE-');
    await sql(`UPDATE audit_entries SET canonical = '${forged.replace(/'/g, "''")}' WHERE seq = 4`);
    expect(await verify()).toMatchObject({ valid: false, brokenAt: 4 });
  });

  it('detects a deleted row in the middle', async () => {
    await sql(`DELETE FROM audit_entries WHERE seq = 5`);
    expect(await verify()).toMatchObject({ valid: false, brokenAt: 5 });
  });

  it('detects the newest rows deleted (truncation at the end)', async () => {
    const before = await verify();
    await sql(`DELETE FROM audit_entries WHERE seq > ${before.entries - 2}`);
    const result = await verify();
    expect(result.valid).toBe(false);
    expect(result.brokenAt).toBe(before.entries - 1);
  });

  it('detects a truncated table', async () => {
    await sql(`DELETE FROM audit_entries`);
    expect(await verify()).toMatchObject({ valid: false, entries: 0, brokenAt: 1 });
  });

  it('detects the chain head rewound to hide deleted rows', async () => {
    const before = await verify();
    const [prev] = await sql(`SELECT hash FROM audit_entries WHERE seq = ${before.entries - 1}`);
    await sql(`DELETE FROM audit_entries WHERE seq = ${before.entries}`);
    await sql(`UPDATE audit_chain_head SET count = ${before.entries - 1}, head_hash = '${prev.hash}'`);
    expect(await verify()).toMatchObject({ valid: false });
  });

  it('keeps every write of 20 parallel writers: each succeeds or gets a clean 409, and the chain stays valid', async () => {
    const before = await verify();
    const target = await createUser(t, admin, 'par.target', ['clinician'], [(await createSite(t, admin, 'PAR-0')).id]);
    const afterSetup = await verify();
    const requests = [
      ...Array.from({ length: 12 }, (_, i) =>
        t.http.post('/api/v1/sites').set(bearer(admin)).send({ code: `PAR-${i + 1}`, name: `Parallel ${i}`, timezone: 'UTC', country: 'NL' }),
      ),
      // four writers race for the same code: exactly one wins
      ...Array.from({ length: 4 }, () =>
        t.http.post('/api/v1/sites').set(bearer(admin)).send({ code: 'PAR-DUP', name: 'dup', timezone: 'UTC', country: 'NL' }),
      ),
      // four edits of the same user
      ...Array.from({ length: 4 }, (_, i) =>
        t.http.patch(`/api/v1/users/${target.id}`).set(bearer(admin)).send({ fullName: `Parallel name ${i}` }),
      ),
    ];
    const responses = await Promise.all(requests);
    const statuses = responses.map((r) => r.status);
    for (const r of responses) {
      expect([200, 201, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.type).toMatch(/^\/problems\/(conflict|version-conflict)$/);
    }
    expect(statuses.slice(0, 12)).toEqual(Array(12).fill(201));
    expect(statuses.slice(12, 16).filter((s) => s === 201)).toHaveLength(1);
    const edits = statuses.slice(16).filter((s) => s === 200).length;
    expect(edits).toBeGreaterThanOrEqual(1);

    const sites = await t.http.get('/api/v1/sites').set(bearer(admin)).expect(200);
    const codes = sites.body.map((s: { code: string }) => s.code);
    for (let i = 1; i <= 12; i++) expect(codes).toContain(`PAR-${i}`);
    expect(codes.filter((c: string) => c === 'PAR-DUP')).toHaveLength(1);

    const after = await verify();
    expect(after.valid).toBe(true);
    // one audit entry per successful write, none lost, none extra
    expect(after.entries - afterSetup.entries).toBe(12 + 1 + edits);
    expect(afterSetup.entries).toBeGreaterThan(before.entries);
  });
});
