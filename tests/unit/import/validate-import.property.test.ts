// Properties of the import validator: it never throws, never touches prototypes, and what it accepts is stable.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameworkRefs, ImportFile, ImportValidation } from '../../../src/framework/import-types';
import { validateImport } from '../../../src/framework/validate-import';

type Json = any;

const EXAMPLE: Json = {
  $schema: 'https://example.org/import.schema.json',
  framework: {
    code: 'QUAD-2025',
    name: 'Four-state demands',
    subject: 'Afghanistan',
    prior_strength: 2,
    assessed_threshold: 1,
    groups: [{ code: 'TTP', name: 'Tehrik-i-Taliban Pakistan' }, { code: 'ISKP', name: 'IS Khorasan' }],
    pillars: [
      {
        code: 'BORDER', name: 'Border policing',
        benchmarks: [
          { code: 'BORDER-1', title: 'Joint border patrols held', kind: 'assessment', weight: 1, half_life_days: 180 },
          { code: 'BORDER-2', title: 'Cross-border attacks', kind: 'indicator', baseline: 40, target: 5, unit: 'attacks/month' },
        ],
      },
      { code: 'INTEL', name: 'Intelligence', benchmarks: [{ code: 'INTEL-1', title: 'Sharing', kind: 'assessment' }] },
    ],
    perspectives: [
      { code: 'PAK', name: 'Pakistan', pillar_weights: { BORDER: 1.5 }, group_weights: { TTP: 2, ISKP: 0 } },
      { code: 'CHN', name: 'China', description: 'x' },
    ],
  },
  framework_code: 'QUAD-2025',
  evidence: [
    {
      ref: 'ext-0001', title: 'Patrol protocol signed', summary: 'a\nb', source: 'Joint statement',
      url: 'https://example.org/x', observed_on: '2026-01-10', source_reliability: 'B', credibility: 2,
      groups: ['TTP'], tlp: 'GREEN', location: 'Torkham',
      findings: [{ benchmark: 'BORDER-1', stance: 1 }, { benchmark: 'BORDER-2', value: 12 }],
      verified_at: '2026-01-12T10:00:00+01:00', retracted_at: null,
    },
    {
      ref: 'ext-0002', title: 'Raid', observed_on: '2026-02-01', source_reliability: 'F', credibility: 6,
      findings: [{ benchmark: 'INTEL-1', stance: -2 }], retracted_at: '2026-03-01',
    },
  ],
};

const STORED: FrameworkRefs = {
  code: 'QUAD-2025',
  benchmarks: { 'BORDER-1': 'assessment', 'BORDER-2': 'indicator', 'INTEL-1': 'assessment' },
  groups: ['TTP', 'ISKP'],
};

// ---------------------------------------------------------------- prototypes stay untouched

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

function snapshot(): Map<string, string[]> {
  return new Map(PROTOTYPES.map(([name, p]) => [name, Reflect.ownKeys(p).map(String).sort()]));
}

let before: Map<string, string[]>;
beforeAll(() => {
  before = snapshot();
});
afterAll(() => {
  expect(snapshot()).toEqual(before);
});

function prototypesUntouched(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(snapshot()).toEqual(before);
}

// ---------------------------------------------------------------- shape of a result

function wellFormed(result: ImportValidation): void {
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) {
    expect(result.value).toBeTypeOf('object');
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    expect(typeof error.path).toBe('string');
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    // The catch-all of validateImport is for exotic objects only; plain data must never reach it.
    expect(error.message).not.toBe('could not be read as an import file');
  }
}

