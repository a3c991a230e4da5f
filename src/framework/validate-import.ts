// Validator of the import file (INTERFACES.md "Import file (JSON)"). Pure and dependency-free: it never throws,
// never writes into the input, collects every error as {path, message}, and returns the normalised ImportFile.

import type { BenchmarkKind, SourceReliability } from '../scoring/types';
import { problem } from '../errors';
import { msg, type Message } from '../i18n/messages';
import {
  TLP_LEVELS,
  TRANSLATED_LOCALES,
  type BenchmarkTexts,
  type FrameworkTexts,
  type GroupTexts,
  type PerspectiveTexts,
  type PillarTexts,
  type TranslatedLocale,
  type Translations,
  type FieldError,
  type FrameworkRefs,
  type ImportBenchmark,
  type ImportEvidence,
  type ImportFile,
  type ImportFinding,
  type ImportFramework,
  type ImportDelegation,
  type ImportGroup,
  type ImportPerspective,
  type ImportPillar,
  type ImportValidation,
  type Tlp,
} from './import-types';
import {
  checkKeys,
  field,
  hasOwn,
  indexPath,
  integerBetween,
  isAbsent,
  isAnyNumber,
  isCode,
  isNonNegative,
  isObject,
  isPositive,
  keyPath,
  quote,
  readCode,
  readDate,
  readInstant,
  readNumber,
  readOptionalString,
  readRequiredString,
  readUrl,
  type Errors,
  type NumberRule,
  type Obj,
} from './validate-primitives';

// ---------------------------------------------------------------- limits and vocabularies

export const IMPORT_LIMITS = {
  name: 200,
  subject: 200,
  title: 300,
  description: 20000,
  unit: 100,
  ref: 100,
  summary: 20000,
  source: 500,
  location: 200,
  action: 500,
} as const;

/** Recommended actions a benchmark may carry. */
export const MAX_RECOMMENDED_ACTIONS = 10;

export const IMPORT_DEFAULTS = {
  priorStrength: 2,
  assessedThreshold: 1,
  weight: 1,
  halfLifeDays: 180,
  tlp: 'AMBER' as Tlp,
} as const;

const ROOT_KEYS = ['$schema', 'framework', 'framework_code', 'evidence'] as const;
const FRAMEWORK_KEYS = [
  'code', 'name', 'subject', 'description', 'prior_strength', 'assessed_threshold', 'groups', 'pillars', 'perspectives',
  'joint_name', 'delegations', 'locations', 'caveat', 'translations',
] as const;
const DELEGATION_KEYS = ['code', 'name'] as const;
const GROUP_KEYS = ['code', 'name', 'description', 'translations'] as const;
const PILLAR_KEYS = ['code', 'name', 'description', 'benchmarks', 'translations'] as const;
const BENCHMARK_KEYS = [
  'code', 'title', 'description', 'kind', 'weight', 'half_life_days', 'baseline', 'target', 'unit', 'recommended_actions',
  'translations',
] as const;
const PERSPECTIVE_KEYS = ['code', 'name', 'description', 'pillar_weights', 'group_weights', 'translations'] as const;

/** A text a part may give in other languages: its key in the file, its key in the normalised part, its rule. */
interface TextField {
  file: string;
  key: string;
  max: number;
  multiline?: boolean;
}
const NAME_TEXT: TextField = { file: 'name', key: 'name', max: IMPORT_LIMITS.name };
const DESCRIPTION_TEXT: TextField = { file: 'description', key: 'description', max: IMPORT_LIMITS.description, multiline: true };
const FRAMEWORK_TEXTS: readonly TextField[] = [
  NAME_TEXT,
  { file: 'subject', key: 'subject', max: IMPORT_LIMITS.subject },
  DESCRIPTION_TEXT,
  { file: 'caveat', key: 'caveat', max: IMPORT_LIMITS.description, multiline: true },
  { file: 'joint_name', key: 'jointName', max: IMPORT_LIMITS.name },
];
const NAMED_TEXTS: readonly TextField[] = [NAME_TEXT, DESCRIPTION_TEXT];
const BENCHMARK_TEXTS: readonly TextField[] = [
  { file: 'title', key: 'title', max: IMPORT_LIMITS.title },
  DESCRIPTION_TEXT,
  { file: 'unit', key: 'unit', max: IMPORT_LIMITS.unit },
];
const EVIDENCE_KEYS = [
  'ref', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'groups', 'tlp',
  'location', 'findings', 'verified_at', 'retracted_at',
] as const;
const FINDING_KEYS = ['benchmark', 'stance', 'value'] as const;

const KINDS: readonly BenchmarkKind[] = ['assessment', 'indicator'];
const CREDIBILITY_RANGE = integerBetween(1, 6);
const STANCE_RANGE = integerBetween(-2, 2);
const RELIABILITIES: readonly SourceReliability[] = ['A', 'B', 'C', 'D', 'E', 'F'];
const JOINT = 'JOINT';

const MSG: Readonly<Record<string, NumberRule>> = {
  positive: { must: msg('must be a number greater than 0'), what: msg('a number greater than 0') },
  nonNegative: { must: msg('must be a number greater than or equal to 0'), what: msg('a number greater than or equal to 0') },
  number: { must: msg('must be a number'), what: msg('a number') },
  indicatorBound: {
    must: msg('must be a number: indicator benchmarks need a baseline and a target'),
    what: msg('a number: indicator benchmarks need a baseline and a target'),
  },
  stance: { must: msg('must be an integer from -2 to 2'), what: msg('an integer from -2 to 2') },
  credibility: { must: msg('must be an integer from 1 to 6'), what: msg('an integer from 1 to 6') },
};

