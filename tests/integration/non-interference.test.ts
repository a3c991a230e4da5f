// Need-to-know as non-interference (issue 9): for a signed-in user U and two databases that differ only in items U
// may not see (their text, their marking among those U may not read, who wrote and handled them, their earlier
// versions and attachments), every response U can get is byte-identical. The items' skeleton (dates, grading,
// groups, findings, review steps) is shared, so even the aggregates METHODOLOGY.md defines (scores, intervals) and
// the restricted counts are equal; those counts must therefore ignore every filter over hidden content.
//
// The requests come from the registered route table: every GET route with each parameter value and a set of
// query variants (searches for words the hidden items do or do not contain, evaluator e-mails, markings, dates,
// time travel), then every POST route with a body for it (refs of hidden items, review actions on every id), then
// the GET routes again. A route added later is crawled without editing this file.

import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import type { Db } from '../../src/db/connect';
import type { Role, UserRow } from '../../src/db/schema';
import { createEvidence, reviewEvidence, updateDraft } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';
import { importFile } from '../../src/framework/import-service';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { loadFrameworkTree, listFrameworks } from '../../src/framework/repository';
import { closeTestDb, onPostgres, openTestDb } from '../helpers/db';
import { cookieJar, csrfFrom, htmlAsPdf, manualClock, multipart, signIn, testConfig } from '../helpers/app';
import { pdfUnavailableHere, registeredRoutes } from '../helpers/requests';
import { testPasswordHash, TEST_PASSWORD } from '../helpers/users';

// ---------------------------------------------------------------- people

type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'RED';
const TLPS: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

interface Person {
  key: string;
  role: Role;
  delegation: string | null;
}

const PEOPLE: Person[] = [
  { key: 'admin', role: 'admin', delegation: null },
  { key: 'evalPAK', role: 'evaluator', delegation: 'PAK' },
  { key: 'evalIRN', role: 'evaluator', delegation: 'IRN' },
  { key: 'evalCHN', role: 'evaluator', delegation: 'CHN' },
  { key: 'R1', role: 'reviewer', delegation: 'SEC' },
  { key: 'R2', role: 'reviewer', delegation: 'RUS' },
  { key: 'viewerPAK', role: 'viewer', delegation: 'PAK' },
  { key: 'viewerNone', role: 'viewer', delegation: null },
];
/** who the property is stated for: every kind of reader but administrators (who see everything) */
const OBSERVERS = ['viewerPAK', 'viewerNone', 'evalCHN', 'R1'] as const;
const AUTHORS = ['evalPAK', 'evalIRN', 'evalCHN'] as const;
const HANDLERS = ['R1', 'R2'] as const;
const person = (key: string) => PEOPLE.find((p) => p.key === key)!;

// ---------------------------------------------------------------- the rule, as written (not the product's code)

type Path = 'draft' | 'submitted' | 'verified' | 'rejected' | 'retracted';

interface Placement {
  /** null: imported (no author, no delegation) */
  author: string | null;
  tlp: Tlp;
  handler: string;
}

function visibleTo(observer: Person, path: Path, p: Placement): boolean {
  if (observer.role === 'admin') return true;
  if (path === 'draft') return p.author === observer.key;
  if (p.author !== null && p.author === observer.key) return true;
  if (p.tlp === 'CLEAR' || p.tlp === 'GREEN') return true;
  if (p.tlp === 'AMBER') return observer.role === 'reviewer' || (p.author !== null && person(p.author).delegation === observer.delegation);
  const handled = path === 'verified' || path === 'rejected' || path === 'retracted';
  // imported items have no handler: only administrators read them once they are no longer awaiting review
  return (observer.role === 'reviewer' && path === 'submitted') || (handled && p.author !== null && p.handler === observer.key);
}

// ---------------------------------------------------------------- the two worlds, generated

/** Words the observer searches for: the hidden items of one world contain some of them, the other's others. */
const TERMS = ['Paktika', 'convoy', 'Бадахшане', 'بدخشان', '巴达赫尚', 'informant', 'TTP-cell', 'x9'];
const WORDS = ['patrol', 'meeting', 'border', 'report', 'district', 'crossing', 'liaison', 'arrest', 'camp', 'funds', ...TERMS];