/** The validated file written back in the import format. */
function toRaw(file: ImportFile): Json {
  const raw: Json = {};
  if (file.framework) {
    const f = file.framework;
    raw.framework = {
      code: f.code, name: f.name, subject: f.subject, description: f.description,
      prior_strength: f.priorStrength, assessed_threshold: f.assessedThreshold,
      groups: f.groups.map((g) => ({ ...g })),
      pillars: f.pillars.map((p) => ({
        code: p.code, name: p.name, description: p.description,
        benchmarks: p.benchmarks.map((b) => ({
          code: b.code, title: b.title, description: b.description, kind: b.kind, weight: b.weight,
          half_life_days: b.halfLifeDays, baseline: b.baseline, target: b.target, unit: b.unit,
        })),
      })),
      perspectives: f.perspectives.map((p) => ({
        code: p.code, name: p.name, description: p.description,
        pillar_weights: { ...p.pillarWeights }, group_weights: { ...p.groupWeights },
      })),
    };
  } else {
    raw.framework_code = file.frameworkCode;
  }
  raw.evidence = file.evidence.map((e) => ({
    ref: e.ref, title: e.title, summary: e.summary, source: e.source, url: e.url, observed_on: e.observedOn,
    source_reliability: e.sourceReliability, credibility: e.credibility, groups: e.groups, tlp: e.tlp,
    location: e.location, findings: e.findings.map((x) => ({ ...x })), verified_at: e.verifiedAt, retracted_at: e.retractedAt,
  }));
  return raw;
}

/** Invariants of every accepted file. */
function invariants(file: ImportFile, existing: FrameworkRefs | null): void {
  const kinds = new Map<string, string>();
  const groups = new Set<string>();
  if (file.framework) {
    expect(file.frameworkCode).toBe(file.framework.code);
    for (const p of file.framework.perspectives) expect(p.code.toUpperCase()).not.toBe('JOINT');
    for (const p of file.framework.pillars) for (const b of p.benchmarks) kinds.set(b.code, b.kind);
    for (const g of file.framework.groups) groups.add(g.code);
  } else if (existing) {
    for (const [code, kind] of Object.entries(existing.benchmarks)) kinds.set(code, kind);
    for (const g of existing.groups) groups.add(g);
  }
  for (const e of file.evidence) {
    expect(e.observedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const t of [e.verifiedAt, e.retractedAt]) if (t !== null) expect(new Date(t).toISOString()).toBe(t);
    for (const g of e.groups) expect(groups.has(g)).toBe(true);
    expect(e.findings.length).toBeGreaterThan(0);
    for (const f of e.findings) {
      const kind = kinds.get(f.benchmark);
      if (kind === 'assessment') {
        expect([-2, -1, 0, 1, 2]).toContain(f.stance);
        expect(f.value).toBeNull();
      } else {
        expect(kind).toBe('indicator');
        expect(f.stance).toBeNull();
        expect(Number.isFinite(f.value)).toBe(true);
      }
    }
  }
  // accepted output is a fixed point: validating it again gives the same file
  const again = validateImport(toRaw(file), existing);
  expect(again).toEqual({ ok: true, value: file });
}

function check(raw: unknown, existing: FrameworkRefs | null): ImportValidation {
  const result = validateImport(raw, existing);
  wellFormed(result);
  if (result.ok) invariants(result.value, existing);
  return result;
}

// ---------------------------------------------------------------- arbitrary input

const INTERESTING_KEYS = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'framework', 'evidence', 'framework_code', 'code', 'pillars', 'benchmarks', 'findings', 'groups',
);

