// Normalised, validated content of an import file (INTERFACES.md "Import file"). Produced by validateImport.

import type { FieldProblem } from '../errors';
import type { BenchmarkKind, SourceReliability } from '../scoring/types';

export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'RED';

/** The languages a framework file may translate its texts into (English is the text of the fields themselves). */
export const TRANSLATED_LOCALES = ['zh-CN', 'ru', 'ur', 'fa', 'ps'] as const;
export type TranslatedLocale = (typeof TRANSLATED_LOCALES)[number];

/** A part's texts in other languages, by locale (in TRANSLATED_LOCALES order; a field left out falls back to English). */
export type Translations<T> = Partial<Record<TranslatedLocale, T>>;

export interface FrameworkTexts {
  name?: string;
  subject?: string;
  description?: string;
  caveat?: string;
  jointName?: string;
}
export interface PillarTexts {
  name?: string;
  description?: string;
}
export interface BenchmarkTexts {
  title?: string;
  description?: string;
  unit?: string;
  /** as many as the benchmark's own recommended actions, in the same order */
  recommendedActions?: string[];
}
export interface GroupTexts {
  name?: string;
  description?: string;
}
export interface PerspectiveTexts {
  name?: string;
  description?: string;
}
export const TLP_LEVELS: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

export interface ImportBenchmark {
  code: string;
  title: string;
  description: string | null;
  kind: BenchmarkKind;
  weight: number;
  halfLifeDays: number;
  baseline: number | null;
  target: number | null;
  unit: string | null;
  /** what would move the benchmark, in the framework's words (absent: none) */
  recommendedActions?: string[];
  /** its texts in other languages (absent: none) */
  translations?: Translations<BenchmarkTexts>;
}

export interface ImportPillar {
  code: string;
  name: string;
  description: string | null;
  benchmarks: ImportBenchmark[];
  translations?: Translations<PillarTexts>;
}

export interface ImportGroup {
  code: string;
  name: string;
  description: string | null;
  translations?: Translations<GroupTexts>;
}

export interface ImportPerspective {
  code: string;
  name: string;
  description: string | null;
  pillarWeights: Record<string, number>;
  groupWeights: Record<string, number>;
  translations?: Translations<PerspectiveTexts>;
}

export interface ImportDelegation {
  code: string;
  name: string;
}

export interface ImportFramework {
  code: string;
  name: string;
  subject: string | null;
  description: string | null;
  priorStrength: number;
  assessedThreshold: number;
  groups: ImportGroup[];
  pillars: ImportPillar[];
  /** never contains JOINT */
  perspectives: ImportPerspective[];
  /** what the JOINT perspective is called (absent: "Joint") */
  jointName?: string;
  /** delegations users belong to (absent: the perspectives, plus the monitoring secretariat SEC) */
  delegations?: ImportDelegation[];
  /** places offered on the evidence form (absent: none) */
  locations?: string[];
  /** what the scores are not, shown beside them on the dashboard, briefings and reports (absent: none) */
  caveat?: string;
  /** the framework's own texts in other languages (absent: none; its parts carry their own) */
  translations?: Translations<FrameworkTexts>;
}

export interface ImportFinding {
  benchmark: string;
  stance: number | null;
  value: number | null;
}

export interface ImportEvidence {
  ref: string;
  title: string;
  summary: string | null;
  source: string | null;
  url: string | null;
  /** YYYY-MM-DD */
  observedOn: string;
  sourceReliability: SourceReliability;
  credibility: number;
  groups: string[];
  tlp: Tlp;
  location: string | null;
  findings: ImportFinding[];
  /** normalised ISO instants, e.g. 2026-01-12T10:00:00.000Z */
  verifiedAt: string | null;
  retractedAt: string | null;
}

export interface ImportFile {
  /** null when the file has no "framework" key */
  framework: ImportFramework | null;
  /** the framework the evidence belongs to: framework.code, or the top-level framework_code */
  frameworkCode: string | null;
  evidence: ImportEvidence[];
}

/** What evidence may refer to in a framework already stored (used when the file has no framework). */
export interface FrameworkRefs {
  code: string;
  /** benchmark code -> kind */
  benchmarks: Record<string, BenchmarkKind>;
  groups: string[];
}

/** A problem with one field of an import file (a message key and parameters, rendered as `path: message`). */
export type FieldError = FieldProblem;

export type ImportValidation =
  | { ok: true; value: ImportFile }
  | { ok: false; errors: FieldError[] };

/** The evidence table's content columns for a validated item (everything the submitter said but findings and tags). */
export function evidenceContentColumns(item: ImportEvidence) {
  return {
    ref: item.ref || null,
    title: item.title,
    summary: item.summary,
    source: item.source,
    url: item.url,
    observed_on: item.observedOn,
    source_reliability: item.sourceReliability,
    credibility: item.credibility,
    tlp: item.tlp,
    location: item.location,
  };
}