interface Content {
  ref: string;
  title: string;
  summary: string;
  source: string;
  url: string;
  location: string;
  file: string;
  /** earlier draft versions (hidden history) */
  edits: { title: string; summary: string; tlp: Tlp }[];
  reason: string;
}

interface Slot {
  index: number;
  imported: boolean;
  path: Path;
  observedOn: string;
  reliability: string;
  credibility: number;
  groups: string[];
  findings: { benchmark: string; stance: number }[];
  /** world A's and world B's placement and content; equal when the observer sees the item */
  a: { placement: Placement; content: Content };
  b: { placement: Placement; content: Content };
}

const phrase = (min: number, max: number) => fc.array(fc.constantFrom(...WORDS), { minLength: min, maxLength: max }).map((w) => w.join(' '));
const contentArb = (index: number, world: string): fc.Arbitrary<Content> =>
  fc.record({
    ref: fc.constantFrom('EXT', 'PAK-RED', 'x9', 'REF').map((p) => `${p}-${world}${index}`),
    title: phrase(1, 5).map((t) => `${t} ${world}${index}`),
    summary: phrase(0, 12),
    source: phrase(1, 3),
    url: fc.constantFrom('https://example.org/a', 'https://example.org/Paktika', 'http://example.net/x9'),
    location: fc.constantFrom('Torkham crossing', 'Paktika', 'Kunar', 'Бадахшане'),
    file: phrase(1, 8),
    edits: fc.array(fc.record({ title: phrase(1, 4), summary: phrase(0, 6), tlp: fc.constantFrom(...TLPS) }), { maxLength: 2 }),
    reason: phrase(1, 4),
  });

const BENCHMARKS = ['BORDER-1', 'BORDER-2', 'DISRUPT-1', 'DISRUPT-2', 'INTEL-1'];
const GROUPS = ['TTP', 'ISKP', 'BLA', 'TIP', 'OTHER'];

function placementsHiddenFrom(observer: Person, path: Path, imported: boolean): Placement[] {
  const out: Placement[] = [];
  for (const author of imported ? [null] : AUTHORS) {
    for (const tlp of TLPS) for (const handler of HANDLERS) {
      const p = { author, tlp, handler };
      if (!visibleTo(observer, path, p)) out.push(p);
    }
  }
  return out;
}

function slotArb(observer: Person, index: number): fc.Arbitrary<Slot> {
  return fc
    .record({
      imported: fc.boolean(),
      path: fc.constantFrom<Path>('draft', 'submitted', 'verified', 'verified', 'rejected', 'retracted'),
      day: fc.integer({ min: 1, max: 58 }),
      reliability: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
      credibility: fc.integer({ min: 1, max: 6 }),
      groups: fc.subarray(GROUPS, { maxLength: 2 }),
      findings: fc.uniqueArray(fc.record({ benchmark: fc.constantFrom(...BENCHMARKS), stance: fc.integer({ min: -2, max: 2 }) }), { minLength: 1, maxLength: 2, selector: (f) => f.benchmark }),
      placement: fc.record({ author: fc.constantFrom<string>(...AUTHORS), tlp: fc.constantFrom(...TLPS), handler: fc.constantFrom<string>(...HANDLERS) }),
      pick: fc.nat(),
      pickB: fc.nat(),
      contentA: contentArb(index, 'A'),
      contentB: contentArb(index, 'B'),
    })
    .map((r) => {
      // imports arrive verified or awaiting review, never as drafts or rejected
      const imported = r.imported && (r.path === 'submitted' || r.path === 'verified' || r.path === 'retracted');
      const placement: Placement = imported ? { ...r.placement, author: null } : r.placement;
      const base = {
        index,
        imported,
        path: r.path,
        observedOn: new Date(Date.UTC(2026, 0, r.day)).toISOString().slice(0, 10),
        reliability: r.reliability,
        credibility: r.credibility,
        groups: r.groups,
        findings: r.findings,
      };
      if (visibleTo(observer, r.path, placement)) {
        return { ...base, a: { placement, content: r.contentA }, b: { placement, content: r.contentA } };
      }
      const options = placementsHiddenFrom(observer, r.path, imported);
      const pa = options[r.pick % options.length];
      const pb = options[r.pickB % options.length];
      return { ...base, a: { placement: pa, content: r.contentA }, b: { placement: pb, content: r.contentB } };
    });
}