/** What evidence may refer to: a file's own framework or a stored one. */
interface Refs {
  /** benchmark code -> kind (null: the benchmark exists but its kind is invalid) */
  benchmarks: Map<string, BenchmarkKind | null>;
  groups: Set<string>;
  /** false when the framework's pillars could not be read, so "unknown benchmark" would be noise */
  benchmarksComplete: boolean;
  /** false when the framework's groups could not be read */
  groupsComplete: boolean;
}

// ---------------------------------------------------------------- public API

/**
 * The framework code the caller should look up in the database before validating:
 * `framework.code` when it is a string, else the top-level `framework_code` when it is a string, else null.
 * Trimmed, as the validator trims it.
 */
export function frameworkCodeOf(raw: unknown): string | null {
  try {
    if (!isObject(raw)) return null;
    const framework = field(raw, 'framework');
    if (isObject(framework)) {
      const code = field(framework, 'code');
      if (typeof code === 'string') return code.trim();
    }
    const code = field(raw, 'framework_code');
    return typeof code === 'string' ? code.trim() : null;
  } catch {
    return null;
  }
}

/**
 * Validates a parsed import file. `existing` is the stored framework named by `frameworkCodeOf(raw)` (or null
 * when none); it is used only when the file has no "framework" of its own. Every error is collected.
 */
export function validateImport(raw: unknown, existing: FrameworkRefs | null): ImportValidation {
  const errors: Errors = [];
  let value: ImportFile | undefined;
  try {
    value = validateRoot(errors, raw, existing);
  } catch {
    // Only reachable with exotic inputs (e.g. proxies or throwing getters); JSON.parse output never gets here.
    errors.push({ path: '', message: 'could not be read as an import file' });
  }
  if (errors.length > 0 || value === undefined) {
    return { ok: false, errors: errors.length > 0 ? errors : [{ path: '', message: 'invalid import file' }] };
  }
  return { ok: true, value };
}

