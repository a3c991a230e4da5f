// The import's fast paths to the log produce exactly what audit/log.ts defines: canonicalItem and the entry
// contents equal canonicalJson, and chainRows hashes as entryHash does (so `audit verify` accepts every entry).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, entryHash, GENESIS_HASH, type Actor } from '../../../src/audit/log';
import { bodyOf, canonicalItem, chainRows, importedContent, importUpdatedContent, logLine } from '../../../src/framework/import-bulk';
import type { ImportEvidence } from '../../../src/framework/import-types';
import { EvidenceChecker, validateImportHeader } from '../../../src/framework/validate-import';
import { itemGenerator } from '../../integration/fixtures/import-file';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const itemArb: fc.Arbitrary<ImportEvidence> = fc.record({
  ref: text,
  title: text,
  summary: maybe(text),
  source: maybe(text),
  url: maybe(text),
  observedOn: text,
  sourceReliability: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
  credibility: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
  groups: fc.array(text, { maxLength: 4 }),
  tlp: fc.constantFrom('CLEAR', 'GREEN', 'AMBER', 'RED'),
  location: maybe(text),
  findings: fc.array(
    fc.record({ benchmark: text, stance: maybe(fc.integer({ min: -2, max: 2 })), value: maybe(fc.double({ noNaN: true, noDefaultInfinity: true })) }),
    { maxLength: 4 },
  ),
  verifiedAt: maybe(text),
  retractedAt: maybe(text),
}) as fc.Arbitrary<ImportEvidence>;

const actorArb: fc.Arbitrary<Actor> = fc.record({ id: maybe(fc.integer({ min: 1, max: 1e6 })), label: text });

describe('canonical JSON of imported items', () => {
  it('equals canonicalJson for any item of the validated shape', () => {
    fc.assert(
      fc.property(itemArb, maybe(fc.integer({ min: 1, max: 1e6 })), text, (item, batch, framework) => {
        expect(canonicalItem(item)).toBe(canonicalJson(item));
        const content = { ref: item.ref, item, framework, origin: 'import', created_by: null, owner_delegation: null, ...(batch !== null ? { batch } : {}) };
        expect(importedContent(item, framework, batch)).toBe(canonicalJson(content));
        expect(importUpdatedContent(item)).toBe(canonicalJson({ ref: item.ref, item }));
      }),
      { numRuns: 500 },
    );
  });

  it('equals canonicalJson for items as the validator gives them', () => {
    const errors: never[] = [];
    const head = validateImportHeader(errors, { framework_code: 'QUAD-2025', evidence: [] }, {
      code: 'QUAD-2025',
      benchmarks: { 'INTEL-1': 'assessment', 'INTEL-2': 'indicator', 'INTEL-3': 'assessment', 'DISRUPT-1': 'assessment', 'DISRUPT-2': 'assessment', 'DISRUPT-3': 'assessment', 'DISRUPT-4': 'assessment', 'DISRUPT-5': 'indicator', 'DISRUPT-6': 'assessment', 'DISRUPT-7': 'indicator', 'BORDER-1': 'assessment', 'BORDER-2': 'assessment', 'BORDER-3': 'indicator' },
      groups: ['ISKP', 'TTP', 'BLA', 'TIP', 'OTHER'],
    })!;
    const checker = new EvidenceChecker(head.refs);
    const next = itemGenerator(3, 'c');
    for (let i = 0; i < 300; i += 1) {
      const item = checker.check(errors, next(i), i)!;
      expect(canonicalItem(item)).toBe(canonicalJson(item));
    }
    expect(errors).toEqual([]);
  });

  it('falls back to canonicalJson for anything else (an extra key, an undefined, a prototype)', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        const extra = { ...item, extra: 1 } as ImportEvidence;
        expect(canonicalItem(extra)).toBe(canonicalJson(extra));
        const undef = { ...item, summary: undefined } as unknown as ImportEvidence;
        expect(canonicalItem(undef)).toBe(canonicalJson(undef));
        const withFinding = { ...item, findings: [{ benchmark: 'B', stance: undefined, value: 1 }] } as unknown as ImportEvidence;
        expect(canonicalItem(withFinding)).toBe(canonicalJson(withFinding));
        const proto = Object.assign(Object.create({ inherited: 1 }), item) as ImportEvidence;
        expect(canonicalItem(proto)).toBe(canonicalJson(proto));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the hash chain of import entries', () => {
  it('hashes every entry as entryHash does, linking each to the one before', () => {
    fc.assert(
      fc.property(
        fc.option(fc.record({ seq: fc.integer({ min: 1, max: 1e9 }), hash: fc.stringMatching(/^[0-9a-f]{64}$/) }), { nil: null }),
        fc.array(fc.record({ action: text, entityType: text, entityId: maybe(text), content: text }), { maxLength: 6 }),
        text,
        actorArb,
        (head, entries, at, actor) => {
          const rows = chainRows(head, entries.map((e) => logLine(e.action, e.entityType, e.entityId, e.content)), at, actor);
          let prev = head?.hash ?? GENESIS_HASH;
          rows.forEach((row, i) => {
            expect(row).toMatchObject({ seq: (head?.seq ?? 0) + i + 1, at, actor: actor.label, actor_id: actor.id, prev_hash: prev, content: entries[i].content });
            expect(row.hash).toBe(entryHash(prev, row));
            prev = row.hash;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes the body entryHash hashes', () => {
    const actor = { id: 12, label: 'eva@example.org' };
    const body = bodyOf(7, '2026-01-01T00:00:00.000Z', actor, 'evidence.imported', 'evidence', '41', JSON.stringify('{"a":1}'));
    expect(body).toBe(canonicalJson({ seq: 7, at: '2026-01-01T00:00:00.000Z', actor_id: 12, actor: actor.label, action: 'evidence.imported', entity_type: 'evidence', entity_id: '41', content: '{"a":1}' }));
  });
});