const QUERY_VARIANTS: string[] = [
  ...TERMS.map((term) => `q=${encodeURIComponent(term)}`),
  'q=A0',
  'q=B1',
  'tlp=RED',
  'tlp=AMBER',
  'tlp=GREEN',
  'status=verified',
  'status=submitted',
  'status=rejected',
  'evaluator=evalpak%40example.org',
  'evaluator=evalirn%40example.org',
  'evaluator=nobody%40example.org',
  'benchmark=BORDER-1',
  'group=TTP',
  'pillar=BORDER',
  'from=2026-01-10&to=2026-01-20',
  'older_than_days=0',
  'tlp=RED&q=Paktika',
  'as_of=2026-02-15&known_at=2026-03-01',
  'perspective=PAK',
  'limit=2&page=2',
];

const scenarioArb = fc.constantFrom(...OBSERVERS).chain((observerKey) =>
  fc.record({
    observer: fc.constant(observerKey),
    slots: fc.integer({ min: 4, max: 9 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => slotArb(person(observerKey), i)))),
    variants: fc.subarray(QUERY_VARIANTS, { minLength: 3, maxLength: 5 }),
  }),
);

// ---------------------------------------------------------------- building one world

// every account has TEST_PASSWORD, hashed at the suite's cheap scrypt cost (tests/helpers/users.ts)

const T0 = Date.parse('2026-03-01T08:00:00.000Z');
/** when the crawlers' API tokens are made, in both worlds */
const TOKEN_CLOCK = () => new Date(T0);
const CRAWL_AT = '2026-04-02T12:00:00.000Z';

interface World {
  db: Db;
  app: FastifyInstance;
  users: Map<string, UserRow>;
  ids: number[];
  hiddenRefs: string[];
}