/** `path: message` lines, as the command line prints them. */
export function formatImportErrors(errors: readonly FieldError[]): string[] {
  return errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`));
}

// ---------------------------------------------------------------- root

function validateRoot(errors: Errors, raw: unknown, existing: FrameworkRefs | null): ImportFile | undefined {
  const header = validateImportHeader(errors, raw, existing);
  if (header === undefined) return undefined;
  const evidence = header.hasEvidence ? validateEvidenceList(errors, field(raw as Obj, 'evidence'), 'evidence', header.refs) : [];
  if (errors.length > 0) return undefined;
  return { framework: header.framework ?? null, frameworkCode: header.frameworkCode, evidence };
}

/** What evidence items may refer to, as the header of a file decides it (opaque outside this module). */
export type EvidenceRefs = Refs;

/** The top level of an import file but its items: validated, with what its items may refer to. */
export interface ImportHeaderCheck {
  /** undefined when the file's framework is invalid (its errors are recorded) or absent */
  framework: ImportFramework | undefined;
  frameworkCode: string | null;
  /** null: nothing to check items against (unknown framework) */
  refs: EvidenceRefs | null;
  /** the file has an "evidence" key with a value other than null */
  hasEvidence: boolean;
}

/**
 * Validates everything of an import file's top level except the evidence items: `raw` may hold the evidence
 * array or a stand-in for it (its items are checked by an EvidenceChecker, one at a time, after this).
 * Returns undefined, with the error recorded, when `raw` is not an object.
 */
export function validateImportHeader(errors: Errors, raw: unknown, existing: FrameworkRefs | null): ImportHeaderCheck | undefined {
  if (!isObject(raw)) {
    errors.push({ path: '', message: 'must be a JSON object with "framework", "evidence" or both' });
    return undefined;
  }
  checkKeys(errors, raw, ROOT_KEYS, '');
  const schema = field(raw, '$schema');
  if (!isAbsent(schema) && typeof schema !== 'string') errors.push({ path: '$schema', message: 'must be a string' });

  const frameworkRaw = field(raw, 'framework');
  const evidenceRaw = field(raw, 'evidence');
  const codeRaw = field(raw, 'framework_code');
  const hasFramework = !isAbsent(frameworkRaw);
  const hasEvidence = !isAbsent(evidenceRaw);
  if (!hasFramework && !hasEvidence) {
    errors.push({ path: '', message: 'must have "framework", "evidence" or both' });
  }

  let framework: ImportFramework | undefined;
  let refs: Refs | null = null;
  let ownCode: string | undefined;
  if (hasFramework) {
    const result = validateFramework(errors, frameworkRaw, 'framework');
    framework = result.value;
    refs = result.refs;
    ownCode = result.code;
  }

  const fileCode = isAbsent(codeRaw) ? null : readCode(errors, codeRaw, 'framework_code');
  let frameworkCode: string | null = fileCode ?? null;
  if (hasFramework) {
    frameworkCode = ownCode ?? null;
    if (fileCode != null && ownCode !== undefined && fileCode !== ownCode) {
      errors.push(problem('framework_code', '{code} differs from framework.code {own_code}; leave it out or make them equal', { code: quote(fileCode), own_code: quote(ownCode) }));
    }
  } else if (hasEvidence) {
    if (isAbsent(codeRaw)) {
      errors.push({ path: 'framework_code', message: 'required when the file has no framework' });
    } else if (fileCode != null) {
      if (existing === null) {
        errors.push(problem('framework_code', 'unknown framework {code}', { code: quote(fileCode) }));
      } else if (existing.code !== fileCode) {
        errors.push(problem('framework_code', 'unknown framework {code} (the stored framework given is {code2})', { code: quote(fileCode), code2: quote(existing.code) }));
      } else {
        refs = refsOfExisting(existing);
      }
    }
  }
  return { framework, frameworkCode, refs, hasEvidence };
}

function refsOfExisting(existing: FrameworkRefs): Refs {
  const benchmarks = new Map<string, BenchmarkKind | null>();
  const stored: object = isObject(existing.benchmarks) ? existing.benchmarks : {};
  for (const code of Object.keys(stored)) {
    if (!hasOwn(stored, code)) continue;
    const kind = (stored as Record<string, unknown>)[code];
    benchmarks.set(code, kind === 'assessment' || kind === 'indicator' ? kind : null);
  }
  const groups = new Set<string>(Array.isArray(existing.groups) ? existing.groups.filter((g) => typeof g === 'string') : []);
  return { benchmarks, groups, benchmarksComplete: true, groupsComplete: true };
}

// ---------------------------------------------------------------- framework

interface FrameworkResult {
  value: ImportFramework | undefined;
  /** the framework's code when valid, even if other parts are not */
  code: string | undefined;
  refs: Refs;
}

function validateFramework(errors: Errors, raw: unknown, path: string): FrameworkResult {
  const refs: Refs = { benchmarks: new Map(), groups: new Set(), benchmarksComplete: true, groupsComplete: true };
  if (!isObject(raw)) {
    errors.push({ path, message: 'must be an object' });
    return { value: undefined, code: undefined, refs: { ...refs, benchmarksComplete: false, groupsComplete: false } };
  }
  const before = errors.length;
  checkKeys(errors, raw, FRAMEWORK_KEYS, path);
  const at = (key: string): string => keyPath(path, key);
  const code = readCode(errors, field(raw, 'code'), at('code'));
  const name = readRequiredString(errors, field(raw, 'name'), at('name'), { max: IMPORT_LIMITS.name });
  const subject = readOptionalString(errors, field(raw, 'subject'), at('subject'), { max: IMPORT_LIMITS.subject });
  const description = readOptionalString(errors, field(raw, 'description'), at('description'), {
    max: IMPORT_LIMITS.description,
    multiline: true,
  });
  const priorStrength = readNumber(
    errors, field(raw, 'prior_strength'), at('prior_strength'), isPositive, MSG.positive, IMPORT_DEFAULTS.priorStrength,
  );
  const assessedThreshold = readNumber(
    errors, field(raw, 'assessed_threshold'), at('assessed_threshold'), isNonNegative, MSG.nonNegative,
    IMPORT_DEFAULTS.assessedThreshold,
  );

  const groups = validateGroups(errors, field(raw, 'groups'), at('groups'), refs);
  const pillarCodes: PillarCodes = { codes: new Set(), complete: true };
  const pillars = validatePillars(errors, field(raw, 'pillars'), at('pillars'), refs, pillarCodes);
  const perspectives = validatePerspectives(errors, field(raw, 'perspectives'), at('perspectives'), {
    pillars: pillarCodes.codes,
    pillarsComplete: pillarCodes.complete,
    groups: refs.groups,
    groupsComplete: refs.groupsComplete,
  });

  const jointName = readOptionalString(errors, field(raw, 'joint_name'), at('joint_name'), { max: IMPORT_LIMITS.name });
  const delegations = isAbsent(field(raw, 'delegations')) ? undefined : validateDelegations(errors, field(raw, 'delegations'), at('delegations'));
  const locations = isAbsent(field(raw, 'locations')) ? undefined : validateLocations(errors, field(raw, 'locations'), at('locations'));
  const caveat = readOptionalString(errors, field(raw, 'caveat'), at('caveat'), { max: IMPORT_LIMITS.description, multiline: true });
  const translations = readTranslations<FrameworkTexts>(errors, field(raw, 'translations'), at('translations'), FRAMEWORK_TEXTS);

  if (errors.length > before) return { value: undefined, code, refs };
  return {
    value: {
      code: code as string,
      name: name as string,
      subject: subject ?? null,
      description: description ?? null,
      priorStrength: priorStrength as number,
      assessedThreshold: assessedThreshold as number,
      groups,
      pillars,
      perspectives,
      // optional parts are left out when the file leaves them out, so frameworks logged before they existed still
      // compare equal with what is stored (audit verify)
      ...(jointName ? { jointName } : {}),
      ...(delegations ? { delegations } : {}),
      ...(locations ? { locations } : {}),
      ...(caveat ? { caveat } : {}),
      ...(translations ? { translations } : {}),
    },
    code,
    refs,
  };
}

/** The delegations users of this framework belong to (code and name), e.g. the demanding states and a secretariat. */
function validateDelegations(errors: Errors, raw: unknown, path: string): ImportDelegation[] {
  const list = readArray(errors, raw, path, null) ?? [];
  const seen = new Map<string, string>();
  const out: ImportDelegation[] = [];
  list.forEach((item, i) => {
    const itemPath = indexPath(path, i);
    if (!isObject(item)) {
      errors.push({ path: itemPath, message: 'must be an object' });
      return;
    }
    checkKeys(errors, item, DELEGATION_KEYS, itemPath);
    const code = readCode(errors, field(item, 'code'), keyPath(itemPath, 'code'));
    if (code !== undefined) firstOccurrence(errors, seen, code, 'delegation', keyPath(itemPath, 'code'), itemPath);
    const name = readRequiredString(errors, field(item, 'name'), keyPath(itemPath, 'name'), { max: IMPORT_LIMITS.name });
    out.push({ code: code as string, name: name as string });
  });
  return out;
}

/** Places evidence is often about, offered as choices on the evidence form (free text stays possible). */
/** A benchmark's recommended actions: at most MAX_RECOMMENDED_ACTIONS texts, each one or two sentences. */
function validateRecommendedActions(errors: Errors, raw: unknown, path: string): string[] {
  const list = readArray(errors, raw, path, null) ?? [];
  if (list.length > MAX_RECOMMENDED_ACTIONS) errors.push(problem(path, 'at most {max} recommended actions per benchmark', { max: MAX_RECOMMENDED_ACTIONS }));
  const out: string[] = [];
  list.slice(0, MAX_RECOMMENDED_ACTIONS).forEach((item, i) => {
    const text = readRequiredString(errors, item, indexPath(path, i), { max: IMPORT_LIMITS.action });
    if (text !== undefined) out.push(text);
  });
  return out;
}

function validateLocations(errors: Errors, raw: unknown, path: string): string[] {
  const list = readArray(errors, raw, path, null) ?? [];
  const seen = new Map<string, string>();
  const out: string[] = [];
  list.forEach((item, i) => {
    const itemPath = indexPath(path, i);
    const name = readRequiredString(errors, item, itemPath, { max: IMPORT_LIMITS.location });
    if (name !== undefined && firstOccurrence(errors, seen, name, 'location', itemPath, itemPath)) out.push(name);
  });
  return out;
}

/** Reads an array field; absent/null give []. Records "must be an array" and returns null when it is not one. */
function readArray(errors: Errors, raw: unknown, path: string, required: Message | null): unknown[] | null {
  if (isAbsent(raw)) {
    if (required !== null) {
      errors.push({ path, message: required.key });
      return null;
    }
    return [];
  }
  if (!Array.isArray(raw)) {
    errors.push({ path, message: 'must be an array' });
    return null;
  }
  if (required !== null && raw.length === 0) {
    errors.push({ path, message: required.key });
    return null;
  }
  return raw;
}

/** What a duplicate is, for its message. */
type Duplicate = 'delegation' | 'group' | 'location' | 'pillar' | 'benchmark' | 'perspective' | 'ref';

/** Records a duplicate code, or remembers where the code first appeared. Returns true when it is new. */
function firstOccurrence(
  errors: Errors, seen: Map<string, string>, code: string, what: Duplicate, codePath: string, itemPath: string,
): boolean {
  const first = seen.get(code);
  if (first !== undefined) {
    errors.push(problem(codePath, 'duplicate {what, select, delegation {delegation code} group {group code} location {location} pillar {pillar code} benchmark {benchmark code} perspective {perspective code} other {ref}} {code} (first at {first})', { what, code: quote(code), first }));
    return false;
  }
  seen.set(code, itemPath);
  return true;
}

function validateGroups(errors: Errors, raw: unknown, path: string, refs: Refs): ImportGroup[] {
  const list = readArray(errors, raw, path, null);
  if (list === null) {
    refs.groupsComplete = false;
    return [];
  }
  const seen = new Map<string, string>();
  const out: ImportGroup[] = [];
  list.forEach((item, i) => {
    const itemPath = indexPath(path, i);
    if (!isObject(item)) {
      errors.push({ path: itemPath, message: 'must be an object' });
      return;
    }
    checkKeys(errors, item, GROUP_KEYS, itemPath);
    const code = readCode(errors, field(item, 'code'), keyPath(itemPath, 'code'));
    if (code !== undefined && firstOccurrence(errors, seen, code, 'group', keyPath(itemPath, 'code'), itemPath)) {
      refs.groups.add(code);
    }
    const name = readRequiredString(errors, field(item, 'name'), keyPath(itemPath, 'name'), { max: IMPORT_LIMITS.name });
    const description = readOptionalString(errors, field(item, 'description'), keyPath(itemPath, 'description'), {
      max: IMPORT_LIMITS.description,
      multiline: true,
    });
    const translations = readTranslations<GroupTexts>(errors, field(item, 'translations'), keyPath(itemPath, 'translations'), NAMED_TEXTS);
    out.push({ code: code as string, name: name as string, description: description ?? null, ...(translations ? { translations } : {}) });
  });
  return out;
}

/** The pillar codes read so far; `complete` is false when some pillar could not be read at all. */
interface PillarCodes {
  codes: Set<string>;
  complete: boolean;
}

function validatePillars(errors: Errors, raw: unknown, path: string, refs: Refs, pillarCodes: PillarCodes): ImportPillar[] {
  const list = readArray(errors, raw, path, msg('must be a non-empty array of pillars'));
  if (list === null) {
    refs.benchmarksComplete = false;
    pillarCodes.complete = false;
    return [];
  }
  const seenPillars = new Map<string, string>();
  const seenBenchmarks = new Map<string, string>();
  const out: ImportPillar[] = [];
  list.forEach((item, i) => {
    const itemPath = indexPath(path, i);
    if (!isObject(item)) {
      errors.push({ path: itemPath, message: 'must be an object' });
      refs.benchmarksComplete = false;
      pillarCodes.complete = false;
      return;
    }
    checkKeys(errors, item, PILLAR_KEYS, itemPath);
    const code = readCode(errors, field(item, 'code'), keyPath(itemPath, 'code'));
    if (code !== undefined && firstOccurrence(errors, seenPillars, code, 'pillar', keyPath(itemPath, 'code'), itemPath)) {
      pillarCodes.codes.add(code);
    }
    const name = readRequiredString(errors, field(item, 'name'), keyPath(itemPath, 'name'), { max: IMPORT_LIMITS.name });
    const description = readOptionalString(errors, field(item, 'description'), keyPath(itemPath, 'description'), {
      max: IMPORT_LIMITS.description,
      multiline: true,
    });
    const benchmarksPath = keyPath(itemPath, 'benchmarks');
    const benchmarkList = readArray(errors, field(item, 'benchmarks'), benchmarksPath, msg('must be a non-empty array of benchmarks'));
    const benchmarks: ImportBenchmark[] = [];
    if (benchmarkList === null) {
      refs.benchmarksComplete = false;
    } else {
      benchmarkList.forEach((b, j) => {
        const benchmark = validateBenchmark(errors, b, indexPath(benchmarksPath, j), seenBenchmarks, refs);
        if (benchmark !== undefined) benchmarks.push(benchmark);
      });
    }
    const translations = readTranslations<PillarTexts>(errors, field(item, 'translations'), keyPath(itemPath, 'translations'), NAMED_TEXTS);
    out.push({ code: code as string, name: name as string, description: description ?? null, benchmarks, ...(translations ? { translations } : {}) });
  });
  return out;
}

function validateBenchmark(
  errors: Errors, raw: unknown, path: string, seen: Map<string, string>, refs: Refs,
): ImportBenchmark | undefined {
  if (!isObject(raw)) {
    errors.push({ path, message: 'must be an object' });
    refs.benchmarksComplete = false;
    return undefined;
  }
  checkKeys(errors, raw, BENCHMARK_KEYS, path);
  const at = (key: string): string => keyPath(path, key);
  const code = readCode(errors, field(raw, 'code'), at('code'));
  const title = readRequiredString(errors, field(raw, 'title'), at('title'), { max: IMPORT_LIMITS.title });
  const description = readOptionalString(errors, field(raw, 'description'), at('description'), {
    max: IMPORT_LIMITS.description,
    multiline: true,
  });

  const kindRaw = field(raw, 'kind');
  let kind: BenchmarkKind | null = null;
  if (isAbsent(kindRaw)) {
    errors.push({ path: at('kind'), message: 'required ("assessment" or "indicator")' });
  } else {
    const k = typeof kindRaw === 'string' ? kindRaw.trim() : null;
    if (k === 'assessment' || k === 'indicator') kind = k;
    else errors.push({ path: at('kind'), message: 'must be "assessment" or "indicator"' });
  }
  if (code !== undefined && firstOccurrence(errors, seen, code, 'benchmark', at('code'), path)) {
    refs.benchmarks.set(code, kind);
  }

  const weight = readNumber(errors, field(raw, 'weight'), at('weight'), isPositive, MSG.positive, IMPORT_DEFAULTS.weight);
  const halfLifeDays = readNumber(
    errors, field(raw, 'half_life_days'), at('half_life_days'), isPositive, MSG.positive, IMPORT_DEFAULTS.halfLifeDays,
  );

  let baseline: number | null | undefined = null;
  let target: number | null | undefined = null;
  let unit: string | null | undefined = null;
  const baselineRaw = field(raw, 'baseline');
  const targetRaw = field(raw, 'target');
  const unitRaw = field(raw, 'unit');
  if (kind === 'assessment') {
    for (const [key, v] of [['baseline', baselineRaw], ['target', targetRaw], ['unit', unitRaw]] as const) {
      if (!isAbsent(v)) {
        const keyAt = at(key);
        errors.push(problem(keyAt, 'only for indicator benchmarks: leave "{key}" out of an assessment benchmark', { key }));
      }
    }
  } else {
    // indicator: baseline and target required; invalid kind: shapes still checked, nothing required
    const readBound = (key: 'baseline' | 'target', v: unknown): number | null | undefined =>
      kind === 'indicator' || !isAbsent(v)
        ? readNumber(errors, v, at(key), isAnyNumber, kind === 'indicator' ? MSG.indicatorBound : MSG.number)
        : null;
    baseline = readBound('baseline', baselineRaw);
    target = readBound('target', targetRaw);
    if (typeof baseline === 'number' && typeof target === 'number' && baseline === target) {
      const targetAt = at('target');
      errors.push(problem(targetAt, 'must differ from baseline (both are {baseline})', { baseline }));
    }
    unit = readOptionalString(errors, unitRaw, at('unit'), { max: IMPORT_LIMITS.unit });
  }
  const actionsRaw = field(raw, 'recommended_actions');
  const recommendedActions = isAbsent(actionsRaw) ? [] : validateRecommendedActions(errors, actionsRaw, at('recommended_actions'));
  const translations = readTranslations<BenchmarkTexts>(errors, field(raw, 'translations'), at('translations'), BENCHMARK_TEXTS, {
    actions: recommendedActions.length,
    unit: kind !== 'assessment',
  });

  return {
    code: code as string,
    title: title as string,
    description: description ?? null,
    kind: kind as BenchmarkKind,
    weight: weight as number,
    halfLifeDays: halfLifeDays as number,
    baseline: baseline ?? null,
    target: target ?? null,
    unit: unit ?? null,
    // left out when none, so frameworks logged before the key existed still compare equal with what is stored
    ...(recommendedActions.length ? { recommendedActions } : {}),
    ...(translations ? { translations } : {}),
  };
}

/**
 * A part's "translations": {"ru": {"title": "…", "recommended_actions": ["…"]}, "zh-CN": {…}}, keyed by the locales
 * of TRANSLATED_LOCALES (English is the text of the fields themselves, so "en" is refused rather than ignored).
 * Each text follows its English field's rules; a blank one is left out (English is shown for it). Normalised in
 * TRANSLATED_LOCALES order and the fields' order, so the same translations always give the same JSON; undefined
 * when none are given, so parts logged before translations existed still compare equal with what is stored.
 */
function readTranslations<T extends object>(
  errors: Errors, raw: unknown, path: string, fields: readonly TextField[], benchmark?: { actions: number; unit: boolean },
): Translations<T> | undefined {
  if (isAbsent(raw)) return undefined;
  if (!isObject(raw)) {
    errors.push(problem(path, 'must be an object with a key for each language (one of {choices})', { choices: TRANSLATED_LOCALES.join(', ') }));
    return undefined;
  }
  const allowed = [...fields.map((f) => f.file), ...(benchmark ? ['recommended_actions'] : [])];
  const byLocale = new Map<TranslatedLocale, Record<string, string | string[]>>();
  for (const locale of Object.keys(raw)) {
    const localeAt = keyPath(path, locale);
    if (!(TRANSLATED_LOCALES as readonly string[]).includes(locale)) {
      errors.push(problem(localeAt, 'unknown language {locale}: one of {choices} (English is the text of the fields themselves)', { locale: quote(locale), choices: TRANSLATED_LOCALES.join(', ') }));
      continue;
    }
    const texts = raw[locale];
    if (isAbsent(texts)) continue;
    if (!isObject(texts)) {
      errors.push({ path: localeAt, message: 'must be an object' });
      continue;
    }
    checkKeys(errors, texts, allowed, localeAt);
    const out: Record<string, string | string[]> = {};
    for (const f of fields) {
      const textAt = keyPath(localeAt, f.file);
      if (f.key === 'unit' && benchmark && !benchmark.unit && !isAbsent(field(texts, f.file))) {
        errors.push(problem(textAt, 'only for indicator benchmarks: leave "{key}" out of an assessment benchmark', { key: f.file }));
        continue;
      }
      const text = readOptionalString(errors, field(texts, f.file), textAt, { max: f.max, multiline: f.multiline });
      if (text) out[f.key] = text;
    }
    if (benchmark && !isAbsent(field(texts, 'recommended_actions'))) {
      const actionsAt = keyPath(localeAt, 'recommended_actions');
      const list = readArray(errors, field(texts, 'recommended_actions'), actionsAt, null);
      if (list !== null && list.length !== benchmark.actions) {
        errors.push(problem(actionsAt, 'must have as many actions as recommended_actions ({count}), in the same order', { count: benchmark.actions }));
      } else if (list !== null && list.length > 0) {
        const actions: string[] = [];
        list.forEach((item, i) => {
          const text = readRequiredString(errors, item, indexPath(actionsAt, i), { max: IMPORT_LIMITS.action });
          if (text !== undefined) actions.push(text);
        });
        if (actions.length === list.length) out.recommendedActions = actions;
      }
    }
    if (Object.keys(out).length > 0) byLocale.set(locale as TranslatedLocale, out);
  }
  if (byLocale.size === 0) return undefined;
  const normalised: Partial<Record<TranslatedLocale, unknown>> = {};
  for (const locale of TRANSLATED_LOCALES) if (byLocale.has(locale)) normalised[locale] = byLocale.get(locale);
  return normalised as Translations<T>;
}

interface PerspectiveScope {
  pillars: ReadonlySet<string>;
  pillarsComplete: boolean;
  groups: ReadonlySet<string>;
  groupsComplete: boolean;
}

function validatePerspectives(errors: Errors, raw: unknown, path: string, scope: PerspectiveScope): ImportPerspective[] {
  const list = readArray(errors, raw, path, null);
  if (list === null) return [];
  const seen = new Map<string, string>();
  const out: ImportPerspective[] = [];
  list.forEach((item, i) => {
    const itemPath = indexPath(path, i);
    if (!isObject(item)) {
      errors.push({ path: itemPath, message: 'must be an object' });
      return;
    }
    checkKeys(errors, item, PERSPECTIVE_KEYS, itemPath);
    const codePath = keyPath(itemPath, 'code');
    const codeRaw = field(item, 'code');
    let code: string | undefined;
    if (typeof codeRaw === 'string' && codeRaw.trim().toUpperCase() === JOINT) {
      errors.push({ path: codePath, message: 'JOINT always exists and cannot be redefined' });
    } else {
      code = readCode(errors, codeRaw, codePath);
      if (code !== undefined) firstOccurrence(errors, seen, code, 'perspective', codePath, itemPath);
    }
    const name = readRequiredString(errors, field(item, 'name'), keyPath(itemPath, 'name'), { max: IMPORT_LIMITS.name });
    const description = readOptionalString(errors, field(item, 'description'), keyPath(itemPath, 'description'), {
      max: IMPORT_LIMITS.description,
      multiline: true,
    });
    const pillarWeights = readWeights(
      errors, field(item, 'pillar_weights'), keyPath(itemPath, 'pillar_weights'),
      'pillar', scope.pillars, scope.pillarsComplete, isPositive, MSG.positive,
    );
    const groupWeights = readWeights(
      errors, field(item, 'group_weights'), keyPath(itemPath, 'group_weights'),
      'group', scope.groups, scope.groupsComplete, isNonNegative, MSG.nonNegative,
    );
    const translations = readTranslations<PerspectiveTexts>(errors, field(item, 'translations'), keyPath(itemPath, 'translations'), NAMED_TEXTS);
    out.push({ code: code as string, name: name as string, description: description ?? null, pillarWeights, groupWeights, ...(translations ? { translations } : {}) });
  });
  return out;
}

/** A {code: weight} object. Keys are checked against `known`; the result is built only from validated codes. */
function readWeights(
  errors: Errors, raw: unknown, path: string, what: 'pillar' | 'group', known: ReadonlySet<string>, knownComplete: boolean,
  ok: (n: number) => boolean, message: NumberRule,
): Record<string, number> {
  if (isAbsent(raw)) return {};
  if (!isObject(raw)) {
    errors.push(problem(path, 'must be an object mapping {what, select, pillar {pillar} other {group}} codes to weights', { what }));
    return {};
  }
  const entries = new Map<string, number>();
  for (const key of Object.keys(raw)) {
    const keyAt = keyPath(path, key);
    if (knownComplete ? !known.has(key) : !isCode(key)) {
      errors.push(problem(keyAt, 'unknown {what, select, pillar {pillar} other {group}} {key}', { what, key: quote(key) }));
      continue;
    }
    const weight = readNumber(errors, raw[key], keyAt, ok, message);
    if (weight !== undefined) entries.set(key, weight);
  }
  // Object.fromEntries defines own data properties, so no key can reach a prototype.
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------- evidence

function validateEvidenceList(errors: Errors, raw: unknown, path: string, refs: Refs | null): ImportEvidence[] {
  if (!Array.isArray(raw)) {
    errors.push({ path, message: 'must be an array' });
    return [];
  }
  const checker = new EvidenceChecker(refs);
  const out: ImportEvidence[] = [];
  raw.forEach((item, i) => {
    const evidence = checker.check(errors, item, i);
    if (evidence !== undefined) out.push(evidence);
  });
  return out;
}

/** The error of an "evidence" value that is not an array (for a reader that met one); nothing when it is one. */
export function checkEvidenceIsArray(errors: Errors, raw: unknown): void {
  if (!Array.isArray(raw)) errors.push({ path: 'evidence', message: 'must be an array' });
}

/**
 * Checks the items of a file's evidence array one at a time, in order (so a reader never needs the whole array):
 * the same rules and messages as the whole-file validator, duplicate refs included.
 */
export class EvidenceChecker {
  /** ref -> index of the item that used it first */
  private readonly seenRefs = new Map<string, number>();

  constructor(private readonly refs: EvidenceRefs | null) {}

  /** Records the item's errors (path evidence[index]...) and returns it normalised; undefined when it is not an object. */
  check(errors: Errors, raw: unknown, index: number): ImportEvidence | undefined {
    return validateEvidence(errors, raw, indexPath('evidence', index), this.refs, this.seenRefs, index);
  }
}

function validateEvidence(
  errors: Errors, raw: unknown, path: string, refs: Refs | null, seenRefs: Map<string, number>, index: number,
): ImportEvidence | undefined {
  if (!isObject(raw)) {
    errors.push({ path, message: 'must be an object' });
    return undefined;
  }
  checkKeys(errors, raw, EVIDENCE_KEYS, path);
  // paths built by concatenation, not a closure: this runs once per item of files of any size
  const at = `${path}.`;

  const ref = readRequiredString(errors, field(raw, 'ref'), at + 'ref', { max: IMPORT_LIMITS.ref });
  if (ref !== undefined) {
    // the first item's index, not its path: a large file keeps one number per ref
    const first = seenRefs.get(ref);
    const refAt = at + 'ref';
    if (first !== undefined) errors.push(problem(refAt, 'duplicate {what, select, delegation {delegation code} group {group code} location {location} pillar {pillar code} benchmark {benchmark code} perspective {perspective code} other {ref}} {code} (first at {first})', { what: 'ref', code: quote(ref), first: indexPath('evidence', first) }));
    else seenRefs.set(ref, index);
  }
  const title = readRequiredString(errors, field(raw, 'title'), at + 'title', { max: IMPORT_LIMITS.title });
  const summary = readOptionalString(errors, field(raw, 'summary'), at + 'summary', {
    max: IMPORT_LIMITS.summary,
    multiline: true,
  });
  const source = readOptionalString(errors, field(raw, 'source'), at + 'source', { max: IMPORT_LIMITS.source });
  const url = readUrl(errors, field(raw, 'url'), at + 'url');
  const observedOn = readDate(errors, field(raw, 'observed_on'), at + 'observed_on');
  const sourceReliability = readChoice(
    errors, field(raw, 'source_reliability'), at + 'source_reliability', RELIABILITIES, undefined,
  );
  const credibility = readNumber(
    errors, field(raw, 'credibility'), at + 'credibility', CREDIBILITY_RANGE, MSG.credibility,
  );
  const groups = validateEvidenceGroups(errors, field(raw, 'groups'), at + 'groups', refs);
  const tlp = readChoice(errors, field(raw, 'tlp'), at + 'tlp', TLP_LEVELS, IMPORT_DEFAULTS.tlp);
  const location = readOptionalString(errors, field(raw, 'location'), at + 'location', { max: IMPORT_LIMITS.location });
  const findings = validateFindings(errors, field(raw, 'findings'), at + 'findings', refs);
  const verifiedAt = readInstant(errors, field(raw, 'verified_at'), at + 'verified_at');
  const retractedAt = readInstant(errors, field(raw, 'retracted_at'), at + 'retracted_at');

  return {
    ref: ref as string,
    title: title as string,
    summary: summary ?? null,
    source: source ?? null,
    url: url ?? null,
    observedOn: observedOn as string,
    sourceReliability: sourceReliability as SourceReliability,
    credibility: credibility as number,
    groups,
    tlp: tlp as Tlp,
    location: location ?? null,
    findings,
    verifiedAt: verifiedAt ?? null,
    retractedAt: retractedAt ?? null,
  };
}

/** One of a fixed list of strings (exact, after trimming). Absent/null: `fallback`, or "required" without one. */
function readChoice<T extends string>(
  errors: Errors, raw: unknown, path: string, choices: readonly T[], fallback: T | undefined,
): T | undefined {
  if (isAbsent(raw)) {
    if (fallback === undefined) errors.push(problem(path, 'required (one of {choices})', { choices: choices.join(', ') }));
    return fallback;
  }
  const s = typeof raw === 'string' ? raw.trim() : null;
  const match = s === null ? -1 : choices.indexOf(s as T);
  if (match < 0) {
    errors.push(problem(path, 'must be one of {choices}', { choices: choices.join(', ') }));
    return undefined;
  }
  return choices[match];
}

function validateEvidenceGroups(errors: Errors, raw: unknown, path: string, refs: Refs | null): string[] {
  const list = readArray(errors, raw, path, null);
  if (list === null) return [];
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 1) {
    const item = list[i];
    const itemPath = indexPath(path, i);
    if (typeof item !== 'string' || item.trim() === '') {
      errors.push({ path: itemPath, message: 'must be a group code (a non-empty string)' });
      continue;
    }
    const code = item.trim();
    if (refs !== null && refs.groupsComplete ? !refs.groups.has(code) : !isCode(code)) {
      errors.push(problem(itemPath, 'unknown group {code}', { code: quote(code) }));
      continue;
    }
    const first = seen.get(code);
    if (first !== undefined) {
      errors.push(problem(itemPath, 'duplicate group {code} (first at {first})', { code: quote(code), first }));
      continue;
    }
    seen.set(code, itemPath);
    out.push(code);
  }
  return out;
}

function validateFindings(errors: Errors, raw: unknown, path: string, refs: Refs | null): ImportFinding[] {
  const list = readArray(errors, raw, path, msg('must be a non-empty array of findings'));
  if (list === null) return [];
  const seen = new Map<string, string>();
  const out: ImportFinding[] = [];
  for (let i = 0; i < list.length; i += 1) {
    const finding = validateFinding(errors, list[i], indexPath(path, i), refs, seen);
    if (finding !== undefined) out.push(finding);
  }
  return out;
}

/** The benchmark's name for a message (quoted only then: most findings have none). */
function benchmarkName(benchmark: string | undefined): { name: string } {
  return { name: benchmark === undefined ? '' : quote(benchmark) };
}

function validateFinding(
  errors: Errors, raw: unknown, path: string, refs: Refs | null, seen: Map<string, string>,
): ImportFinding | undefined {
  if (!isObject(raw)) {
    // ICU: literal braces are quoted ('{' … '}'); problem() with parameters renders the English without the quotes
    errors.push(problem(path, `must be an object: '{'"benchmark", "stance"'}' or '{'"benchmark", "value"'}'`, {}));
    return undefined;
  }
  checkKeys(errors, raw, FINDING_KEYS, path);
  const at = `${path}.`;
  const benchmarkAt = at + 'benchmark';
  const stanceAt = at + 'stance';
  const valueAt = at + 'value';

  // benchmark: known in the framework the evidence belongs to
  const benchmarkRaw = field(raw, 'benchmark');
  let benchmark: string | undefined;
  let kind: BenchmarkKind | null = null;
  if (isAbsent(benchmarkRaw)) {
    errors.push({ path: at + 'benchmark', message: 'required (a benchmark code)' });
  } else if (typeof benchmarkRaw !== 'string' || benchmarkRaw.trim() === '') {
    errors.push({ path: at + 'benchmark', message: 'must be a benchmark code (a non-empty string)' });
  } else {
    const code = benchmarkRaw.trim();
    const known = refs !== null && refs.benchmarks.has(code);
    if (known) {
      benchmark = code;
      kind = refs.benchmarks.get(code) ?? null;
    } else if (refs !== null && refs.benchmarksComplete) {
      errors.push(problem(benchmarkAt, 'unknown benchmark {code}', { code: quote(code) }));
    } else if (!isCode(code)) {
      errors.push(problem(benchmarkAt, 'unknown benchmark {code}', { code: quote(code) }));
    } else {
      benchmark = code; // cannot be checked: the framework itself is invalid or unknown
    }
    if (benchmark !== undefined) {
      const first = seen.get(benchmark);
      if (first !== undefined) {
        errors.push(problem(benchmarkAt, 'duplicate finding for benchmark {benchmark} (first at {first}); give one finding per benchmark', { benchmark: quote(benchmark), first }));
      } else {
        seen.set(benchmark, path);
      }
    }
  }

  const stanceRaw = field(raw, 'stance');
  const valueRaw = field(raw, 'value');
  const hasStance = !isAbsent(stanceRaw);
  const hasValue = !isAbsent(valueRaw);
  let stance: number | null | undefined = null;
  let value: number | null | undefined = null;

  if (kind === 'assessment') {
    if (hasValue) {
      errors.push(problem(valueAt, 'benchmark {name} is an assessment: give "stance", not "value"', benchmarkName(benchmark)));
    } else if (!hasStance) {
      errors.push(problem(stanceAt, 'required: benchmark {name} is an assessment, so give "stance" (an integer from -2 to 2)', benchmarkName(benchmark)));
    }
    if (hasStance) stance = readNumber(errors, stanceRaw, at + 'stance', STANCE_RANGE, MSG.stance);
  } else if (kind === 'indicator') {
    if (hasStance) {
      errors.push(problem(stanceAt, 'benchmark {name} is an indicator: give "value", not "stance"', benchmarkName(benchmark)));
    } else if (!hasValue) {
      errors.push(problem(valueAt, 'required: benchmark {name} is an indicator, so give "value" (a number)', benchmarkName(benchmark)));
    }
    if (hasValue) value = readNumber(errors, valueRaw, at + 'value', isAnyNumber, MSG.number);
  } else {
    // kind unknown (benchmark unknown, or its kind invalid): check the shapes only
    if (hasStance && hasValue) {
      errors.push({ path, message: 'give either "stance" (assessment) or "value" (indicator), not both' });
    } else if (!hasStance && !hasValue) {
      errors.push({ path, message: 'needs "stance" (for an assessment benchmark) or "value" (for an indicator benchmark)' });
    }
    if (hasStance) stance = readNumber(errors, stanceRaw, at + 'stance', STANCE_RANGE, MSG.stance);
    if (hasValue) value = readNumber(errors, valueRaw, at + 'value', isAnyNumber, MSG.number);
  }

  return { benchmark: benchmark as string, stance: stance ?? null, value: value ?? null };
}
