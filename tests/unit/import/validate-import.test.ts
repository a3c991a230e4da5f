// Rules of the import file validator (INTERFACES.md "Import file (JSON)").

import { describe, expect, it } from 'vitest';
import type { FieldError, FrameworkRefs, ImportFile, ImportValidation } from '../../../src/framework/import-types';
import { formatImportErrors, frameworkCodeOf, validateImport } from '../../../src/framework/validate-import';

/** The example of INTERFACES.md, verbatim. */
const EXAMPLE_JSON = `{
  "framework": {
    "code": "QUAD-2025",
    "name": "Four-state demands on the Afghan authorities",
    "subject": "Afghanistan",
    "prior_strength": 2,
    "assessed_threshold": 1,
    "groups": [{ "code": "TTP", "name": "Tehrik-i-Taliban Pakistan" }],
    "pillars": [
      { "code": "BORDER", "name": "Border policing", "benchmarks": [
        { "code": "BORDER-1", "title": "Joint border patrols held", "kind": "assessment",
          "weight": 1, "half_life_days": 180 },
        { "code": "BORDER-2", "title": "Cross-border attacks per month", "kind": "indicator",
          "baseline": 40, "target": 5, "unit": "attacks/month" }
      ] }
    ],
    "perspectives": [
      { "code": "PAK", "name": "Pakistan", "pillar_weights": { "BORDER": 1.5 },
        "group_weights": { "TTP": 2 } }
    ]
  },
  "evidence": [
    { "ref": "ext-0001", "title": "Patrol protocol signed at Torkham", "summary": "...",
      "source": "Joint statement", "url": "https://example.org/x",
      "observed_on": "2026-01-10", "source_reliability": "B", "credibility": 2,
      "groups": ["TTP"], "tlp": "GREEN",
      "findings": [ { "benchmark": "BORDER-1", "stance": 1 },
                    { "benchmark": "BORDER-2", "value": 12 } ],
      "verified_at": "2026-01-12T10:00:00Z", "retracted_at": null }
  ]
}`;

type Json = any;

/** A fresh, mutable copy of the example. */
function example(): Json {
  return JSON.parse(EXAMPLE_JSON);
}

const EXPECTED: ImportFile = {
  framework: {
    code: 'QUAD-2025',
    name: 'Four-state demands on the Afghan authorities',
    subject: 'Afghanistan',
    description: null,
    priorStrength: 2,
    assessedThreshold: 1,
    groups: [{ code: 'TTP', name: 'Tehrik-i-Taliban Pakistan', description: null }],
    pillars: [
      {
        code: 'BORDER',
        name: 'Border policing',
        description: null,
        benchmarks: [
          {
            code: 'BORDER-1', title: 'Joint border patrols held', description: null, kind: 'assessment',
            weight: 1, halfLifeDays: 180, baseline: null, target: null, unit: null,
          },
          {
            code: 'BORDER-2', title: 'Cross-border attacks per month', description: null, kind: 'indicator',
            weight: 1, halfLifeDays: 180, baseline: 40, target: 5, unit: 'attacks/month',
          },
        ],
      },
    ],
    perspectives: [
      { code: 'PAK', name: 'Pakistan', description: null, pillarWeights: { BORDER: 1.5 }, groupWeights: { TTP: 2 } },
    ],
  },
  frameworkCode: 'QUAD-2025',
  evidence: [
    {
      ref: 'ext-0001',
      title: 'Patrol protocol signed at Torkham',
      summary: '...',
      source: 'Joint statement',
      url: 'https://example.org/x',
      observedOn: '2026-01-10',
      sourceReliability: 'B',
      credibility: 2,
      groups: ['TTP'],
      tlp: 'GREEN',
      location: null,
      findings: [
        { benchmark: 'BORDER-1', stance: 1, value: null },
        { benchmark: 'BORDER-2', stance: null, value: 12 },
      ],
      verifiedAt: '2026-01-12T10:00:00.000Z',
      retractedAt: null,
    },
  ],
};

/** The stored QUAD-2025 framework, for evidence-only files. */
const STORED: FrameworkRefs = {
  code: 'QUAD-2025',
  benchmarks: { 'BORDER-1': 'assessment', 'BORDER-2': 'indicator', 'INTEL-1': 'assessment' },
  groups: ['TTP', 'ISKP'],
};

function valid(raw: unknown, existing: FrameworkRefs | null = null): ImportFile {
  const result = validateImport(raw, existing);
  if (!result.ok) throw new Error(`expected a valid file, got:\n${formatImportErrors(result.errors).join('\n')}`);
  return result.value;
}

function errorsOf(raw: unknown, existing: FrameworkRefs | null = null): FieldError[] {
  const result: ImportValidation = validateImport(raw, existing);
  if (result.ok) throw new Error('expected errors, got a valid file');
  // what a reader sees: the path and the English message (the message key and parameters are for translation)
  return result.errors.map(({ path, message }) => ({ path, message }));
}

/** Applies `mutate` to the example and expects exactly one error, at `path`, whose message contains `message`. */
function expectOnlyError(mutate: (f: Json) => void, path: string, message: string, existing: FrameworkRefs | null = null): void {
  const file = example();
  mutate(file);
  const errors = errorsOf(file, existing);
  expect(errors, formatImportErrors(errors).join('\n')).toHaveLength(1);
  expect(errors[0].path).toBe(path);
  expect(errors[0].message).toContain(message);
}

const fw = (f: Json): Json => f.framework;
const b1 = (f: Json): Json => f.framework.pillars[0].benchmarks[0];
const b2 = (f: Json): Json => f.framework.pillars[0].benchmarks[1];
const persp = (f: Json): Json => f.framework.perspectives[0];
const ev = (f: Json): Json => f.evidence[0];
const finding = (f: Json, i: number): Json => f.evidence[0].findings[i];

// ---------------------------------------------------------------- valid files