async function buildWorld(slots: Slot[], which: 'a' | 'b', observer: Person): Promise<World> {
  const db = await openTestDb(undefined, { seed: 'framework' });
  const k = db.kysely;
  const clock = manualClock(new Date(T0 - 86_400_000).toISOString());
  const users = new Map<string, UserRow>();
  for (const p of PEOPLE) {
    const at = new Date(T0 - 86_400_000).toISOString();
    users.set(
      p.key,
      await k.insertInto('users').values({ email: `${p.key.toLowerCase()}@example.org`, name: p.key, password_hash: await testPasswordHash(), role: p.role, delegation: p.delegation, disabled_at: null, created_at: at, updated_at: at }).returningAll().executeTakeFirstOrThrow(),
    );
  }
  const user = (key: string) => users.get(key)!;
  const ids: number[] = [];
  const hiddenRefs: string[] = [];

  const inputOf = (slot: Slot, c: Content, tlp: Tlp) => ({
    ref: c.ref,
    title: c.title,
    summary: c.summary,
    source: c.source,
    url: c.url,
    location: c.location,
    observed_on: slot.observedOn,
    source_reliability: slot.reliability,
    credibility: slot.credibility,
    groups: slot.groups,
    tlp,
    findings: slot.findings,
  });

  // imported items first, in one file, in slot order
  const imported = slots.filter((s) => s.imported);
  if (imported.length) {
    clock.set(new Date(T0).toISOString());
    const result = await importFile(
      k,
      {
        framework_code: 'QUAD-2025',
        evidence: imported.map((s) => {
          const { placement, content } = s[which];
          return {
            ...inputOf(s, content, placement.tlp),
            ...(s.path !== 'submitted' ? { verified_at: new Date(T0 + (s.index + 1) * 3_600_000).toISOString() } : {}),
            ...(s.path === 'retracted' ? { retracted_at: new Date(T0 + (s.index + 1) * 3_600_000 + 600_000).toISOString() } : {}),
          };
        }),
      },
      { clock: clock.clock },
    );
    if (!result.ok) throw new Error(`import failed: ${JSON.stringify(result.errors)}`);
    for (const s of imported) {
      const row = await k.selectFrom('evidence').select('id').where('ref', '=', s[which].content.ref).where('created_by', 'is', null).executeTakeFirstOrThrow();
      ids[s.index] = row.id;
    }
  }

  for (const s of slots.filter((x) => !x.imported)) {
    const { placement, content } = s[which];
    const author = user(placement.author!);
    const at = (minutes: number) => clock.set(new Date(T0 + (s.index + 1) * 3_600_000 + minutes * 60_000).toISOString());
    at(0);
    const hidden = !visibleTo(observer, s.path, placement);
    // earlier versions exist only for hidden items: their history is what may differ between the worlds
    const first = hidden && content.edits.length ? { ...content, title: content.edits[0].title, summary: content.edits[0].summary } : content;
    const firstTlp = hidden && content.edits.length ? content.edits[0].tlp : placement.tlp;
    const row = await createEvidence(k, author, null, inputOf(s, first, firstTlp), { submit: false }, clock.clock);
    ids[s.index] = row.id;
    await addAttachment(k, author, row.id, { filename: `${content.ref}.txt`, data: Buffer.from(content.file) }, clock.clock);
    if (hidden) {
      for (const [n, edit] of content.edits.slice(1).entries()) {
        clock.set(new Date(T0 + (s.index + 1) * 3_600_000 + (n + 1) * 1_000).toISOString());
        await updateDraft(k, author, row.id, inputOf(s, { ...content, title: edit.title, summary: edit.summary }, edit.tlp), false, clock.clock);
      }
      if (content.edits.length) {
        at(0.5);
        await updateDraft(k, author, row.id, inputOf(s, content, placement.tlp), false, clock.clock);
      }
      hiddenRefs.push(content.ref);
    }
    if (s.path === 'draft') continue;
    at(1);
    await reviewEvidence(k, author, row.id, 'submit', null, clock.clock);
    if (s.path === 'submitted') continue;
    at(2);
    const handler = user(placement.handler);
    await reviewEvidence(k, handler, row.id, s.path === 'rejected' ? 'reject' : 'verify', s.path === 'rejected' ? content.reason : null, clock.clock);
    if (s.path === 'retracted') {
      at(3);
      await reviewEvidence(k, handler, row.id, 'retract', content.reason, clock.clock);
    }
  }
  for (const s of imported) if (!visibleTo(observer, s.path, s[which].placement)) hiddenRefs.push(s[which].content.ref);

  // a frozen report of March, made on 1 April
  clock.set('2026-04-01T06:00:00.000Z');
  await produceReport(k, { period: parsePeriod('monthly', '2026-03')!, trigger: 'cli', clock: clock.clock });

  clock.set(CRAWL_AT);
  const config = testConfig({ sessionSecret: 'non-interference-secret-at-least-32-characters', reportKinds: [] });
  // PDFs are not compared (normalise): printed without Chromium, in the same way in both worlds
  const app = await buildApp({ db, config, clock: clock.clock, renderPdf: htmlAsPdf });
  return { db, app, users, ids, hiddenRefs };
}

// ---------------------------------------------------------------- requests


interface Session {
  jar: string;
  csrf: string;
  bearer: string;
}

async function sessionFor(world: World, key: string): Promise<Session> {
  const email = world.users.get(key)!.email;
  const { jar, response } = await signIn(world.app, email, TEST_PASSWORD);
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  const page = await world.app.inject({ url: '/account/password', headers: { cookie: jar } });
  // created at a fixed time in both worlds: the tokens page shows when (to the minute), and two worlds built a
  // minute apart would differ in it
  const token = await createApiToken(world.db.kysely, world.users.get(key)!, 'crawl', CLI_ACTOR, TOKEN_CLOCK);
  return { jar: cookieJar(jar, page), csrf: csrfFrom(page.body), bearer: `Bearer ${token.token}` };
}

interface Probe {
  label: string;
  send(world: World, s: Session): Promise<LightMyRequestResponse>;
}

/** Not a request: gives the observer a new API token in both worlds (the POST sweep revokes the first). */
const REFRESH_TOKEN = 'refresh API token';

const get = (url: string): Probe => ({
  label: `GET ${url}`,
  send: (w, s) => w.app.inject({ url, headers: url.startsWith('/api/') ? { authorization: s.bearer } : { cookie: s.jar } }),
});