describe('never throws', () => {
  it('on anything at all', () => {
    fc.assert(
      fc.property(
        fc.anything({
          key: fc.oneof(fc.string(), INTERESTING_KEYS),
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        fc.constantFrom(null, STORED),
        (raw, existing) => {
          check(raw, existing);
          check({ framework: raw }, existing);
          check({ evidence: raw, framework_code: 'QUAD-2025' }, existing);
          check({ evidence: [raw], framework_code: 'QUAD-2025' }, existing);
          prototypesUntouched();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(null, STORED), (raw, existing) => {
        const result = check(raw, existing);
        // a JSON round trip does not change the verdict
        expect(validateImport(JSON.parse(JSON.stringify(raw) ?? 'null'), existing)).toEqual(result);
        prototypesUntouched();
      }),
      { numRuns: 500 },
    );
  });

  it('on JSON text with "__proto__" keys anywhere', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 2 }), (a, b) => {
        const text = JSON.stringify({ __proto__: null, framework: { pillars: [{ x: a }] }, evidence: [b] })
          .replace(/"x":/g, '"__proto__":');
        const raw = JSON.parse(`{"__proto__": ${JSON.stringify(a) ?? 'null'}, "constructor": ${JSON.stringify(b) ?? 'null'}, "data": ${text}}`);
        check(raw, null);
        check(raw.data, STORED);
        prototypesUntouched();
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- mutations of a valid file

/** Every path (list of keys) inside a JSON value. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) out.push(...pathsOf(value[k], [...prefix, k]));
  }
  return out;
}

type Mutation = { path: number; action: 'delete' | 'replace' | 'null' | 'add'; value: unknown; key: string };

function mutate(base: Json, m: Mutation): Json {
  const copy = structuredClone(base);
  const paths = pathsOf(copy).filter((p) => p.length > 0);
  if (paths.length === 0) return copy;
  const path = paths[m.path % paths.length];
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path[path.length - 1];
  if (m.action === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.action === 'null') {
    parent[last] = null;
  } else if (m.action === 'replace') {
    parent[last] = m.value;
  } else {
    const target = parent[last];
    if (Array.isArray(target)) target.push(m.value);
    else if (target !== null && typeof target === 'object') Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else parent[last] = m.value;
  }
  return copy;
}

const MUTATION: fc.Arbitrary<Mutation> = fc.record({
  path: fc.nat(),
  action: fc.constantFrom('delete', 'replace', 'null', 'add'),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      0, -1, 1.5, 3, 7, -3, '', ' ', 'JOINT', 'TTP', 'BORDER', 'BORDER-1', 'BORDER-2', 'INTEL-1', 'INTEL-9',
      '2026-02-30', '2026-01-12', '2026-01-12T10:00:00Z', 'javascript:alert(1)', 'assessment', 'indicator', 'A', 'G',
      'RED', 'WHITE', 'a\u0000b', { benchmark: 'BORDER-1', stance: 0 }, { benchmark: 'BORDER-2', value: 5 },
    ),
  ),
  key: fc.oneof(fc.string(), INTERESTING_KEYS, fc.constantFrom('description', 'location', 'unit', 'baseline', 'stance', 'value')),
});

describe('mutations of a valid file', () => {
  it('the base files are valid', () => {
    expect(check(EXAMPLE, null).ok).toBe(true);
    const evidenceOnly = structuredClone(EXAMPLE);
    delete evidenceOnly.framework;
    expect(check(evidenceOnly, STORED).ok).toBe(true);
  });

  it('never throw, keep prototypes intact, and whatever is accepted satisfies the invariants', () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(MUTATION, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, withFramework) => {
        let base = structuredClone(EXAMPLE);
        if (!withFramework) delete base.framework;
        for (const m of mutations) base = mutate(base, m);
        runs += 1;
        if (check(base, withFramework ? null : STORED).ok) accepted += 1;
        prototypesUntouched();
      }),
      { numRuns: 2000 },
    );
    // the invariants above were really exercised, and most mutations were really rejected
    expect(accepted).toBeGreaterThan(runs * 0.05);
    expect(accepted).toBeLessThan(runs * 0.8);
  });

  it('errors always point at a path that exists in the file, or at a missing key of an existing object', () => {
    fc.assert(
      fc.property(MUTATION, (m) => {
        const file = mutate(EXAMPLE, m);
        const result = validateImport(file, null);
        if (result.ok) return;
        for (const { path } of result.errors) {
          if (path === '') continue;
          // parent of the reported path must exist in the input
          const parts = [...path.matchAll(/\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)].map(
            (x) => x[1] ?? (x[2] !== undefined ? Number(x[2]) : JSON.parse(x[3])),
          );
          expect(parts.join('')).not.toBe('');
          let node: Json = file;
          for (const part of parts.slice(0, -1)) {
            expect(node, path).not.toBeNull();
            expect(typeof node, path).toBe('object');
            node = node[part];
          }
          expect(node !== null && typeof node === 'object', path).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
