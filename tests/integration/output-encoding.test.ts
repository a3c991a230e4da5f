// Output encoding: hostile values in every user-supplied field that a page shows (evidence fields, Markdown
// summaries, review reasons, user names and e-mails, API token names, CSV import rows, attachment names) and in
// query-string values echoed back, created through the real pages and services and then fetched as each role.
// Every page is parsed with a small, strict check (no scripts, no event-handler attributes, no dangerous URL
// schemes, no embedded-content elements, only known tags and attributes); the hostile text must appear escaped.
// The JSON API and the JSON export return the strings exactly as data; the CSV export neutralises formulas.

import Handlebars from 'handlebars';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, multipart, postForm, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createUser } from '../../src/users/service';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, verifyAuditChain } from '../../src/audit/log';

// ------------------------------------------------------------------------------------------------ hostile input

const RLO = '\u202E';
const LRI = '\u2066';
const PDI = '\u2069';

/** Each value fits every field's length limit (ref: 100 characters after a short prefix). */
const HOSTILE: readonly string[] = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  'javascript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'JaVaScRiPt:alert(1)',
  '<svg/onload=alert(1)>',
  "{{constructor.constructor('alert(1)')()}}",
  `Patrol report ${RLO}fdp.exe`,
  `Border ${LRI}<b>isolated</b>${PDI} note`,
];

/** 100 000 characters with hostile snippets throughout (kept mostly plain so a form body stays below 256 KiB). */
const BIG = `${'<script>alert(1)</script>"><img src=x onerror=alert(1)>'}${'a'.repeat(944)}`.repeat(100);

/** A link that is a valid https URL but tries to break out of the attribute it lands in. */
const TRICKY_URL = `https://example.org/"><svg/onload=alert(1)>?q='onmouseover='alert(1)'#"><script>`;

const MARKDOWN_ATTACKS = [
  '[a](javascript:alert(1))',
  '[b](JaVaScRiPt:alert(1))',
  '[c](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[d](vbscript:msgbox(1))',
  '[e](&#106;avascript:alert(1))',
  '[f](java&#x09;script:alert(1))',
  '[g]( javascript:alert(1) "t")',
  '<javascript:alert(1)>',
  '[h][evil] and [i][data]',
  '',
  '[evil]: javascript:alert(1)',
  '[data]: data:text/html,<script>alert(1)</script>',
  '',
  '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '![y](javascript:alert(1))',
  '![" onerror="alert(1)](https://example.org/a.png)',
  '[ok](https://example.org/"onmouseover="alert(1))',
  '',
  '<iframe src="javascript:alert(1)"></iframe>',
  '',
  '<img src=x onerror=alert(1)>',
  '',
  '<a href="javascript:alert(1)">click</a> <object data="x.swf"></object> <embed src="x.swf">',
  '',
  '<svg><script>alert(1)</script></svg>',
  '',
  '<details open ontoggle=alert(1)>x</details>',
  '',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '',
  '`<script>alert(1)</script>` and <b onclick="alert(1)">bold</b>',
].join('\n');

/** How a value appears inside an attribute or a textarea: escaped, exactly as typed. */
const attr = (s: string) => Handlebars.escapeExpression(s);
/** How a value appears in page text: escaped, with direction overrides shown as [U+202E] (views/render.ts). */
const esc = (s: string) => attr(s).replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);

// ------------------------------------------------------------------------------------------------ the HTML check