/** A well-formed body for a POST route, using the refs of world A's hidden items where a ref goes. */
function postProbe(route: string, url: string, clashRef: string): Probe {
  const api = url.startsWith('/api/');
  const evidence = { ref: clashRef, title: 'Observer item', summary: 'Logged by the observer', observed_on: '2026-02-01', source_reliability: 'B', credibility: 2, groups: ['TTP'], tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] };
  const form: Record<string, string> = {
    ref: clashRef, title: 'Observer item', summary: 'Logged by the observer', observed_on: '2026-02-01', source_reliability: 'B', credibility: '2', tlp: 'GREEN',
    finding_benchmark_0: 'BORDER-1', finding_stance_0: '1', reason: 'Duplicate of another report', action: 'submit',
    email: 'evalpak@example.org', password: 'wrong password for sure', current_password: 'wrong', new_password: 'x', confirm_password: 'x', name: 'crawl', code: 'bogus-code-bogus-code-bogus',
    format: 'csv', dry_run: 'on', text: `ref,title,observed_on,source_reliability,credibility,findings\n${clashRef},Imported by observer,2026-02-01,B,2,BORDER-1=1\n`,
  };
  return {
    label: `POST ${url} (${route})`,
    send: (w, s) => {
      if (api) return w.app.inject({ method: 'POST', url, headers: { authorization: s.bearer }, payload: { ...evidence, reason: 'Duplicate of another report', submit: true } });
      if (route.endsWith('/attachments')) {
        const mp = multipart({ _csrf: s.csrf }, { field: 'file', filename: `${clashRef}.txt`, content: 'observer document' });
        return w.app.inject({ method: 'POST', url, headers: { cookie: s.jar, ...mp.headers }, payload: mp.payload });
      }
      const body = new URLSearchParams({ _csrf: s.csrf, ...form });
      return w.app.inject({ method: 'POST', url, headers: { cookie: s.jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
    },
  };
}

/** The response with what is per-request random blanked: CSRF tokens, one-time form tokens, API tokens shown once. */
function normalise(res: LightMyRequestResponse): string {
  const keep = ['content-type', 'location', 'content-disposition', 'cache-control', 'retry-after'];
  const headers = keep.map((h) => `${h}: ${String(res.headers[h] ?? '')}`).join('\n');
  let body = res.headers['content-type']?.toString().startsWith('application/pdf') ? '(PDF: rendered from the report page compared above)' : res.body;
  body = body
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="CSRF"')
    .replace(/name="form_token" value="[^"]+"/g, 'name="form_token" value="FORM"')
    .replace(/pw_[A-Za-z0-9_-]{20,}/g, 'pw_TOKEN');
  return `${res.statusCode}\n${headers}\n\n${body}`;
}

// ---------------------------------------------------------------- the property

const RUNS = Number(process.env.NONINTERFERENCE_RUNS ?? (onPostgres ? 2 : 3));

describe('need-to-know as non-interference', () => {
  const open: World[] = [];
  afterEach(async () => {
    for (const w of open.splice(0)) {
      await w.app.close();
      await closeTestDb(w.db);
    }
  });

  // One test per generated pair (a crawl is hundreds of requests: fast-check's shrinking would repeat it many
  // times); the seed is printed in the title so a failure can be replayed with NONINTERFERENCE_SEED.
  const seed = Number(process.env.NONINTERFERENCE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const scenarios = fc.sample(scenarioArb, { numRuns: RUNS, seed });
  it.each(scenarios.map((s, i) => [i + 1, s.observer, s.slots.length, s] as const))(
    `pair %i (seed ${seed}): %s reads the same in two worlds that differ only in what the reader may not see (%i items)`,
    async (_n, observerKey, _count, scenario) => {
      const observer = person(observerKey);
      const a = await buildWorld(scenario.slots, 'a', observer);
      open.push(a);
      const b = await buildWorld(scenario.slots, 'b', observer);
      open.push(b);
      const mismatches = await crawlBoth(a, b, observerKey, scenario.variants);
      expect(mismatches).toEqual([]);
    },
    600_000,
  );
});

async function crawlBoth(a: World, b: World, observerKey: string, variants: string[]): Promise<string[]> {
  const [sa, sb] = [await sessionFor(a, observerKey), await sessionFor(b, observerKey)];
  const routes = registeredRoutes(a.app).filter((r) => !r.startsWith('HEAD '));
  const fw = (await listFrameworks(a.db.kysely))[0];
  const tree = await loadFrameworkTree(a.db.kysely, fw);
  const codes = [...tree.pillars.flatMap((p) => [p.code, ...p.benchmarks.map((x) => x.code)]), ...tree.groups.map((g) => g.code), 'NOPE'];
  const maxId = Math.max(
    ...(await Promise.all(
      (['evidence', 'attachments', 'reports', 'users', 'api_tokens'] as const).map(async (table) => {
        const [ra, rb] = await Promise.all([a, b].map((w) => w.db.kysely.selectFrom(table).select((eb) => eb.fn.max<number>('id').as('m')).executeTakeFirstOrThrow()));
        return Math.max(Number(ra.m ?? 0), Number(rb.m ?? 0));
      }),
    )),
  );
  const ids = Array.from({ length: maxId + 1 }, (_, i) => String(i + 1));
  const expand = (path: string): string[] => {
    const m = /:(\w+)/.exec(path);
    if (!m) return [path];
    const values = m[1] === 'code' ? codes : ids;
    return values.flatMap((v) => expand(path.replace(`:${m[1]}`, encodeURIComponent(v))));
  };

  const probes: Probe[] = [];
  const getRoutes = routes.filter((r) => r.startsWith('GET ')).map((r) => r.slice(4));
  const getProbes = () =>
    getRoutes.flatMap((path) => {
      if (path.includes(':')) return expand(path).map(get);
      return ['', ...variants].map((q) => get(q ? `${path}?${q}` : path));
    });
  probes.push(...getProbes());
  // state-changing requests, the same in both worlds and in the same order; logout last
  const posts = routes.filter((r) => r.startsWith('POST ') && r !== 'POST /logout');
  const clashRefs = a.hiddenRefs.length ? a.hiddenRefs : ['NO-HIDDEN-REF'];
  let n = 0;
  for (const route of posts) {
    for (const url of expand(route.slice(5))) probes.push(postProbe(route, url, clashRefs[n++ % clashRefs.length]));
  }
  probes.push({ label: REFRESH_TOKEN, send: () => Promise.reject(new Error('not a request')) });
  probes.push(...getProbes());
  probes.push(postProbe('POST /logout', '/logout', clashRefs[0]));

  const mismatches: string[] = [];
  for (const probe of probes) {
    if (probe.label === REFRESH_TOKEN) {
      for (const [w, s] of [[a, sa], [b, sb]] as const) s.bearer = `Bearer ${(await createApiToken(w.db.kysely, w.users.get(observerKey)!, 'crawl again', CLI_ACTOR, TOKEN_CLOCK)).token}`;
      continue;
    }
    const [ra, rb] = [await probe.send(a, sa), await probe.send(b, sb)];
    const [na, nb] = [normalise(ra), normalise(rb)];
    if (ra.statusCode >= 500 && !pdfUnavailableHere(probe.label, ra.statusCode)) mismatches.push(`${probe.label}: ${ra.statusCode} ${ra.body.slice(0, 200)}`);
    if (na !== nb) mismatches.push(`${probe.label}: ${firstDifference(na, nb)}`);
    if (mismatches.length > 5) break;
  }
  // every registered route was requested (a route with parameters at least once per value)
  const requested = new Set(probes.filter((p) => p.label !== REFRESH_TOKEN).map((p) => p.label.replace(/^(\w+) (\S+).*$/, '$1 $2').split('?')[0]));
  for (const route of routes) {
    const [method, path] = route.split(' ');
    const one = expand(path)[0];
    if (!requested.has(`${method} ${one}`)) mismatches.push(`${route}: never requested`);
  }
  return mismatches;
}

function firstDifference(x: string, y: string): string {
  let i = 0;
  while (i < x.length && x[i] === y[i]) i += 1;
  const from = Math.max(0, i - 120);
  return `differs at ${i}:\n  A: …${x.slice(from, i + 120)}\n  B: …${y.slice(from, i + 120)}`;
}