describe('valid files', () => {
  it('normalises the INTERFACES.md example, filling defaults', () => {
    expect(valid(example())).toEqual(EXPECTED);
  });

  it('fills every default when optional fields are left out', () => {
    const value = valid({
      framework: {
        code: 'F',
        name: 'F',
        pillars: [{ code: 'P', name: 'P', benchmarks: [{ code: 'B', title: 'B', kind: 'assessment' }] }],
      },
      evidence: [
        {
          ref: 'r', title: 't', observed_on: '2026-01-01', source_reliability: 'F', credibility: 6,
          findings: [{ benchmark: 'B', stance: -2 }],
        },
      ],
    });
    expect(value.framework).toEqual({
      code: 'F', name: 'F', subject: null, description: null, priorStrength: 2, assessedThreshold: 1,
      groups: [], perspectives: [],
      pillars: [{
        code: 'P', name: 'P', description: null,
        benchmarks: [{
          code: 'B', title: 'B', description: null, kind: 'assessment', weight: 1, halfLifeDays: 180,
          baseline: null, target: null, unit: null,
        }],
      }],
    });
    expect(value.evidence[0]).toEqual({
      ref: 'r', title: 't', summary: null, source: null, url: null, observedOn: '2026-01-01',
      sourceReliability: 'F', credibility: 6, groups: [], tlp: 'AMBER', location: null,
      findings: [{ benchmark: 'B', stance: -2, value: null }], verifiedAt: null, retractedAt: null,
    });
    expect(value.frameworkCode).toBe('F');
  });

  it('treats null like an absent optional field', () => {
    const f = example();
    Object.assign(fw(f), { subject: null, description: null, prior_strength: null, groups: null, perspectives: null });
    delete f.evidence[0].groups;
    Object.assign(b1(f), { weight: null, half_life_days: null, baseline: null, target: null, unit: null });
    Object.assign(ev(f), { summary: null, source: null, url: null, tlp: null, location: null, verified_at: null });
    const value = valid(f);
    expect(value.framework?.priorStrength).toBe(2);
    expect(value.framework?.groups).toEqual([]);
    expect(value.framework?.perspectives).toEqual([]);
    expect(value.evidence[0].tlp).toBe('AMBER');
    expect(value.evidence[0].verifiedAt).toBeNull();
    expect(value.evidence[0].url).toBeNull();
  });

  it('trims strings and turns blank optional strings into null', () => {
    const f = example();
    fw(f).name = '  Four-state demands  ';
    fw(f).code = ' QUAD-2025 ';
    fw(f).subject = '   ';
    ev(f).title = '\tPatrol protocol ';
    ev(f).summary = '  Line one\nLine two\r\n\tindented  ';
    ev(f).groups = [' TTP '];
    finding(f, 0).benchmark = ' BORDER-1';
    const value = valid(f);
    expect(value.framework?.name).toBe('Four-state demands');
    expect(value.framework?.code).toBe('QUAD-2025');
    expect(value.framework?.subject).toBeNull();
    expect(value.evidence[0].title).toBe('Patrol protocol');
    expect(value.evidence[0].summary).toBe('Line one\nLine two\r\n\tindented');
    expect(value.evidence[0].groups).toEqual(['TTP']);
    expect(value.evidence[0].findings[0].benchmark).toBe('BORDER-1');
  });

  it('accepts "$schema" at the root, "description" on every framework part and "location" on evidence', () => {
    const f = example();
    f.$schema = 'https://example.org/pactwatch-import.schema.json';
    fw(f).description = 'Demands of\nfour states';
    fw(f).groups[0].description = 'd';
    fw(f).pillars[0].description = 'd';
    b1(f).description = 'd';
    persp(f).description = 'd';
    ev(f).location = 'Torkham';
    const value = valid(f);
    expect(value.framework?.description).toBe('Demands of\nfour states');
    expect(value.framework?.pillars[0].benchmarks[0].description).toBe('d');
    expect(value.framework?.perspectives[0].description).toBe('d');
    expect(value.evidence[0].location).toBe('Torkham');
  });

  it('accepts a framework without evidence, and evidence: []', () => {
    const f = example();
    delete f.evidence;
    expect(valid(f).evidence).toEqual([]);
    f.evidence = [];
    expect(valid(f).evidence).toEqual([]);
  });

  it('accepts a matching top-level framework_code next to the framework', () => {
    const f = example();
    f.framework_code = 'QUAD-2025';
    expect(valid(f).frameworkCode).toBe('QUAD-2025');
  });

  it('accepts the boundary values', () => {
    const f = example();
    fw(f).assessed_threshold = 0;
    fw(f).prior_strength = 0.001;
    persp(f).group_weights = { TTP: 0 };
    b2(f).baseline = -3.5;
    b2(f).target = 0;
    finding(f, 0).stance = -2;
    finding(f, 1).value = -1e9;
    ev(f).credibility = 1;
    ev(f).source_reliability = 'A';
    ev(f).observed_on = '2024-02-29';
    ev(f).tlp = 'RED';
    const value = valid(f);
    expect(value.framework?.assessedThreshold).toBe(0);
    expect(value.framework?.perspectives[0].groupWeights).toEqual({ TTP: 0 });
    expect(value.evidence[0].observedOn).toBe('2024-02-29');
  });

  it('accepts every TLP level and every reliability grade', () => {
    for (const tlp of ['CLEAR', 'GREEN', 'AMBER', 'RED']) {
      const f = example();
      ev(f).tlp = tlp;
      expect(valid(f).evidence[0].tlp).toBe(tlp);
    }
    for (const grade of ['A', 'B', 'C', 'D', 'E', 'F']) {
      const f = example();
      ev(f).source_reliability = grade;
      expect(valid(f).evidence[0].sourceReliability).toBe(grade);
    }
  });

  it('keeps the perspective weights as plain data built only from validated codes', () => {
    const weights = valid(example()).framework!.perspectives[0].pillarWeights;
    expect(Object.keys(weights)).toEqual(['BORDER']);
    expect(JSON.parse(JSON.stringify(weights))).toEqual({ BORDER: 1.5 });
  });
});

