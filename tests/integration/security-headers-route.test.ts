// Headers a route sets for itself win over the global security headers: the attachment download keeps its own
// sandboxing CSP and the password-link page its no-referrer policy; every other response gets the global ones.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';
import { CONTENT_SECURITY_POLICY } from '../../src/plugins/security-headers';
import { issuePasswordCode } from '../../src/users/service';
import { SYSTEM_ACTOR } from '../../src/audit/log';

describe('route-set security headers', () => {
  let t: TestApp;
  let jar: string;
  let attachmentId: number;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const author = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const item = await createEvidence(t.db.kysely, author.user, null, { title: 'With a file', observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: false });
    attachmentId = (await addAttachment(t.db.kysely, author.user, item.id, { filename: 'note.txt', data: Buffer.from('hello') })).id;
    jar = (await signIn(t.app, author.email, author.password)).jar;
  });
  afterAll(() => t.close());

  // regression test for finding 9.12: the global onSend hook overwrote the download's own CSP
  it('serves an attachment with its own sandboxing CSP, and pages with the global one', async () => {
    const download = await t.app.inject({ url: `/attachments/${attachmentId}`, headers: { cookie: jar } });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    for (const url of ['/', '/evidence', '/no-such-page']) {
      const page = await t.app.inject({ url, headers: { cookie: jar } });
      expect(page.headers['content-security-policy'], url).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('keeps the no-referrer policy of the password-link page', async () => {
    const u = await addUser(t.db, 'viewer');
    const { code } = await issuePasswordCode(t.db.kysely, SYSTEM_ACTOR, u.user.id, 'reset');
    const page = await t.app.inject({ url: `/set-password?code=${code}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});
