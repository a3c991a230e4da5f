// Who may use a route is decided before its body is read: an anonymous or wrong-role upload is refused without
// reading a byte of it. Bodies are small by default (1 MiB); only the routes that take files accept more.

import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, multipart, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence } from '../../src/evidence/service';
import { MAX_ATTACHMENT_BYTES } from '../../src/evidence/attachments';

const MiB = 1024 * 1024;

/** A multipart body of about `size` bytes that counts how much of it anyone read. */
function countingUpload(size: number, fields: Record<string, string> = {}) {
  const { payload, headers } = multipart(fields, { field: 'file', filename: 'big.txt', content: Buffer.alloc(size, 0x61) });
  let offset = 0;
  const read = { bytes: 0 };
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      const chunk = payload.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      read.bytes += chunk.length;
      this.push(chunk.length ? chunk : null);
    },
  });
  return { stream, read, headers: { ...headers, 'content-length': String(payload.length) }, length: payload.length };
}

describe('authentication before the body', () => {
  let t: TestApp;
  let draftId: number;
  const who = {} as Record<'evaluator' | 'viewer', { jar: string; csrf: string }>;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const viewer = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    draftId = (await createEvidence(t.db.kysely, evaluator.user, null, { title: 'Needs a file', observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: false })).id;
    for (const [key, u] of [['evaluator', evaluator], ['viewer', viewer]] as const) {
      const { jar } = await signIn(t.app, u.email, u.password);
      const page = await t.app.inject({ url: '/account/tokens', headers: { cookie: jar } });
      who[key] = { jar, csrf: csrfFrom(page.body) };
    }
  });
  afterAll(() => t.close());

  const attachmentsOf = (id: number) => t.db.kysely.selectFrom('attachments').select('id').where('evidence_id', '=', id).execute();

  // regression test for finding 9.10b: a 10 MiB multipart body was read before the sign-in check
  it('refuses an anonymous 10 MiB upload without reading it', async () => {
    const upload = countingUpload(MAX_ATTACHMENT_BYTES - 1024);
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${draftId}/attachments`, headers: upload.headers, payload: upload.stream });
    expect([401, 303]).toContain(res.statusCode);
    expect(upload.read.bytes).toBeLessThan(MiB);
    const api = countingUpload(MAX_ATTACHMENT_BYTES - 1024);
    const apiRes = await t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: api.headers, payload: api.stream });
    expect(apiRes.statusCode).toBe(401);
    expect(apiRes.json().error.code).toBe('UNAUTHENTICATED');
    expect(api.read.bytes).toBeLessThan(MiB);
    expect(await attachmentsOf(draftId)).toEqual([]);
  });

  // regression test for finding 9.10b: a viewer's upload was read in full before the role check refused it
  it("refuses a viewer's 10 MiB upload without reading it", async () => {
    const upload = countingUpload(MAX_ATTACHMENT_BYTES - 1024, { _csrf: who.viewer.csrf });
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${draftId}/attachments`, headers: { ...upload.headers, cookie: who.viewer.jar }, payload: upload.stream });
    expect(res.statusCode).toBe(403);
    expect(upload.read.bytes).toBeLessThan(MiB);
    const imported = countingUpload(MAX_ATTACHMENT_BYTES - 1024, { _csrf: who.viewer.csrf });
    const importRes = await t.app.inject({ method: 'POST', url: '/evidence/import', headers: { ...imported.headers, cookie: who.viewer.jar }, payload: imported.stream });
    expect(importRes.statusCode).toBe(403);
    expect(imported.read.bytes).toBeLessThan(MiB);
  });

  it('still takes a large file from its author', async () => {
    const upload = countingUpload(6 * MiB, { _csrf: who.evaluator.csrf });
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${draftId}/attachments`, headers: { ...upload.headers, cookie: who.evaluator.jar }, payload: upload.stream });
    expect(res.statusCode).toBe(303);
    expect(upload.read.bytes).toBe(upload.length);
    expect(await attachmentsOf(draftId)).toHaveLength(1);
  });

  // regression test for finding 9.10b: every route accepted 11 MiB bodies
  it('limits bodies of routes that take no files to 1 MiB, whatever their encoding', async () => {
    const json = JSON.stringify({ title: 'x', summary: 'y'.repeat(2 * MiB), observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, findings: [] });
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { cookie: who.evaluator.jar, 'x-csrf-token': who.evaluator.csrf, 'content-type': 'application/json' }, payload: json });
    expect(api.statusCode).toBe(413);
    expect(api.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const upload = countingUpload(2 * MiB, { _csrf: who.evaluator.csrf, title: 'x' });
    const form = await t.app.inject({ method: 'POST', url: '/evidence/new', headers: { ...upload.headers, cookie: who.evaluator.jar }, payload: upload.stream });
    expect(form.statusCode).toBe(413);
    expect(upload.read.bytes).toBeLessThan(MiB);
  });

  it('refuses an upload larger than the route allows before reading it', async () => {
    const upload = countingUpload(MAX_ATTACHMENT_BYTES + 2 * MiB, { _csrf: who.evaluator.csrf });
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${draftId}/attachments`, headers: { ...upload.headers, cookie: who.evaluator.jar }, payload: upload.stream });
    expect(res.statusCode).toBe(413);
    expect(upload.read.bytes).toBeLessThan(MiB);
  });

  it('wants the length of a chunked multipart body declared, so the limit holds before reading', async () => {
    const upload = countingUpload(2 * MiB, { _csrf: who.evaluator.csrf });
    const { 'content-length': _declared, ...headers } = upload.headers;
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${draftId}/attachments`, headers: { ...headers, 'transfer-encoding': 'chunked', cookie: who.evaluator.jar }, payload: upload.stream });
    expect(res.statusCode).toBe(411);
    expect(upload.read.bytes).toBeLessThan(MiB);
  });
});