// ---------------------------------------------------------------- instants

describe('verified_at / retracted_at', () => {
  const cases: [string, string][] = [
    ['2026-01-12T10:00:00Z', '2026-01-12T10:00:00.000Z'],
    ['2026-01-12T10:00Z', '2026-01-12T10:00:00.000Z'],
    ['2026-01-12T12:00:00+02:00', '2026-01-12T10:00:00.000Z'],
    ['2026-01-12T05:30:00-04:30', '2026-01-12T10:00:00.000Z'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31T23:00:00.000Z'],
    ['2026-01-12T10:00:00.5Z', '2026-01-12T10:00:00.500Z'],
    ['2026-01-12T10:00:00.123456789Z', '2026-01-12T10:00:00.123Z'],
    ['2026-01-12', '2026-01-12T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ];
  it.each(cases)('normalises %s to %s', (input, expected) => {
    const f = example();
    ev(f).verified_at = input;
    ev(f).retracted_at = input;
    const value = valid(f);
    expect(value.evidence[0].verifiedAt).toBe(expected);
    expect(value.evidence[0].retractedAt).toBe(expected);
    expect(expected).toBe(new Date(expected).toISOString());
  });

  it('allows retracted_at without verified_at', () => {
    const f = example();
    delete ev(f).verified_at;
    ev(f).retracted_at = '2026-02-01';
    const value = valid(f);
    expect(value.evidence[0].verifiedAt).toBeNull();
    expect(value.evidence[0].retractedAt).toBe('2026-02-01T00:00:00.000Z');
  });

  const bad: [string, unknown][] = [
    ['no time zone', '2026-01-12T10:00:00'],
    ['a time without a date', '10:00:00Z'],
    ['a day that does not exist', '2026-02-30T10:00:00Z'],
    ['a date that does not exist', '2025-02-29'],
    ['hour 24', '2026-01-12T24:00:00Z'],
    ['minute 60', '2026-01-12T10:60:00Z'],
    ['a zone offset out of range', '2026-01-12T10:00:00+25:00'],
    ['a zone without a colon', '2026-01-12T10:00:00+0200'],
    ['words', 'yesterday'],
    ['a number', 1736676000000],
    ['an object', {}],
  ];
  it.each(bad)('rejects %s', (_, input) => {
    expectOnlyError((f) => { ev(f).verified_at = input; }, 'evidence[0].verified_at', 'must be an ISO-8601 instant with a time zone');
    expectOnlyError((f) => { ev(f).retracted_at = input; }, 'evidence[0].retracted_at', 'or a date YYYY-MM-DD');
  });
});

// ---------------------------------------------------------------- one test per rule

type Rule = [name: string, mutate: (f: Json) => void, path: string, message: string];

const ROOT_RULES: Rule[] = [
  ['unknown root key, with a hint', (f) => { f.evidnce = []; }, 'evidnce', 'unknown field (did you mean "evidence"?)'],
  ['$schema must be a string', (f) => { f.$schema = 1; }, '$schema', 'must be a string'],
  ['framework must be an object', (f) => { f.framework = ['x']; delete f.evidence; }, 'framework', 'must be an object'],
  ['evidence must be an array', (f) => { f.evidence = { ref: 'x' }; }, 'evidence', 'must be an array'],
  ['framework_code must be a code', (f) => { f.framework_code = 7; }, 'framework_code', 'must be a string'],
  [
    'framework_code must match framework.code',
    (f) => { f.framework_code = 'OTHER'; },
    'framework_code',
    '"OTHER" differs from framework.code "QUAD-2025"',
  ],
  [
    'framework_code is required for evidence without a framework',
    (f) => { delete f.framework; },
    'framework_code',
    'required when the file has no framework',
  ],
  [
    'framework_code must name a stored framework',
    (f) => { delete f.framework; f.framework_code = 'QUAD-2025'; },
    'framework_code',
    'unknown framework "QUAD-2025"',
  ],
];

const FRAMEWORK_RULES: Rule[] = [
  ['unknown framework key, with a hint', (f) => { fw(f).priorStrength = 2; }, 'framework.priorStrength', 'did you mean "prior_strength"?'],
  ['code is required', (f) => { delete fw(f).code; }, 'framework.code', 'required'],
  ['code must be a string', (f) => { fw(f).code = 2025; }, 'framework.code', 'must be a string'],
  ['code must not contain spaces', (f) => { fw(f).code = 'QUAD 2025'; }, 'framework.code', 'must be a code'],
  ['code must start with a letter or digit', (f) => { fw(f).code = '-QUAD'; }, 'framework.code', 'starting with a letter or digit'],
  ['code is at most 64 characters', (f) => { fw(f).code = 'Q'.repeat(65); }, 'framework.code', 'must be a code: 1 to 64'],
  ['code must not be a reserved word', (f) => { fw(f).code = 'constructor'; }, 'framework.code', 'reserved'],
  ['name is required', (f) => { delete fw(f).name; }, 'framework.name', 'required'],
  ['name must not be blank', (f) => { fw(f).name = '   '; }, 'framework.name', 'must not be empty'],
  ['name is at most 200 characters', (f) => { fw(f).name = 'n'.repeat(201); }, 'framework.name', 'must be at most 200 characters'],
  ['name has no control characters', (f) => { fw(f).name = 'a\u0007b'; }, 'framework.name', 'must not contain control characters'],
  ['name has no line breaks', (f) => { fw(f).name = 'a\nb'; }, 'framework.name', 'must not contain control characters'],
  ['name has no C1 control characters', (f) => { fw(f).name = 'a\u0085b'; }, 'framework.name', 'control characters'],
  ['subject must be a string', (f) => { fw(f).subject = ['Afghanistan']; }, 'framework.subject', 'must be a string'],
  ['description must be a string', (f) => { fw(f).description = 3; }, 'framework.description', 'must be a string'],
  ['prior_strength must be > 0', (f) => { fw(f).prior_strength = 0; }, 'framework.prior_strength', 'must be a number greater than 0'],
  ['prior_strength must be a JSON number', (f) => { fw(f).prior_strength = '2'; }, 'framework.prior_strength', 'not a string'],
  [
    'assessed_threshold must be >= 0',
    (f) => { fw(f).assessed_threshold = -0.5; },
    'framework.assessed_threshold',
    'must be a number greater than or equal to 0',
  ],
  ['assessed_threshold must be a number', (f) => { fw(f).assessed_threshold = true; }, 'framework.assessed_threshold', 'must be a number'],
  // groups
  ['groups must be an array', (f) => { fw(f).groups = { TTP: 'x' }; }, 'framework.groups', 'must be an array'],
  ['a group must be an object', (f) => { fw(f).groups.push('ISKP'); }, 'framework.groups[1]', 'must be an object'],
  [
    'group codes are unique',
    (f) => { fw(f).groups.push({ code: 'TTP', name: 'again' }); },
    'framework.groups[1].code',
    'duplicate group code "TTP" (first at framework.groups[0])',
  ],
  ['a group needs a name', (f) => { delete fw(f).groups[0].name; }, 'framework.groups[0].name', 'required'],
  ['unknown group key', (f) => { fw(f).groups[0].label = 'x'; }, 'framework.groups[0].label', 'unknown field'],
  // pillars
  ['pillars are required', (f) => { delete fw(f).pillars; }, 'framework.pillars', 'must be a non-empty array'],
  ['pillars must not be empty', (f) => { fw(f).pillars = []; }, 'framework.pillars', 'must be a non-empty array'],
  ['pillars must be an array', (f) => { fw(f).pillars = 'BORDER'; }, 'framework.pillars', 'must be an array'],
  ['a pillar needs a name', (f) => { delete fw(f).pillars[0].name; }, 'framework.pillars[0].name', 'required'],
  ['a pillar code must be a code', (f) => { fw(f).pillars[0].code = 'B/1'; persp(f).pillar_weights = {}; }, 'framework.pillars[0].code', 'must be a code'],
  [
    'pillar codes are unique',
    (f) => { fw(f).pillars.push({ code: 'BORDER', name: 'x', benchmarks: [{ code: 'X-1', title: 'x', kind: 'assessment' }] }); },
    'framework.pillars[1].code',
    'duplicate pillar code "BORDER" (first at framework.pillars[0])',
  ],
  ['a pillar needs benchmarks', (f) => { delete fw(f).pillars[0].benchmarks; }, 'framework.pillars[0].benchmarks', 'must be a non-empty array'],
  ['a pillar needs at least one benchmark', (f) => { fw(f).pillars[0].benchmarks = []; }, 'framework.pillars[0].benchmarks', 'must be a non-empty array of benchmarks'],
  // benchmarks
  [
    'benchmark codes are unique across the framework',
    (f) => {
      fw(f).pillars.push(
        { code: 'INTEL', name: 'Intelligence', benchmarks: [{ code: 'INTEL-1', title: 'a', kind: 'assessment' }] },
        { code: 'DISRUPT', name: 'Disruption', benchmarks: [{ code: 'INTEL-1', title: 'b', kind: 'assessment' }] },
      );
    },
    'framework.pillars[2].benchmarks[0].code',
    'duplicate benchmark code "INTEL-1" (first at framework.pillars[1].benchmarks[0])',
  ],
  ['a benchmark must be an object', (f) => { fw(f).pillars[0].benchmarks.push(null); }, 'framework.pillars[0].benchmarks[2]', 'must be an object'],
  ['a benchmark needs a title', (f) => { delete b1(f).title; }, 'framework.pillars[0].benchmarks[0].title', 'required'],
  ['a title is at most 300 characters', (f) => { b1(f).title = 't'.repeat(301); }, 'framework.pillars[0].benchmarks[0].title', 'at most 300 characters'],
  ['kind is required', (f) => { delete b1(f).kind; }, 'framework.pillars[0].benchmarks[0].kind', 'required'],
  ['kind is assessment or indicator', (f) => { b1(f).kind = 'rating'; }, 'framework.pillars[0].benchmarks[0].kind', 'must be "assessment" or "indicator"'],
  ['weight must be > 0', (f) => { b1(f).weight = 0; }, 'framework.pillars[0].benchmarks[0].weight', 'must be a number greater than 0'],
  ['weight must be a JSON number', (f) => { b1(f).weight = '1'; }, 'framework.pillars[0].benchmarks[0].weight', 'not a string'],
  ['half_life_days must be > 0', (f) => { b1(f).half_life_days = -180; }, 'framework.pillars[0].benchmarks[0].half_life_days', 'greater than 0'],
  ['indicator: baseline is required', (f) => { delete b2(f).baseline; }, 'framework.pillars[0].benchmarks[1].baseline', 'required'],
  ['indicator: target is required', (f) => { b2(f).target = null; }, 'framework.pillars[0].benchmarks[1].target', 'required'],
  ['indicator: baseline must be a JSON number', (f) => { b2(f).baseline = '40'; }, 'framework.pillars[0].benchmarks[1].baseline', 'not a string'],
  ['indicator: baseline != target', (f) => { b2(f).target = 40; }, 'framework.pillars[0].benchmarks[1].target', 'must differ from baseline'],
  ['indicator: unit must be a string', (f) => { b2(f).unit = 5; }, 'framework.pillars[0].benchmarks[1].unit', 'must be a string'],
  ['assessment: no baseline', (f) => { b1(f).baseline = 0; }, 'framework.pillars[0].benchmarks[0].baseline', 'only for indicator benchmarks'],
  ['assessment: no target', (f) => { b1(f).target = 1; }, 'framework.pillars[0].benchmarks[0].target', 'only for indicator benchmarks'],
  ['assessment: no unit', (f) => { b1(f).unit = 'x'; }, 'framework.pillars[0].benchmarks[0].unit', 'only for indicator benchmarks'],
  ['unknown benchmark key, with a hint', (f) => { b1(f).halflife_days = 90; }, 'framework.pillars[0].benchmarks[0].halflife_days', 'did you mean "half_life_days"?'],
  // perspectives
  ['perspectives must be an array', (f) => { fw(f).perspectives = {}; }, 'framework.perspectives', 'must be an array'],
  ['JOINT cannot be redefined', (f) => { persp(f).code = 'JOINT'; }, 'framework.perspectives[0].code', 'JOINT always exists and cannot be redefined'],
  ['JOINT cannot be redefined, in any case', (f) => { persp(f).code = ' joint '; }, 'framework.perspectives[0].code', 'JOINT always exists'],
  [
    'perspective codes are unique',
    (f) => { fw(f).perspectives.push({ code: 'PAK', name: 'again' }); },
    'framework.perspectives[1].code',
    'duplicate perspective code "PAK" (first at framework.perspectives[0])',
  ],
  ['a perspective needs a name', (f) => { delete persp(f).name; }, 'framework.perspectives[0].name', 'required'],
  ['pillar_weights must be an object', (f) => { persp(f).pillar_weights = [1.5]; }, 'framework.perspectives[0].pillar_weights', 'must be an object'],
  ['pillar_weights keys are pillar codes', (f) => { persp(f).pillar_weights.INTEL = 2; }, 'framework.perspectives[0].pillar_weights.INTEL', 'unknown pillar "INTEL"'],
  [
    'pillar_weights keys that are not identifiers get a bracketed path',
    (f) => { persp(f).pillar_weights['BORDER-1'] = 2; },
    'framework.perspectives[0].pillar_weights["BORDER-1"]',
    'unknown pillar "BORDER-1"',
  ],
  ['pillar_weights values are > 0', (f) => { persp(f).pillar_weights.BORDER = 0; }, 'framework.perspectives[0].pillar_weights.BORDER', 'greater than 0'],
  ['pillar_weights values are JSON numbers', (f) => { persp(f).pillar_weights.BORDER = '1.5'; }, 'framework.perspectives[0].pillar_weights.BORDER', 'not a string'],
  ['group_weights must be an object', (f) => { persp(f).group_weights = 2; }, 'framework.perspectives[0].group_weights', 'must be an object'],
  ['group_weights keys are group codes', (f) => { persp(f).group_weights.ISKP = 1; }, 'framework.perspectives[0].group_weights.ISKP', 'unknown group "ISKP"'],
  ['group_weights values are >= 0', (f) => { persp(f).group_weights.TTP = -1; }, 'framework.perspectives[0].group_weights.TTP', 'greater than or equal to 0'],
  ['unknown perspective key', (f) => { persp(f).weights = {}; }, 'framework.perspectives[0].weights', 'unknown field'],
];

const EVIDENCE_RULES: Rule[] = [
  ['an item must be an object', (f) => { f.evidence.push('ext-0002'); }, 'evidence[1]', 'must be an object'],
  ['unknown evidence key, with a hint', (f) => { ev(f).observed = '2026-01-10'; }, 'evidence[0].observed', 'did you mean "observed_on"?'],
  ['ref is required', (f) => { delete ev(f).ref; }, 'evidence[0].ref', 'required'],
  ['ref must not be blank', (f) => { ev(f).ref = ' '; }, 'evidence[0].ref', 'must not be empty'],
  ['ref is at most 100 characters', (f) => { ev(f).ref = 'r'.repeat(101); }, 'evidence[0].ref', 'at most 100 characters'],
  ['ref must be a string', (f) => { ev(f).ref = 1; }, 'evidence[0].ref', 'must be a string'],
  [
    'refs are unique in the file',
    (f) => { f.evidence.push(JSON.parse(JSON.stringify(ev(f)))); },
    'evidence[1].ref',
    'duplicate ref "ext-0001" (first at evidence[0])',
  ],
  ['title is required', (f) => { ev(f).title = ''; }, 'evidence[0].title', 'must not be empty'],
  ['title is at most 300 characters', (f) => { ev(f).title = 'é'.repeat(301); }, 'evidence[0].title', 'at most 300 characters'],
  ['title has no line breaks', (f) => { ev(f).title = 'a\nb'; }, 'evidence[0].title', 'control characters'],
  ['summary has no NUL', (f) => { ev(f).summary = 'a\u0000b'; }, 'evidence[0].summary', 'control characters (only line breaks and tabs are allowed)'],
  ['summary is at most 20000 characters', (f) => { ev(f).summary = 's'.repeat(20001); }, 'evidence[0].summary', 'at most 20000 characters'],
  ['source must be a string', (f) => { ev(f).source = { name: 'x' }; }, 'evidence[0].source', 'must be a string'],
  ['url: javascript: is rejected', (f) => { ev(f).url = 'javascript:alert(1)'; }, 'evidence[0].url', 'must be an absolute http or https URL'],
  ['url: data: is rejected', (f) => { ev(f).url = 'data:text/html,<script>alert(1)</script>'; }, 'evidence[0].url', 'http or https URL'],
  ['url: ftp: is rejected', (f) => { ev(f).url = 'ftp://example.org/x'; }, 'evidence[0].url', 'http or https URL'],
  ['url: a relative URL is rejected', (f) => { ev(f).url = 'example.org/x'; }, 'evidence[0].url', 'http or https URL'],
  ['url: a scheme-relative URL is rejected', (f) => { ev(f).url = '//example.org/x'; }, 'evidence[0].url', 'http or https URL'],
  ['url: http: without slashes is rejected', (f) => { ev(f).url = 'http:example.org'; }, 'evidence[0].url', 'http or https URL'],
  ['url: a host is required', (f) => { ev(f).url = 'https://'; }, 'evidence[0].url', 'http or https URL'],
  ['url: no spaces', (f) => { ev(f).url = 'https://example.org/a b'; }, 'evidence[0].url', 'encode spaces'],
  ['url must be a string', (f) => { ev(f).url = 1; }, 'evidence[0].url', 'must be a string'],
  ['observed_on is required', (f) => { delete ev(f).observed_on; }, 'evidence[0].observed_on', 'required'],
  ['observed_on must be a real day', (f) => { ev(f).observed_on = '2026-02-30'; }, 'evidence[0].observed_on', 'must be a date YYYY-MM-DD'],
  ['observed_on: no 29 February in 2025', (f) => { ev(f).observed_on = '2025-02-29'; }, 'evidence[0].observed_on', 'not a day of the calendar'],
  ['observed_on: month 13', (f) => { ev(f).observed_on = '2026-13-01'; }, 'evidence[0].observed_on', 'must be a date YYYY-MM-DD'],
  ['observed_on: zero-padded', (f) => { ev(f).observed_on = '2026-1-10'; }, 'evidence[0].observed_on', 'must be a date YYYY-MM-DD'],
  ['observed_on: not an instant', (f) => { ev(f).observed_on = '2026-01-10T00:00:00Z'; }, 'evidence[0].observed_on', 'must be a date YYYY-MM-DD'],
  ['observed_on: not a number', (f) => { ev(f).observed_on = 20260110; }, 'evidence[0].observed_on', 'must be a date YYYY-MM-DD'],
  ['source_reliability is required', (f) => { delete ev(f).source_reliability; }, 'evidence[0].source_reliability', 'required'],
  ['source_reliability is A-F', (f) => { ev(f).source_reliability = 'G'; }, 'evidence[0].source_reliability', 'must be one of A, B, C, D, E, F'],
  ['source_reliability is upper case', (f) => { ev(f).source_reliability = 'b'; }, 'evidence[0].source_reliability', 'must be one of A, B, C, D, E, F'],
  ['credibility is required', (f) => { delete ev(f).credibility; }, 'evidence[0].credibility', 'required'],
  ['credibility is at least 1', (f) => { ev(f).credibility = 0; }, 'evidence[0].credibility', 'must be an integer from 1 to 6'],
  ['credibility is at most 6', (f) => { ev(f).credibility = 7; }, 'evidence[0].credibility', 'must be an integer from 1 to 6'],
  ['credibility is an integer', (f) => { ev(f).credibility = 2.5; }, 'evidence[0].credibility', 'must be an integer from 1 to 6'],
  ['credibility is a JSON number', (f) => { ev(f).credibility = '2'; }, 'evidence[0].credibility', 'not a string'],
  ['groups must be an array', (f) => { ev(f).groups = 'TTP'; }, 'evidence[0].groups', 'must be an array'],
  ['groups are known group codes', (f) => { ev(f).groups = ['TTP', 'ISKP']; }, 'evidence[0].groups[1]', 'unknown group "ISKP"'],
  ['groups have no duplicates', (f) => { ev(f).groups = ['TTP', 'TTP']; }, 'evidence[0].groups[1]', 'duplicate group "TTP"'],
  ['groups are strings', (f) => { ev(f).groups = [1]; }, 'evidence[0].groups[0]', 'must be a group code'],
  ['tlp is one of the levels', (f) => { ev(f).tlp = 'WHITE'; }, 'evidence[0].tlp', 'must be one of CLEAR, GREEN, AMBER, RED'],
  ['tlp is a string', (f) => { ev(f).tlp = 2; }, 'evidence[0].tlp', 'must be one of CLEAR, GREEN, AMBER, RED'],
  ['location is at most 200 characters', (f) => { ev(f).location = 'l'.repeat(201); }, 'evidence[0].location', 'at most 200 characters'],
  ['location must be a string', (f) => { ev(f).location = { lat: 1 }; }, 'evidence[0].location', 'must be a string'],
  // findings
  ['findings are required', (f) => { delete ev(f).findings; }, 'evidence[0].findings', 'must be a non-empty array of findings'],
  ['findings must not be empty', (f) => { ev(f).findings = []; }, 'evidence[0].findings', 'must be a non-empty array of findings'],
  ['findings must be an array', (f) => { ev(f).findings = {}; }, 'evidence[0].findings', 'must be an array'],
  ['a finding must be an object', (f) => { ev(f).findings.push(3); }, 'evidence[0].findings[2]', 'must be an object'],
  ['a finding names its benchmark', (f) => { delete finding(f, 0).benchmark; }, 'evidence[0].findings[0].benchmark', 'required'],
  ['the benchmark must exist', (f) => { finding(f, 0).benchmark = 'INTEL-9'; }, 'evidence[0].findings[0].benchmark', 'unknown benchmark "INTEL-9"'],
  ['stance is an integer from -2 to 2', (f) => { finding(f, 0).stance = 3; }, 'evidence[0].findings[0].stance', 'must be an integer from -2 to 2'],
  ['stance is not a fraction', (f) => { finding(f, 0).stance = 0.5; }, 'evidence[0].findings[0].stance', 'must be an integer from -2 to 2'],
  ['stance is a JSON number', (f) => { finding(f, 0).stance = '1'; }, 'evidence[0].findings[0].stance', 'not a string'],
  ['an assessment finding needs a stance', (f) => { delete finding(f, 0).stance; }, 'evidence[0].findings[0].stance', 'required: benchmark "BORDER-1" is an assessment'],
  [
    'an assessment finding takes no value',
    (f) => { finding(f, 0).value = 1; },
    'evidence[0].findings[0].value',
    'benchmark "BORDER-1" is an assessment: give "stance", not "value"',
  ],
  [
    'an indicator finding takes no stance',
    (f) => { finding(f, 1).stance = 1; },
    'evidence[0].findings[1].stance',
    'benchmark "BORDER-2" is an indicator: give "value", not "stance"',
  ],
  [
    'an indicator finding takes no stance, even instead of a value',
    (f) => { delete finding(f, 1).value; finding(f, 1).stance = 1; },
    'evidence[0].findings[1].stance',
    'is an indicator: give "value", not "stance"',
  ],
  ['an indicator finding needs a value', (f) => { delete finding(f, 1).value; }, 'evidence[0].findings[1].value', 'required: benchmark "BORDER-2" is an indicator'],
  ['value is a JSON number', (f) => { finding(f, 1).value = '12'; }, 'evidence[0].findings[1].value', 'not a string'],
  [
    'one finding per benchmark per item',
    (f) => { ev(f).findings.push({ benchmark: 'BORDER-1', stance: -1 }); },
    'evidence[0].findings[2].benchmark',
    'duplicate finding for benchmark "BORDER-1" (first at evidence[0].findings[0])',
  ],
  ['unknown finding key, with a hint', (f) => { finding(f, 0).stanse = 1; }, 'evidence[0].findings[0].stanse', 'did you mean "stance"?'],
];

describe.each([
  ['root', ROOT_RULES],
  ['framework', FRAMEWORK_RULES],
  ['evidence', EVIDENCE_RULES],
] as const)('%s rules', (_, rules) => {
  it.each(rules)('%s', (_name, mutate, path, message) => {
    expectOnlyError(mutate, path, message);
  });
});

describe('root', () => {
  it.each([[null], [[]], ['{}'], [42], [true], [undefined]])('rejects %j as the whole file', (raw) => {
    const errors = errorsOf(raw);
    expect(errors).toEqual([{ path: '', message: expect.stringContaining('must be a JSON object') }]);
  });

  it('needs "framework" or "evidence"', () => {
    expect(errorsOf({})).toEqual([{ path: '', message: 'must have "framework", "evidence" or both' }]);
    expect(errorsOf({ $schema: 'x', framework_code: 'QUAD-2025' }, STORED)).toEqual([
      { path: '', message: 'must have "framework", "evidence" or both' },
    ]);
  });

  it('treats "__proto__" and "constructor" keys as unknown fields and leaves prototypes alone', () => {
    const file = JSON.parse(
      EXAMPLE_JSON.replace('{', '{"__proto__": {"polluted": 5},')
        .replace('"code": "QUAD-2025",', '"code": "QUAD-2025", "__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}},')
        .replace('"pillar_weights": {', '"pillar_weights": {"__proto__": {"polluted": 3}, "constructor": 1, ')
        .replace('"ref": "ext-0001",', '"ref": "ext-0001", "__proto__": {"polluted": 4},'),
    );
    expect(Object.keys(file)).toContain('__proto__');

    const errors = errorsOf(file);
    expect(errors.map((e) => e.path)).toEqual([
      '__proto__',
      'framework.__proto__',
      'framework.constructor',
      'framework.perspectives[0].pillar_weights.__proto__',
      'framework.perspectives[0].pillar_weights.constructor',
      'evidence[0].__proto__',
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'unknown field', 'unknown field', 'unknown field', 'unknown pillar "__proto__"', 'unknown pillar "constructor"', 'unknown field',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('never reads inherited properties of the input', () => {
    const proto = JSON.parse(EXAMPLE_JSON);
    const file = Object.create(proto);
    expect(errorsOf(file)).toEqual([{ path: '', message: 'must have "framework", "evidence" or both' }]);
  });
});

// ---------------------------------------------------------------- several errors at once

describe('collecting errors', () => {
  it('lists every error, in file order, not just the first', () => {
    const f = example();
    fw(f).prior_strength = -1;
    b1(f).weight = 0;
    b2(f).target = 40;
    persp(f).code = 'JOINT';
    ev(f).observed_on = '2026-02-30';
    ev(f).credibility = 9;
    finding(f, 0).stance = 5;
    finding(f, 1).stance = 1;
    f.evidence.push({ ...JSON.parse(JSON.stringify(ev(f))), url: 'javascript:void(0)', tlp: 'PINK' });
    const errors = errorsOf(f);
    expect(formatImportErrors(errors)).toEqual([
      'framework.prior_strength: must be a number greater than 0',
      'framework.pillars[0].benchmarks[0].weight: must be a number greater than 0',
      'framework.pillars[0].benchmarks[1].target: must differ from baseline (both are 40)',
      'framework.perspectives[0].code: JOINT always exists and cannot be redefined',
      'evidence[0].observed_on: must be a date YYYY-MM-DD (2026-02-30 is not a day of the calendar)',
      'evidence[0].credibility: must be an integer from 1 to 6',
      'evidence[0].findings[0].stance: must be an integer from -2 to 2',
      'evidence[0].findings[1].stance: benchmark "BORDER-2" is an indicator: give "value", not "stance"',
      'evidence[1].ref: duplicate ref "ext-0001" (first at evidence[0])',
      'evidence[1].url: must be an absolute http or https URL (e.g. https://example.org/page)',
      'evidence[1].observed_on: must be a date YYYY-MM-DD (2026-02-30 is not a day of the calendar)',
      'evidence[1].credibility: must be an integer from 1 to 6',
      'evidence[1].tlp: must be one of CLEAR, GREEN, AMBER, RED',
      'evidence[1].findings[0].stance: must be an integer from -2 to 2',
      'evidence[1].findings[1].stance: benchmark "BORDER-2" is an indicator: give "value", not "stance"',
    ]);
  });

  it('reports a missing field and a wrong type in the same object', () => {
    const errors = errorsOf({ framework: { code: 1, pillars: [{}] } });
    expect(formatImportErrors(errors)).toEqual([
      'framework.code: must be a string (a code: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit)',
      'framework.name: required',
      'framework.pillars[0].code: required',
      'framework.pillars[0].name: required',
      'framework.pillars[0].benchmarks: must be a non-empty array of benchmarks',
    ]);
  });

  it('does not pile "unknown benchmark" errors onto evidence when the pillars cannot be read', () => {
    const f = example();
    fw(f).pillars = 'oops';
    expect(errorsOf(f).map((e) => e.path)).toEqual(['framework.pillars']);
  });

  it('still checks pillar_weights keys when only a pillar\'s benchmarks are broken', () => {
    const f = example();
    delete fw(f).pillars[0].benchmarks;
    persp(f).pillar_weights.INTEL = 1;
    expect(formatImportErrors(errorsOf(f))).toEqual([
      'framework.pillars[0].benchmarks: must be a non-empty array of benchmarks',
      'framework.perspectives[0].pillar_weights.INTEL: unknown pillar "INTEL"',
    ]);
  });

  it('still checks finding shapes when the benchmark is unknown', () => {
    const f = example();
    ev(f).findings = [{ benchmark: 'INTEL-9', stance: 1, value: 2 }, { benchmark: 'NOPE' }];
    expect(formatImportErrors(errorsOf(f))).toEqual([
      'evidence[0].findings[0].benchmark: unknown benchmark "INTEL-9"',
      'evidence[0].findings[0]: give either "stance" (assessment) or "value" (indicator), not both',
      'evidence[0].findings[1].benchmark: unknown benchmark "NOPE"',
      'evidence[0].findings[1]: needs "stance" (for an assessment benchmark) or "value" (for an indicator benchmark)',
    ]);
  });

  it('quotes odd values safely in messages', () => {
    const f = example();
    finding(f, 0).benchmark = 'X"\u2028' + 'y'.repeat(100);
    const [error] = errorsOf(f);
    expect(error.message).toMatch(/^unknown benchmark "X\\"\\u2028y+\.\.\."$/);
    expect(error.message.length).toBeLessThan(100);
  });
});

// ---------------------------------------------------------------- evidence-only files

describe('evidence-only files', () => {
  function evidenceOnly(): Json {
    const f = example();
    delete f.framework;
    f.framework_code = 'QUAD-2025';
    ev(f).groups = ['ISKP'];
    ev(f).findings.push({ benchmark: 'INTEL-1', stance: -1 });
    return f;
  }

  it('are validated against the stored framework', () => {
    const value = valid(evidenceOnly(), STORED);
    expect(value.framework).toBeNull();
    expect(value.frameworkCode).toBe('QUAD-2025');
    expect(value.evidence[0].groups).toEqual(['ISKP']);
    expect(value.evidence[0].findings).toEqual([
      { benchmark: 'BORDER-1', stance: 1, value: null },
      { benchmark: 'BORDER-2', stance: null, value: 12 },
      { benchmark: 'INTEL-1', stance: -1, value: null },
    ]);
  });

  it('check benchmarks, kinds and groups against the stored framework', () => {
    const f = evidenceOnly();
    ev(f).groups = ['ISKP', 'BLA'];
    ev(f).findings.push({ benchmark: 'INTEL-9', stance: 0 });
    finding(f, 2).value = 3;
    expect(formatImportErrors(errorsOf(f, STORED))).toEqual([
      'evidence[0].groups[1]: unknown group "BLA"',
      'evidence[0].findings[2].value: benchmark "INTEL-1" is an assessment: give "stance", not "value"',
      'evidence[0].findings[3].benchmark: unknown benchmark "INTEL-9"',
    ]);
  });

  it('ignore inherited names of the stored benchmark map', () => {
    const f = evidenceOnly();
    ev(f).findings = [{ benchmark: 'constructor', stance: 0 }, { benchmark: 'toString', value: 0 }];
    expect(errorsOf(f, STORED).map((e) => e.message)).toEqual([
      'unknown benchmark "constructor"',
      'unknown benchmark "toString"',
    ]);
  });

  it('need framework_code', () => {
    const f = evidenceOnly();
    delete f.framework_code;
    expect(errorsOf(f, STORED)).toEqual([{ path: 'framework_code', message: 'required when the file has no framework' }]);
  });

  it('report an unknown framework once, without guessing about the evidence', () => {
    const f = evidenceOnly();
    f.framework_code = 'NOPE';
    expect(errorsOf(f, null)).toEqual([{ path: 'framework_code', message: 'unknown framework "NOPE"' }]);
  });

  it('report a stored framework that is not the one named', () => {
    const f = evidenceOnly();
    f.framework_code = 'OTHER';
    expect(errorsOf(f, STORED)).toEqual([
      { path: 'framework_code', message: expect.stringContaining('unknown framework "OTHER"') },
    ]);
  });

  it('are not checked against `existing` when the file has its own framework', () => {
    const f = example();
    finding(f, 0).benchmark = 'INTEL-1'; // exists in STORED only
    expect(errorsOf(f, STORED)).toEqual([
      { path: 'evidence[0].findings[0].benchmark', message: 'unknown benchmark "INTEL-1"' },
    ]);
  });
});

// ---------------------------------------------------------------- frameworkCodeOf

describe('frameworkCodeOf', () => {
  it.each([
    [{ framework: { code: 'QUAD-2025' }, framework_code: 'OTHER' }, 'QUAD-2025'],
    [{ framework: { code: ' QUAD-2025 ' } }, 'QUAD-2025'],
    [{ framework: { code: 7 }, framework_code: 'OTHER' }, 'OTHER'],
    [{ framework: 'QUAD-2025', framework_code: 'OTHER' }, 'OTHER'],
    [{ framework_code: 'QUAD-2025', evidence: [] }, 'QUAD-2025'],
    [{ evidence: [] }, null],
    [{ framework_code: 5 }, null],
    [null, null],
    ['QUAD-2025', null],
    [[{ framework_code: 'X' }], null],
  ])('%j -> %j', (raw, expected) => {
    expect(frameworkCodeOf(raw)).toBe(expected);
  });

  it('ignores inherited properties', () => {
    expect(frameworkCodeOf(Object.create({ framework_code: 'X' }))).toBeNull();
  });
});