const ALLOWED_TAGS = new Set([
  'html', 'head', 'meta', 'title', 'link', 'body', 'a', 'header', 'nav', 'ul', 'ol', 'li', 'div', 'span', 'form', 'input', 'button',
  'main', 'p', 'footer', 'section', 'article', 'aside', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'dl', 'dt', 'dd', 'table', 'caption',
  'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'code', 'pre', 'strong', 'em', 'b', 'i', 'label', 'select', 'option', 'optgroup',
  'textarea', 'fieldset', 'legend', 'blockquote', 'hr', 'br', 'del', 's', 'small', 'abbr', 'time', 'sup', 'sub', 'kbd', 'mark',
  'details', 'summary', 'colgroup', 'col', 'figure', 'figcaption', 'bdi',
]);
const DANGEROUS_ELEMENTS = /<\s*\/?\s*(script|iframe|frame|frameset|math|img|image|object|embed|applet|base|style|video|audio|source|template|portal|noscript|xmp|plaintext|foreignobject|use|animate|set|handler|listener)\b/i;
// The dashboard draws its own charts as inline SVG (sparklines): only drawing primitives with geometry and
// presentation attributes are accepted; no links, no scripts, no foreignObject, no animation.
const SVG_TAGS = new Set(['svg', 'g', 'title', 'desc', 'line', 'path', 'circle', 'polyline', 'polygon', 'rect', 'ellipse', 'text', 'tspan']);
const SVG_ATTRS = new Set([
  'viewbox', 'width', 'height', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'd', 'points', 'fill', 'stroke', 'stroke-width',
  'stroke-linecap', 'stroke-linejoin', 'stroke-dasharray', 'transform', 'text-anchor', 'dominant-baseline', 'focusable', 'preserveaspectratio',
  'xmlns', 'opacity', 'fill-opacity', 'vector-effect', 'dx', 'dy',
]);
const ALLOWED_ATTRS = new Set([
  'lang', 'charset', 'name', 'content', 'rel', 'href', 'class', 'id', 'role', 'method', 'action', 'type', 'value', 'for', 'maxlength',
  'minlength', 'required', 'novalidate', 'rows', 'cols', 'selected', 'checked', 'disabled', 'min', 'max', 'step', 'inputmode',
  'placeholder', 'autocomplete', 'accept', 'enctype', 'tabindex', 'scope', 'download', 'title', 'start', 'align', 'colspan', 'rowspan',
  'hidden', 'dir', 'datetime', 'open', 'multiple', 'size', 'pattern', 'readonly', 'headers',
]);
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background', 'cite', 'srcset', 'data', 'ping']);
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n', sol: '/', lpar: '(', rpar: ')', nbsp: '\u00a0',
  equals: '=', grave: '`', period: '.', num: '#',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (m, e: string) => {
    if (e.startsWith('#')) {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** What a browser would follow: entities decoded, every whitespace and control character dropped, lower case. */
const normalisedUrl = (raw: string) => decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g, '').toLowerCase();

/** Problems found in a page; empty when it is safe. */
export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('contains <script');
  const dangerous = DANGEROUS_ELEMENTS.exec(html);
  if (dangerous) problems.push(`contains a <${dangerous[1]}> element: …${html.slice(Math.max(0, dangerous.index - 60), dangerous.index + 60)}…`);
  for (const match of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    const tag = match[0];
    const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(tag)![1].toLowerCase();
    const svg = SVG_TAGS.has(name) && !ALLOWED_TAGS.has(name);
    if (!ALLOWED_TAGS.has(name) && !svg && name !== 'svg') problems.push(`unexpected element <${name}>: ${tag.slice(0, 200)}`);
    if (tag.indexOf('<', 1) !== -1) problems.push(`raw "<" inside a tag: ${tag.slice(0, 200)}`);
    const rest = tag.slice(name.length + 1, -1);
    for (const a of rest.matchAll(/([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
      const attr = a[1].toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      if (attr.startsWith('on')) problems.push(`event-handler attribute ${attr} in ${tag.slice(0, 200)}`);
      const svgAttr = (svg || name === 'svg' || name === 'title') && SVG_ATTRS.has(attr);
      if (!ALLOWED_ATTRS.has(attr) && !svgAttr && !/^(aria|data)-[a-z-]+$/.test(attr)) problems.push(`unexpected attribute ${attr} in ${tag.slice(0, 200)}`);
      if (URL_ATTRS.has(attr)) {
        const url = normalisedUrl(value);
        if (/^(javascript|data|vbscript|file|blob):/.test(url)) problems.push(`${attr} with a dangerous scheme: ${value.slice(0, 200)}`);
        else if (url !== '' && !/^(\/(?![/\\])|#|\?|https?:\/\/[^/\\])/.test(url)) problems.push(`${attr} is neither same-site nor http(s): ${value.slice(0, 200)}`);
      }
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------------ the suite

describe('output encoding of user-supplied values', () => {
  let t: TestApp;
  const jars: Record<'admin' | 'author' | 'reviewer' | 'viewer', string> = { admin: '', author: '', reviewer: '', viewer: '' };
  let authorToken = '';
  let reviewerToken = '';
  let authorEmail = '';
  const hostileUsers: { id: number; email: string; name: string }[] = [];
  /** per hostile value: the items made from it */
  const items: { value: string; verified: number; submitted: number; rejected: number; retracted: number; draft: number }[] = [];
  const csvItems: number[] = [];
  let formulaItem = 0;
  let attachmentItem = 0;
  const ATTACHMENT_NAME = "<img src=x onerror=alert(1)>'onmouseover='x'.txt";
  const tally = { pages: 0, checks: 0 };

  /** GETs a page as someone, checks it is HTML and safe, and returns the body. */
  async function page(jar: string, url: string, expectedStatus = 200): Promise<string> {
    const res = await t.app.inject({ url, headers: { cookie: jar } });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(expectedStatus);
    return checkedHtml(res, url);
  }

  function checkedHtml(res: LightMyRequestResponse, what: string): string {
    expect(String(res.headers['content-type']), what).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['x-content-type-options'], what).toBe('nosniff');
    expect(String(res.headers['content-security-policy']), what).toMatch(/script-src 'self'/);
    expect(htmlProblems(res.body), what).toEqual([]);
    tally.pages += 1;
    return res.body;
  }

  function expectEscaped(html: string, value: string, what: string) {
    tally.checks += 1;
    // direction overrides are shown as "[U+202E]" in page text, and kept as typed inside form fields
    expect(html.includes(esc(value)) || html.includes(attr(value)), `${what}: "${value.slice(0, 60)}" should appear escaped`).toBe(true);
  }

  const api = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

  const apiItem = (value: string, ref: string, extra: Record<string, unknown> = {}) => ({
    title: value,
    summary: `${value}\n\n${MARKDOWN_ATTACKS}`,
    source: value,
    url: TRICKY_URL,
    observed_on: '2026-05-02',
    source_reliability: 'B',
    credibility: 2,
    groups: ['TTP'],
    tlp: 'CLEAR',
    location: value,
    ref,
    findings: [{ benchmark: 'BORDER-1', stance: 1 }],
    submit: true,
    ...extra,
  });

  const formItem = (value: string, ref: string, extra: Record<string, string | string[]> = {}) => ({
    title: value,
    summary: `${value}\n\n${MARKDOWN_ATTACKS}`,
    source: value,
    url: TRICKY_URL,
    observed_on: '2026-05-02',
    source_reliability: 'B',
    credibility: '2',
    tlp: 'CLEAR',
    groups: ['TTP'],
    location: '__other',
    location_other: value,
    ref,
    finding_benchmark_0: 'BORDER-1',
    finding_stance_0: '1',
    action: 'submit',
    ...extra,
  });

  const idFrom = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
    return Number(/\/evidence\/(\d+)$/.exec(String(res.headers.location))![1]);
  };

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const admin = await addUser(t.db, 'admin', { delegation: 'SEC' });
    const reviewer = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const viewer = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    // the author: hostile name and a hostile (but valid) e-mail, through createUser
    authorEmail = "x'onmouseover='alert`1`'@example.org";
    const authorPassword = 'quartz meadow lantern velvet 1';
    const author = await createUser(t.db.kysely, { email: authorEmail, name: HOSTILE[0], role: 'evaluator', delegation: 'PAK', password: authorPassword });
    hostileUsers.push({ id: author.id, email: author.email, name: author.name });
    // more users with hostile names and e-mails through createUser
    const emails = ['javascript:alert`1`@example.org', '{{constructor.constructor}}@example.org', '&lt&gtscript.amp@example.org'];
    for (const [i, email] of emails.entries()) {
      const u = await createUser(t.db.kysely, { email, name: HOSTILE[i + 1], role: 'viewer', delegation: null, password: `quartz meadow lantern velvet ${i + 2}` });
      hostileUsers.push({ id: u.id, email: u.email, name: u.name });
    }
    jars.admin = (await signIn(t.app, admin.email, admin.password)).jar;
    jars.reviewer = (await signIn(t.app, reviewer.email, reviewer.password)).jar;
    jars.viewer = (await signIn(t.app, viewer.email, viewer.password)).jar;
    jars.author = (await signIn(t.app, authorEmail, authorPassword)).jar;
    expect(jars.author).toMatch(/pactwatch_session=/);
    authorToken = (await createApiToken(t.db.kysely, author, 'author', CLI_ACTOR)).token;
    reviewerToken = (await createApiToken(t.db.kysely, reviewer.user, 'reviewer', CLI_ACTOR)).token;

    // invitations with hostile names (admin page)
    for (const [i, name] of HOSTILE.slice(4, 7).entries()) {
      const res = await postForm(t.app, jars.admin, '/admin/users', '/admin/users', { email: `invite.${i}+'x'@example.org`, name, role: 'viewer', delegation: '' });
      expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
      checkedHtml(res, 'invite result');
      expectEscaped(res.body, `invite.${i}+'x'@example.org`, 'invite result e-mail');
      const row = await t.db.kysely.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', `invite.${i}+'x'@example.org`).executeTakeFirstOrThrow();
      expect(row.name).toBe(name);
      hostileUsers.push(row);
    }
    // renames through the admin user page: the reviewer, the viewer and the admin get hostile names
    for (const [who, id, name] of [['reviewer', reviewer.user.id, HOSTILE[7]], ['viewer', viewer.user.id, HOSTILE[8]], ['admin', admin.user.id, HOSTILE[9]]] as const) {
      const res = await postForm(t.app, jars.admin, `/admin/users/${id}`, `/admin/users/${id}`, { name, role: who, delegation: who === 'viewer' ? 'CHN' : 'SEC' });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
      const row = await t.db.kysely.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.name).toBe(name);
      hostileUsers.push(row);
    }

    // evidence: per hostile value, an item through each route into each state
    for (const [i, value] of HOSTILE.entries()) {
      // verified: logged through the form, verified by the reviewer through the page
      const verified = idFrom(await postForm(t.app, jars.author, '/evidence/new', '/evidence/new', formItem(value, value)));
      expect((await postForm(t.app, jars.reviewer, `/evidence/${verified}`, `/evidence/${verified}/verify`, {})).statusCode).toBe(303);
      // submitted (waits in the review queue): through the API
      const submitted = await api(authorToken, 'POST', '/api/v1/evidence', apiItem(value, `s${i}-${value}`));
      expect(submitted.statusCode, submitted.body).toBe(201);
      // rejected with the value as the reason (page)
      const rejected = (await api(authorToken, 'POST', '/api/v1/evidence', apiItem(value, `r${i}-${value}`))).json().id as number;
      expect((await postForm(t.app, jars.reviewer, `/evidence/${rejected}`, `/evidence/${rejected}/reject`, { reason: value })).statusCode).toBe(303);
      // verified then retracted with the value as the reason (API)
      const retracted = (await api(authorToken, 'POST', '/api/v1/evidence', apiItem(value, `t${i}-${value}`))).json().id as number;
      expect((await api(reviewerToken, 'POST', `/api/v1/evidence/${retracted}/verify`)).statusCode).toBe(200);
      const retract = await api(reviewerToken, 'POST', `/api/v1/evidence/${retracted}/retract`, { reason: value });
      expect(retract.statusCode, retract.body).toBe(200);
      // a draft, seen by its author in the edit form
      const draft = await api(authorToken, 'POST', '/api/v1/evidence', apiItem(value, `d${i}-${value}`, { submit: false }));
      expect(draft.statusCode, draft.body).toBe(201);
      items.push({ value, verified, submitted: submitted.json().id, rejected, retracted, draft: draft.json().id });
    }

    // CSV import rows (page), all fields hostile; they arrive submitted
    const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const rows = HOSTILE.map((value, i) =>
      [`c${i}-${value}`, value, `${value}\n\n${MARKDOWN_ATTACKS}`, value, TRICKY_URL, '2026-05-03', 'C', '3', 'TTP', 'CLEAR', value, 'BORDER-1=1'].map(csvCell).join(','),
    );
    const csv = ['ref,title,summary,source,url,observed_on,source_reliability,credibility,groups,tlp,location,findings', ...rows].join('\r\n');
    const imported = await postForm(t.app, jars.author, '/evidence/import', '/evidence/import', { format: 'csv', text: csv });
    expect(imported.statusCode, imported.body.slice(0, 2000)).toBe(303);
    for (const [i] of HOSTILE.entries()) {
      const row = await t.db.kysely.selectFrom('evidence').select('id').where('ref', '=', `c${i}-${HOSTILE[i]}`).executeTakeFirstOrThrow();
      csvItems.push(row.id);
    }

    // spreadsheet formulas in every text column
    const formula = await api(authorToken, 'POST', '/api/v1/evidence', {
      ...apiItem("=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"),
      summary: '=HYPERLINK("https://evil.example","x")',
      source: '+SUM(1,2)',
      location: "-2+3+cmd|' /C calc'!A0",
      url: 'https://example.org/a',
    });
    expect(formula.statusCode, formula.body).toBe(201);
    formulaItem = formula.json().id;
    expect((await api(reviewerToken, 'POST', `/api/v1/evidence/${formulaItem}/verify`)).statusCode).toBe(200);

    // a document with a hostile name on a submitted item (only its author may attach)
    attachmentItem = items[0].submitted;
    const detail = await t.app.inject({ url: `/evidence/${attachmentItem}`, headers: { cookie: jars.author } });
    const upload = multipart({ _csrf: csrfFrom(detail.body) }, { field: 'file', filename: ATTACHMENT_NAME, content: 'hello', type: 'text/plain' });
    const attached = await t.app.inject({ method: 'POST', url: `/evidence/${attachmentItem}/attachments`, headers: { cookie: jars.author, ...upload.headers }, payload: upload.payload });
    expect(attached.statusCode).toBe(303);
    const stored = await t.db.kysely.selectFrom('attachments').select('filename').where('evidence_id', '=', attachmentItem).execute();
    expect(stored.map((a) => a.filename)).toEqual([ATTACHMENT_NAME]);

    // API token names: through the page (author) and the service (viewer)
    for (const value of HOSTILE) {
      const res = await postForm(t.app, jars.author, '/account/tokens', '/account/tokens', { name: value });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      checkedHtml(res, 'token created');
      expectEscaped(res.body, value, 'token created notice');
      await createApiToken(t.db.kysely, viewer.user, value, CLI_ACTOR);
    }
  }, 240_000);

  afterAll(() => t?.close());

  it('the page check itself finds what it looks for', () => {
    expect(htmlProblems('<!DOCTYPE html><p class="x"><a href="/evidence?q=1" rel="next">ok</a> <a href="https://example.org/">x</a> <a href="#main">y</a></p>')).toEqual([]);
    const bad = [
      '<script>alert(1)</script>', '<SCRIPT src="/x.js">', '<a href="javascript:alert(1)">', '<a href="&#106;avascript:alert(1)">', '<a href="&#x6A;avascript&colon;x">',
      '<a href=" java	script:x">', '<a href="JaVaScRiPt:x">', '<a href="data:text/html,x">', '<a href="vbscript:x">', '<img src=x onerror=alert(1)>', '<p onclick="x">',
      "<input value='x' onmouseover='alert(1)'>", '<input value="" onfocus="alert(1)" autofocus>', '<svg/onload=alert(1)>', '<iframe src="/x">', '<a href="//evil.example">',
      '<a href="/\\evil.example">', '<object data="x">', '<embed src="x">', '<svg><foreignObject></foreignObject></svg>', '<svg><a xlink:href="javascript:x">',
      '<div style="background:url(x)">', '<form action="javascript:x">', '<button formaction="https://evil.example">', '<input value="<img src=x>">', '<details open ontoggle=alert(1)>',
    ];
    for (const html of bad) expect(htmlProblems(html), html).not.toEqual([]);
  });

  // ---------------------------------------------------------------------------------------------- evidence pages

  it('evidence list: every title is escaped, for every role', async () => {
    for (const who of ['viewer', 'author', 'reviewer', 'admin'] as const) {
      const html = await page(jars[who], '/evidence?limit=200');
      for (const value of HOSTILE) expectEscaped(html, value, `/evidence as ${who}`);
    }
    const own = await page(jars.author, '/evidence?limit=200');
    expectEscaped(own, HOSTILE[0], 'author name in the header');
  });

  it('evidence detail: title, summary, source, link, location, ref, reasons, author, history and documents, for every role', async () => {
    for (const item of items) {
      for (const who of ['viewer', 'author', 'reviewer', 'admin'] as const) {
        for (const [state, id] of [['verified', item.verified], ['submitted', item.submitted], ['rejected', item.rejected], ['retracted', item.retracted]] as const) {
          const html = await page(jars[who], `/evidence/${id}`);
          const where = `/evidence/${id} (${state}) as ${who}`;
          expect(html, where).toContain(`<title>Evidence #${id}: ${esc(item.value)} · pactwatch</title>`);
          expect(html, where).toContain(`<h1 dir="auto">${esc(item.value)}</h1>`);
          expectEscaped(html, item.value, where);
          expect(html, where).toContain(`<dd><bdi>${esc(item.value)}</bdi> · <a href="${esc(new URL(TRICKY_URL).toString())}" rel="noopener noreferrer nofollow">source link</a></dd>`);
          expect(html, where).toContain(`<dd>2026-05-02, <bdi>${esc(item.value)}</bdi></dd>`);
          expectEscaped(html, authorEmail, `${where}: author e-mail`);
          // the summary's raw HTML is shown as text
          expect(html, where).toContain(esc('<iframe src="javascript:alert(1)"></iframe>'));
          expect(html, where).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
          if (state === 'verified') expect(html, where).toContain(`ref ${esc(item.value)}</p>`);
          if (state === 'rejected') expect(html, where).toContain(`<dt>Rejected because</dt><dd dir="auto">${esc(item.value)}</dd>`);
          if (state === 'retracted') expect(html, where).toContain(`<dt>Retracted because</dt><dd dir="auto">${esc(item.value)}</dd>`);
          if (state === 'rejected' || state === 'retracted') expect(html, where).toMatch(new RegExp(`<td><bdi>${esc(item.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</bdi></td>(<td class="num">\\d+</td>)?</tr>`)); // the log entry number is shown to administrators only
        }
      }
    }
    const withDocument = await page(jars.viewer, `/evidence/${attachmentItem}`);
    expect(withDocument).toContain(`download dir="auto">${esc(ATTACHMENT_NAME)}</a>`);
    expect(withDocument).toContain(`<td><bdi>${esc(ATTACHMENT_NAME)} (5 bytes, SHA-256 `);
    const docId = /href="\/attachments\/(\d+)"/.exec(withDocument)![1];
    const download = await t.app.inject({ url: `/attachments/${docId}`, headers: { cookie: jars.viewer } });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(String(download.headers['content-disposition'])).toMatch(/^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''[A-Za-z0-9%._~!*'()-]+$/);
  });

  it('Markdown summaries: no link, image or embedded HTML with a dangerous scheme survives; http(s) links do', async () => {
    const html = await page(jars.viewer, `/evidence/${items[0].verified}`);
    const summary = /<section class="summary" aria-label="Summary" dir="auto">([\s\S]*?)<\/section>/.exec(html)![1];
    const hrefs = [...summary.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\/example\.org\//);
    expect(summary).toContain('&lt;iframe');
    expect(summary).toContain(esc('<img src=x onerror=alert(1)>'));
    expect(summary).toContain(esc('<details open ontoggle=alert(1)>'));
    expect(summary).toContain(esc('<svg><script>alert(1)</script></svg>'));
    expect(summary).not.toMatch(/<(img|iframe|svg|object|embed|details|style)\b/i);
  });

  it('edit and correction forms put the stored values back into inputs escaped', async () => {
    for (const item of items) {
      const edit = await page(jars.author, `/evidence/${item.draft}/edit`);
      expect(edit).toContain(`name="title" type="text" maxlength="300" required value="${attr(item.value)}"`);
      expect(edit).toContain(`name="source" type="text" maxlength="500" value="${attr(item.value)}"`);
      expect(edit).toContain(`name="location_other" type="text" maxlength="200" value="${attr(item.value)}"`);
      expect(edit).toContain(`name="url" type="url" maxlength="2048" value="${attr(TRICKY_URL)}"`);
      expect(edit).toContain(`>${attr(`${item.value}\n\n${MARKDOWN_ATTACKS}`)}</textarea>`);
      const correct = await page(jars.author, `/evidence/${item.verified}/correct`);
      expect(correct).toContain(`#${item.verified} <bdi>${esc(item.value)}</bdi></a>`);
      expect(correct).toContain(`value="${attr(item.value)}"`);
    }
  });

  it('a rejected form echoes every typed value escaped, including 100 000 characters', async () => {
    for (const field of ['title', 'summary', 'source', 'location_other', 'ref']) {
      const res = await postForm(t.app, jars.author, '/evidence/new', '/evidence/new', formItem('ok', '', { [field]: BIG, ref: field === 'ref' ? BIG : '' }));
      expect(res.statusCode, field).toBe(400);
      const html = checkedHtml(res, `form with a huge ${field}`);
      // (the "other location" text is not echoed at all: see the BUG case below)
      if (field !== 'location_other') expectEscaped(html, BIG, `huge ${field}`);
      expect(html).toContain(field === 'location_other' ? 'id="location-error"' : `id="${field}-error"`);
    }
    for (const value of HOSTILE) {
      const res = await postForm(t.app, jars.author, '/evidence/new', '/evidence/new', formItem(value, value, { observed_on: 'not a date' }));
      expect(res.statusCode).toBe(400);
      const html = checkedHtml(res, 'rejected form');
      expect(html).toContain(`required value="${attr(value)}"`);
    }
    const api400 = await api(authorToken, 'POST', '/api/v1/evidence', apiItem(BIG, 'big'));
    expect(api400.statusCode).toBe(400);
    expect(api400.json().error.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['title', 'source', 'location']));
  });

  // formView() computes location_other from `location` ("__other" when the form was posted), not from the posted
  // `location_other`: after any validation error the typed "other location" is replaced by the text "__other".
  it('a rejected form keeps the typed "other location"', async () => {
    const res = await postForm(t.app, jars.author, '/evidence/new', '/evidence/new', formItem('Typed place kept', '', { location_other: HOSTILE[1], observed_on: 'not a date' }));
    expect(res.statusCode).toBe(400);
    const html = checkedHtml(res, 'rejected form with another location');
    expect(html).toContain(`name="location_other" type="text" maxlength="200" value="${attr(HOSTILE[1])}"`);
  });

  it('review queue: titles, authors and filter values are escaped', async () => {
    for (const who of ['reviewer', 'admin'] as const) {
      const html = await page(jars[who], '/review?limit=200');
      for (const value of HOSTILE) expectEscaped(html, value, `/review as ${who}`);
      expectEscaped(html, authorEmail, `/review author as ${who}`);
    }
    for (const value of HOSTILE) {
      const q = new URLSearchParams({ evaluator: value, benchmark: value.slice(0, 64), group: value.slice(0, 64), older_than_days: '' }).toString();
      const html = await page(jars.reviewer, `/review?${q}`);
      expect(html).toContain(`name="evaluator" type="text" value="${attr(value)}"`);
    }
    const byAuthor = await page(jars.reviewer, `/review?limit=200&evaluator=${encodeURIComponent(authorEmail)}`);
    expect(byAuthor).toContain(`value="${attr(authorEmail)}"`);
    expectEscaped(byAuthor, HOSTILE[1], 'review filtered by the hostile e-mail');
  });

  it('query-string values echoed on /evidence are escaped (filters, links to exports and pages)', async () => {
    for (const value of [...HOSTILE, BIG.slice(0, 200)]) {
      for (const who of ['viewer', 'admin'] as const) {
        const q = new URLSearchParams({ q: value, benchmark: value.slice(0, 64), pillar: value.slice(0, 64), group: value.slice(0, 64), limit: '1' }).toString();
        const html = await page(jars[who], `/evidence?${q}`);
        expect(html).toContain(`name="q" type="search" value="${attr(value)}"`);
      }
      // a search that matches: the title, in a list with next/previous links carrying the query
      const found = await page(jars.viewer, `/evidence?${new URLSearchParams({ q: value, limit: '1' }).toString()}`);
      expect(found).toContain(`name="q" type="search" value="${attr(value)}"`);
    }
    // refused values come back on an error page, escaped
    for (const value of HOSTILE) {
      for (const [param, max] of [['framework', 64], ['from', 40], ['status', 40], ['tlp', 40], ['page', 40], ['limit', 40]] as const) {
        const res = await t.app.inject({ url: `/evidence?${param}=${encodeURIComponent(value.slice(0, max))}`, headers: { cookie: jars.viewer } });
        expect(res.statusCode, `${param}=${value}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        const html = checkedHtml(res, `/evidence?${param}=…`);
        if (param === 'framework') expectEscaped(html, value, 'unknown framework message');
      }
    }
    const huge = await t.app.inject({ url: `/evidence?q=${encodeURIComponent(BIG)}`, headers: { cookie: jars.viewer } });
    expect(huge.statusCode).toBe(400);
    checkedHtml(huge, '/evidence?q=<100 000 characters>');
  });

  it('dashboard: every role sees its own hostile name escaped; as_of, known_at, perspective and framework are escaped', async () => {
    for (const [who, name] of [['author', HOSTILE[0]], ['reviewer', HOSTILE[7]], ['viewer', HOSTILE[8]], ['admin', HOSTILE[9]]] as const) {
      const html = await page(jars[who], '/');
      expect(html, who).toContain(`<span><bdi>${esc(name)}</bdi> <span class="role">`);
    }
    for (const value of [...HOSTILE, BIG]) {
      for (const param of ['as_of', 'known_at', 'perspective', 'framework']) {
        const res = await t.app.inject({ url: `/?${param}=${encodeURIComponent(value)}`, headers: { cookie: jars.viewer } });
        expect(res.statusCode, `${param}=${value.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        const html = checkedHtml(res, `/?${param}=…`);
        if (param === 'framework' && value.length <= 64) expectEscaped(html, value, 'unknown framework on the dashboard');
      }
    }
    // valid values are echoed into the date form and the perspective links
    const ok = await page(jars.viewer, '/?as_of=2026-05-01&known_at=2026-06-01&perspective=PAK');
    expect(ok).toContain('name="as_of" type="date" value="2026-05-01"');
  });

  it('exports: JSON returns the strings exactly; CSV keeps them as data and neutralises formulas', async () => {
    const json = await t.app.inject({ url: '/evidence/export.json?limit=200', headers: { cookie: jars.viewer } });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['content-disposition']).toMatch(/^attachment;/);
    const exported = json.json().evidence as Record<string, unknown>[];
    for (const item of items) {
      const row = exported.find((e) => e.id === item.retracted)!;
      expect(row).toMatchObject({ title: item.value, source: item.value, location: item.value, summary: `${item.value}\n\n${MARKDOWN_ATTACKS}`, url: TRICKY_URL, retract_reason: item.value });
    }

    const csv = await t.app.inject({ url: '/evidence/export.csv', headers: { cookie: jars.viewer } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment;/);
    const table = parseCsv(csv.body);
    const header = table[0];
    const col = (name: string) => header.indexOf(name);
    const byId = new Map(table.slice(1).map((r) => [Number(r[col('id')]), r]));
    const f = byId.get(formulaItem)!;
    expect(f[col('title')]).toBe("'=cmd|' /C calc'!A0");
    expect(f[col('ref')]).toBe("'@SUM(1+1)*cmd|' /C calc'!A0");
    expect(f[col('summary')]).toBe('\'=HYPERLINK("https://evil.example","x")');
    expect(f[col('source')]).toBe("'+SUM(1,2)");
    expect(f[col('location')]).toBe("'-2+3+cmd|' /C calc'!A0");
    for (const row of table.slice(1)) for (const cell of row) expect(cell, `CSV cell ${cell.slice(0, 40)}`).not.toMatch(/^[=+\-@\t\r]/);
    for (const item of items) {
      const row = byId.get(item.verified)!;
      expect(row[col('title')]).toBe(item.value);
      expect(row[col('summary')]).toBe(`${item.value}\n\n${MARKDOWN_ATTACKS}`);
    }
  });

  it('JSON API: exact round trip of every field and reason, as application/json', async () => {
    for (const item of items) {
      for (const [id, reasonField] of [[item.verified, null], [item.submitted, null], [item.rejected, 'reject_reason'], [item.retracted, 'retract_reason'], [item.draft, null]] as const) {
        const res = await api(authorToken, 'GET', `/api/v1/evidence/${id}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
        const body = res.json();
        expect(body.title).toBe(item.value);
        expect(body.source).toBe(item.value);
        expect(body.location).toBe(item.value);
        expect(body.summary).toBe(`${item.value}\n\n${MARKDOWN_ATTACKS}`);
        expect(body.url).toBe(TRICKY_URL);
        expect(body.created_by).toBe(authorEmail);
        if (reasonField) expect(body[reasonField]).toBe(item.value);
        if (reasonField) expect(body.history.some((h: { details: { reason?: string } }) => h.details.reason === item.value)).toBe(true);
      }
      expect((await api(authorToken, 'GET', `/api/v1/evidence/${item.verified}`)).json().ref).toBe(item.value);
    }
    for (const [i, id] of csvItems.entries()) {
      const body = (await api(authorToken, 'GET', `/api/v1/evidence/${id}`)).json();
      expect(body).toMatchObject({ ref: `c${i}-${HOSTILE[i]}`, title: HOSTILE[i], source: HOSTILE[i], location: HOSTILE[i] });
    }
    const list = await api(authorToken, 'GET', `/api/v1/evidence?limit=200&q=${encodeURIComponent(HOSTILE[0])}`);
    expect(list.headers['content-type']).toMatch(/^application\/json/);
    expect(list.json().items.some((e: { title: string }) => e.title === HOSTILE[0])).toBe(true);
    const scorecard = await api(authorToken, 'GET', `/api/v1/scorecard?framework=${encodeURIComponent(HOSTILE[0])}`);
    expect(scorecard.statusCode).toBe(404);
    expect(scorecard.headers['content-type']).toMatch(/^application\/json/);
    expect(scorecard.json().error.message).toBe(`unknown framework "${HOSTILE[0]}"`);
  });

  it('links from users are http(s) only: javascript:, data:, vbscript: and friends are refused with 400 naming url', async () => {
    const bad = ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'vbscript:msgbox(1)', '//evil.example/x', 'https:javascript:alert(1)', 'http://', 'file:///etc/passwd', 'java\tscript:alert(1)', 'jav&#x61;script:alert(1)'];
    const before = await t.db.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const url of bad) {
      const viaApi = await api(authorToken, 'POST', '/api/v1/evidence', apiItem('Link test', '', { url, ref: undefined }));
      expect(viaApi.statusCode, url).toBe(400);
      expect(viaApi.json().error.fields.map((f: { path: string }) => f.path), url).toContain('url');
      const viaForm = await postForm(t.app, jars.author, '/evidence/new', '/evidence/new', formItem('Link test', '', { url }));
      expect(viaForm.statusCode, url).toBe(400);
      const html = checkedHtml(viaForm, `form with url ${url}`);
      expect(html).toMatch(/id="url-error">[^<]+</);
      expect(html).toContain(`value="${attr(url)}"`);
    }
    const after = await t.db.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  // ---------------------------------------------------------------------------------------------- accounts

  it('admin: users list, each user page and flash messages show names and e-mails escaped', async () => {
    const list = await page(jars.admin, '/admin/users');
    for (const u of hostileUsers) {
      expectEscaped(list, u.name, 'users list name');
      expectEscaped(list, u.email, 'users list e-mail');
      const one = await page(jars.admin, `/admin/users/${u.id}`);
      expect(one).toContain(`<title>User ${esc(u.email)} · pactwatch</title>`);
      expect(one).toContain(`<h1><bdi>${esc(u.email)}</bdi></h1>`);
      expect(one).toContain(`name="name" type="text" maxlength="200" required value="${attr(u.name)}"`);
    }
    // an edit that changes nothing visible, then the flash naming the hostile e-mail
    const victim = hostileUsers[1];
    const saved = await postForm(t.app, jars.admin, `/admin/users/${victim.id}`, `/admin/users/${victim.id}`, { name: victim.name, role: 'viewer', delegation: '' });
    expect(saved.statusCode).toBe(303);
    const flashed = await page(jars.admin, `/admin/users/${victim.id}`);
    expect(flashed).toContain(`<p class="flash" role="status">Saved ${esc(victim.email)}.`);
    // a refused invitation echoes what was typed
    for (const value of [...HOSTILE, BIG]) {
      const res = await postForm(t.app, jars.admin, '/admin/users', '/admin/users', { email: value, name: value, role: value.slice(0, 50), delegation: value.slice(0, 50) });
      expect(res.statusCode).toBe(400);
      const html = checkedHtml(res, 'refused invitation');
      expect(html).toContain(`id="invite-email" name="email" type="email" required value="${attr(value)}"`);
      expect(html).toContain(`id="invite-name" name="name" type="text" maxlength="200" value="${attr(value)}"`);
    }
    // a refused rename
    for (const value of [BIG, `bad\u0007name`]) {
      const res = await postForm(t.app, jars.admin, `/admin/users/${victim.id}`, `/admin/users/${victim.id}`, { name: value, role: 'viewer', delegation: value.slice(0, 30) });
      expect(res.statusCode).toBe(400);
      checkedHtml(res, 'refused rename');
    }
  });

  it('sign-in page and security log: a hostile e-mail typed at sign-in is echoed escaped', async () => {
    const values = [HOSTILE[0], HOSTILE[1]];
    for (const value of values) {
      const login = await t.app.inject({ url: '/login' });
      const jar = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const res = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: value, password: 'wrong password here', next: value, _csrf: csrfFrom(login.body) }).toString(),
      });
      expect(res.statusCode).toBe(401);
      const html = checkedHtml(res, 'failed sign-in');
      expect(html).toContain(`name="email" type="email" autocomplete="username" required value="${attr(value)}"`);
    }
    const log = await page(jars.admin, '/admin/security-log');
    for (const value of values) expectEscaped(log, value.toLowerCase(), 'security log e-mail');
    for (const next of HOSTILE) {
      const res = await t.app.inject({ url: `/login?next=${encodeURIComponent(`/${next}`)}` });
      expect(res.statusCode).toBe(200);
      const html = checkedHtml(res, '/login?next=…');
      // the path comes back normalised (percent-encoded where needed) and escaped
      const normalised = new URL(`/${next}`, 'http://x.invalid');
      expect(html).toContain(`name="next" value="${attr(`${normalised.pathname}${normalised.search}${normalised.hash}`)}"`);
    }
  });

  // Regression: a sign-in link with next=/\evil.example once passed safeNext (which refused only "//"); browsers
  // read "/\" like "//", so the user would have landed on another site after signing in (open redirect).
  it('sign-in keeps the user on this site whatever `next` says (also "/\\host")', async () => {
    for (const next of ['//evil.example/', '/\\evil.example/', '/\\/evil.example/', 'https://evil.example/', '/%5Cevil.example']) {
      const res = await t.app.inject({ url: `/login?next=${encodeURIComponent(next)}`, headers: { cookie: jars.viewer } });
      expect(res.statusCode).toBe(303);
      const location = String(res.headers.location);
      expect(new URL(location, 'https://pactwatch.example/').origin, `next=${next} -> Location ${location}`).toBe('https://pactwatch.example');
      // what a browser does with a backslash in a special URL: it is a slash
      expect(location.replaceAll('\\', '/'), `next=${next} -> Location ${location}`).not.toMatch(/^\/\//);
    }
  });

  it('API tokens page: every token name is escaped; a refused name does not break the page', async () => {
    const html = await page(jars.author, '/account/tokens');
    for (const value of HOSTILE) expect(html).toContain(`<tr><th scope="row" dir="auto">${esc(value)}</th>`);
    const viewerHtml = await page(jars.viewer, '/account/tokens');
    for (const value of HOSTILE) expectEscaped(viewerHtml, value, 'service-created token name');
    for (const value of [BIG, 'x'.repeat(150), 'tab\tname']) {
      const res = await postForm(t.app, jars.author, '/account/tokens', '/account/tokens', { name: value });
      expect(res.statusCode).toBe(400);
      checkedHtml(res, 'refused token name');
    }
  });

  it('CSV import: a failing file is echoed escaped, with its errors naming hostile columns and codes', async () => {
    const text = [
      `ref,title,${HOSTILE[0]},observed_on,source_reliability,credibility,findings`,
      `"a","b","c",2026-01-01,A,1,"${HOSTILE[6]}=1"`,
    ].join('\n');
    const res = await postForm(t.app, jars.author, '/evidence/import', '/evidence/import', { format: 'csv', text, dry_run: 'on' });
    expect(res.statusCode).toBe(400);
    const html = checkedHtml(res, 'import with a hostile column');
    expectEscaped(html, text, 'import text');
    expectEscaped(html, HOSTILE[0].toLowerCase(), 'unknown column');
    const badCode = ['ref,title,observed_on,source_reliability,credibility,findings', `x,y,2026-01-01,A,1,"${HOSTILE[6]}=1 ${HOSTILE[1]}=2"`].join('\n');
    const res2 = await postForm(t.app, jars.author, '/evidence/import', '/evidence/import', { format: 'csv', text: badCode, dry_run: 'on' });
    expect(res2.statusCode).toBe(400);
    checkedHtml(res2, 'import with hostile benchmark codes');
    const json = await postForm(t.app, jars.author, '/evidence/import', '/evidence/import', { format: 'json', text: JSON.stringify({ framework_code: HOSTILE[0], evidence: [{ [HOSTILE[1]]: HOSTILE[2], title: BIG }] }) });
    expect(json.statusCode).toBe(400);
    checkedHtml(json, 'JSON import with hostile keys');
    const bigImport = await postForm(t.app, jars.author, '/evidence/import', '/evidence/import', { format: 'csv', text: `ref,title,observed_on,source_reliability,credibility,findings\nx,"${BIG}",2026-01-01,A,1,BORDER-1=1`, dry_run: 'on' });
    expect(bigImport.statusCode).toBe(400);
    expectEscaped(checkedHtml(bigImport, 'import with a 100 000-character title'), BIG, 'huge import text');
  });

  it('review actions: a refused reason is reported without echoing markup', async () => {
    const target = items[1].submitted;
    for (const reason of [BIG, 'bell\u0007']) {
      const res = await postForm(t.app, jars.reviewer, `/evidence/${target}`, `/evidence/${target}/reject`, { reason });
      expect(res.statusCode).toBe(303);
      const html = await page(jars.reviewer, `/evidence/${target}`);
      expect(html).toMatch(/<p class="flash" role="status">Not done: reason: /);
    }
  });

  // Direction overrides are stored as typed but shown as "[U+202E]" in page text (views/render.ts), never obeyed.
  it('direction overrides in titles, sources, locations, refs, reasons, user and token names are shown, not obeyed', async () => {
    const bidi = /[\u202a-\u202e\u2066-\u2069]/;
    for (const url of ['/evidence?limit=200', `/evidence/${items[8].verified}`, `/evidence/${items[8].rejected}`, '/review?limit=200', '/admin/users', '/account/tokens']) {
      const html = await page(url === '/account/tokens' ? jars.author : url.startsWith('/admin') ? jars.admin : jars.reviewer, url);
      const raw = html.split('\n').filter((line) => bidi.test(line));
      expect(raw, `${url}: lines with raw direction overrides`).toEqual([]);
    }
  });

  it('the audit chain is intact after all of this', async () => {
    expect((await verifyAuditChain(t.db.kysely)).ok).toBe(true);
    // eslint-disable-next-line no-console
    console.info(`output encoding: ${tally.pages} pages checked, ${tally.checks} escaped-value checks`);
  });
});

/** RFC 4180, for reading the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
