// Deterministic synthetic data on the default framework's shape (3 pillars, 13 benchmarks, 4 perspectives,
// 5 groups): the framework as the scoring engine sees it, and evidence either as engine input or as an
// import file (INTERFACES.md "Import file").

import fs from 'node:fs';
import { DEFAULT_FRAMEWORK_FILE } from '../src/seed/index';
import { validateImport } from '../src/framework/validate-import';
import type { ImportFramework } from '../src/framework/import-types';
import type { ScoringEvidence, ScoringFramework, SourceReliability } from '../src/scoring/types';
import { addDays } from '../src/scoring/index';
import { toScoringFramework } from '../src/framework/repository';
import { mulberry32 } from './harness';

/** The as-of date and known-at the synthetic evidence is generated around. */
export const AS_OF = '2026-06-30';
export const KNOWN_AT = '2026-06-30';
/** evidence is observed over this many days up to AS_OF */
const SPAN_DAYS = 730;

/** The default framework (src/seed/quad-2025.framework.json), normalised by the import validator. */
export function defaultImportFramework(): ImportFramework {
  const raw = JSON.parse(fs.readFileSync(DEFAULT_FRAMEWORK_FILE, 'utf8')) as unknown;
  const result = validateImport(raw, null);
  if (!result.ok || !result.value.framework) throw new Error('the default framework file does not validate');
  return result.value.framework;
}

/** The default framework as the engine sees it (the same conversion the app applies to a stored tree). */
export function defaultScoringFramework(): ScoringFramework {
  return toScoringFramework(defaultImportFramework());
}

interface GeneratedFinding {
  benchmark: string;
  stance: number | null;
  value: number | null;
}

interface GeneratedItem {
  index: number;
  observedOn: string;
  sourceReliability: SourceReliability;
  credibility: number;
  groups: string[];
  findings: GeneratedFinding[];
  verifiedAt: string | null;
  retractedAt: string | null;
  supersededAt: string | null;
}

// reliability A..F, skewed toward the usual B/C
const RELIABILITY_TABLE: SourceReliability[] = ['A', 'B', 'B', 'B', 'C', 'C', 'C', 'D', 'E', 'F'];

function instantAfter(day: string, days: number, rand: () => number): string {
  const hour = String(6 + Math.floor(rand() * 12)).padStart(2, '0');
  const minute = String(Math.floor(rand() * 60)).padStart(2, '0');
  return `${addDays(day, days)}T${hour}:${minute}:00.000Z`;
}

function generateItems(framework: ImportFramework, count: number, seed: number, options: { superseded: boolean }): GeneratedItem[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const benchmarks = framework.pillars.flatMap((p) => p.benchmarks);
  const groups = framework.groups.map((g) => g.code);
  const start = addDays(AS_OF, -SPAN_DAYS);
  const items: GeneratedItem[] = [];
  for (let i = 0; i < count; i += 1) {
    const observedOn = addDays(start, Math.floor(rand() * (SPAN_DAYS + 1)));
    // 1..3 findings on distinct benchmarks
    const findingCount = 1 + Math.floor(rand() * 3);
    const chosen = new Set<number>();
    while (chosen.size < findingCount) chosen.add(Math.floor(rand() * benchmarks.length));
    const findings = [...chosen].map((k): GeneratedFinding => {
      const b = benchmarks[k];
      if (b.kind === 'assessment') return { benchmark: b.code, stance: Math.floor(rand() * 5) - 2, value: null };
      const u = -0.2 + rand() * 1.4;
      const value = Math.round((b.baseline! + (b.target! - b.baseline!) * u) * 10) / 10;
      return { benchmark: b.code, stance: null, value };
    });
    const groupRoll = rand();
    const tagged = groupRoll < 0.4 ? [] : groupRoll < 0.85 ? [pick(groups)] : [...new Set([pick(groups), pick(groups)])];
    // ~92% verified (1..14 days after observation, some after the known-at), 8% still awaiting review
    const verified = rand() < 0.92;
    const verifiedAt = verified ? instantAfter(observedOn, 1 + Math.floor(rand() * 14), rand) : null;
    const retractedAt = verified && rand() < 0.03 ? instantAfter(observedOn, 30 + Math.floor(rand() * 170), rand) : null;
    const supersededAt = options.superseded && verified && !retractedAt && rand() < 0.02 ? instantAfter(observedOn, 20 + Math.floor(rand() * 100), rand) : null;
    items.push({
      index: i,
      observedOn,
      sourceReliability: pick(RELIABILITY_TABLE),
      credibility: 1 + Math.floor(rand() * 6),
      groups: tagged,
      findings,
      verifiedAt,
      retractedAt,
      supersededAt,
    });
  }
  return items;
}

/** `count` evidence items as the scoring engine takes them (verified, retracted and superseded mixed in). */
export function scoringEvidence(framework: ImportFramework, count: number, seed = 42): ScoringEvidence[] {
  return generateItems(framework, count, seed, { superseded: true })
    .filter((item) => item.verifiedAt !== null) // loadScoringEvidence only loads items that were ever verified
    .map((item) => ({
      id: item.index + 1,
      observedOn: item.observedOn,
      sourceReliability: item.sourceReliability,
      credibility: item.credibility,
      groups: item.groups,
      verifiedAt: item.verifiedAt,
      retractedAt: item.retractedAt,
      supersededAt: item.supersededAt,
      findings: item.findings,
    }));
}

/** An evidence-only import file of `count` items for `framework_code` (parsed JSON, as the CLI reads it). */
export function importEvidenceFile(framework: ImportFramework, count: number, seed = 7): unknown {
  const items = generateItems(framework, count, seed, { superseded: false });
  return {
    framework_code: framework.code,
    evidence: items.map((item) => ({
      ref: `bench-${String(item.index + 1).padStart(6, '0')}`,
      title: `Synthetic observation ${item.index + 1} on ${item.findings.map((f) => f.benchmark).join(', ')}`,
      summary: `Generated for the import benchmark. Observed on ${item.observedOn}; ${item.findings.length} finding(s).`,
      source: 'pactwatch benchmark generator',
      url: `https://example.org/bench/${item.index + 1}`,
      observed_on: item.observedOn,
      source_reliability: item.sourceReliability,
      credibility: item.credibility,
      groups: item.groups,
      tlp: item.index % 4 === 0 ? 'GREEN' : 'AMBER',
      findings: item.findings.map((f) => (f.stance !== null ? { benchmark: f.benchmark, stance: f.stance } : { benchmark: f.benchmark, value: f.value })),
      ...(item.verifiedAt ? { verified_at: item.verifiedAt } : {}),
      ...(item.retractedAt ? { retracted_at: item.retractedAt } : {}),
    })),
  };
}
