// Comparing live rows with what the replayed log says they are: one function per table, each returning the first
// difference, with a message naming the table, the row, the column, the value in the database, the value the log
// implies and the entry it comes from. Pure: rows, folds and entry content in; a difference or null out.

import crypto from 'node:crypto';
import type { EvidenceRow, ReportRow, UserRow } from '../db/schema';
import type { ImportFramework } from '../framework/import-types';
import { passwordFingerprint } from './log';
import type { AttachmentFold, EvidenceFold, FrameworkFold, LoggedItem, ReportFold, TokenFold, UserFold } from './replay';

export interface LiveDifference {
  table: 'frameworks' | 'users' | 'api_tokens' | 'import_batches' | 'evidence' | 'findings' | 'evidence_groups' | 'attachments' | 'reports';
  /** the row: an id, or a framework code */
  row: string;
  column: string | null;
  /** the log entry the expected value comes from; null when the log says nothing of the row */
  seq: number | null;
  message: string;
}

/** Per `table.column`: how many rows were not compared because their entries predate log format 2. */
export type NotCovered = Map<string, number>;

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A value as a message shows it: codes, instants and e-mail addresses bare, hashes shortened, text quoted. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'string') return String(value);
  if (/^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 12)}…`;
  if (/^[\w.:@+-]{1,64}$/.test(value)) return value;
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  // numbers may come back from a driver as numbers or numeric text
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
}

type Column = [column: string, inDatabase: unknown, inLog: unknown, seq: number];

function firstColumnDifference(table: LiveDifference['table'], row: string | number, label: string, columns: Column[]): LiveDifference | null {
  for (const [column, inDatabase, inLog, seq] of columns) {
    if (sameValue(inDatabase, inLog)) continue;
    return { table, row: String(row), column, seq, message: `${label}: ${column} is ${shown(inDatabase)} in the database but ${shown(inLog)} in the log (entry ${seq})` };
  }
  return null;
}

export function onlyInDatabase(table: LiveDifference['table'], row: string | number, label: string, seq: number | null = null): LiveDifference {
  return { table, row: String(row), column: null, seq, message: `${label} is in the database but not in the log${seq === null ? '' : ` (entry ${seq})`}` };
}

export function onlyInLog(table: LiveDifference['table'], row: string | number, label: string, seq: number): LiveDifference {
  return { table, row: String(row), column: null, seq, message: `${label} is in the log (entry ${seq}) but not in the database` };
}

function notCovered(counts: NotCovered, column: string): void {
  counts.set(column, (counts.get(column) ?? 0) + 1);
}

// ---- evidence, findings, tags -----------------------------------------------------------------------------

export interface LiveFinding {
  evidence_id: number;
  benchmark_id: number;
  /** null when the benchmark row is gone */
  benchmark: string | null;
  /** the benchmark's framework code */
  framework: string | null;
  stance: number | null;
  value: number | null;
  position: number;
}

export interface LiveTag {
  evidence_id: number;
  group_id: number;
  /** null when the group row is gone */
  code: string | null;
  /** the group's framework code */
  framework: string | null;
}

/** A benchmark or group code, qualified when it belongs to another framework than the item. */
const codeIn = (itemFramework: string, code: string | null, framework: string | null, id: number) =>
  code === null ? `#${id}` : framework === itemFramework ? code : `${framework ?? '?'}:${code}`;

/**
 * Compares one evidence row, its findings and its tags with the item the log implies. `item` is read from the
 * entry `fold.contentSeq`; `rowFramework` is the code of the row's framework.
 */
export function compareEvidence(
  fold: EvidenceFold,
  item: LoggedItem,
  row: EvidenceRow,
  rowFramework: string,
  findings: LiveFinding[],
  tags: LiveTag[],
  uncovered: NotCovered,
): LiveDifference | null {
  const label = `evidence ${row.id}`;
  const c = fold.contentSeq;
  const columns: Column[] = [];
  if (fold.framework === undefined) notCovered(uncovered, 'evidence.framework_id');
  else columns.push(['framework', rowFramework, fold.framework, fold.createdSeq]);
  columns.push(
    ['ref', row.ref, item.ref, c],
    ['title', row.title, item.title, c],
    ['summary', row.summary, item.summary, c],
    ['source', row.source, item.source, c],
    ['url', row.url, item.url, c],
    ['observed_on', row.observed_on, item.observed_on, c],
    ['source_reliability', row.source_reliability, item.source_reliability, c],
    ['credibility', row.credibility, item.credibility, c],
    ['tlp', row.tlp, item.tlp, c],
    ['location', row.location, item.location, c],
    ['status', row.status, fold.status, fold.statusSeq],
    ['origin', row.origin, fold.origin, fold.createdSeq],
    ['created_by', row.created_by, fold.createdBy, fold.createdSeq],
  );
  if (fold.ownerDelegation === undefined) notCovered(uncovered, 'evidence.owner_delegation');
  else columns.push(['owner_delegation', row.owner_delegation, fold.ownerDelegation, fold.createdSeq]);
  columns.push(
    ['created_at', row.created_at, fold.createdAt, fold.createdSeq],
    ['submitted_at', row.submitted_at, fold.submittedAt, fold.submittedSeq],
    ['verified_at', row.verified_at, fold.verifiedAt, fold.verifiedAtSeq],
    ['verified_by', row.verified_by, fold.verifiedBy, fold.verifiedBySeq],
    ['rejected_at', row.rejected_at, fold.rejectedAt, fold.rejectedSeq],
    ['rejected_by', row.rejected_by, fold.rejectedBy, fold.rejectedSeq],
    ['reject_reason', row.reject_reason, fold.rejectReason, fold.rejectedSeq],
    ['retracted_at', row.retracted_at, fold.retractedAt, fold.retractedAtSeq],
    ['retracted_by', row.retracted_by, fold.retractedBy, fold.retractedBySeq],
    ['retract_reason', row.retract_reason, fold.retractReason, fold.retractedBySeq],
    ['supersedes_id', row.supersedes_id, fold.supersedesId, fold.createdSeq],
    ['superseded_at', row.superseded_at, fold.supersededAt, fold.supersededSeq],
  );
  const columnDifference = firstColumnDifference('evidence', row.id, label, columns);
  if (columnDifference) return columnDifference;

  // findings and tags belong to the item's framework: the logged one, else (before format 2) the row's
  const framework = fold.framework ?? rowFramework;
  return compareFindings(row.id, framework, item, findings, c) ?? compareTags(row.id, framework, item, tags, c);
}

function compareFindings(evidenceId: number, framework: string, item: LoggedItem, findings: LiveFinding[], seq: number): LiveDifference | null {
  const live = new Map<string, LiveFinding>();
  const extra: string[] = [];
  for (const f of findings) {
    const key = codeIn(framework, f.benchmark, f.framework, f.benchmark_id);
    if (live.has(key)) extra.push(key);
    else live.set(key, f);
  }
  for (const [position, logged] of item.findings.entries()) {
    const label = `finding of evidence ${evidenceId} on ${logged.benchmark}`;
    const f = live.get(logged.benchmark);
    if (!f) return onlyInLog('findings', evidenceId, label, seq);
    live.delete(logged.benchmark);
    const difference = firstColumnDifference('findings', evidenceId, label, [
      ['stance', f.stance, logged.stance, seq],
      ['value', f.value, logged.value, seq],
      ['position', f.position, position, seq],
    ]);
    if (difference) return difference;
  }
  const first = [...live.keys(), ...extra][0];
  return first === undefined ? null : onlyInDatabase('findings', evidenceId, `finding of evidence ${evidenceId} on ${first}`, seq);
}

function compareTags(evidenceId: number, framework: string, item: LoggedItem, tags: LiveTag[], seq: number): LiveDifference | null {
  const live = [...new Set(tags.map((t) => codeIn(framework, t.code, t.framework, t.group_id)))].sort();
  const logged = [...new Set(item.groups)].sort();
  const extra = live.find((code) => !logged.includes(code));
  if (extra !== undefined) return onlyInDatabase('evidence_groups', evidenceId, `tag ${extra} of evidence ${evidenceId}`, seq);
  const missing = logged.find((code) => !live.includes(code));
  if (missing !== undefined) return onlyInLog('evidence_groups', evidenceId, `tag ${missing} of evidence ${evidenceId}`, seq);
  return null;
}

// ---- attachments ------------------------------------------------------------------------------------------

export interface LiveAttachment {
  id: number;
  evidence_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: number | null;
  uploaded_at: string;
}

/** Compares an attachment's row with its entry, then its data with its stored SHA-256. */
export function compareAttachment(fold: AttachmentFold, row: LiveAttachment, data: Buffer): LiveDifference | null {
  const label = `attachment ${row.id}`;
  const difference = firstColumnDifference('attachments', row.id, label, [
    ['evidence_id', row.evidence_id, fold.evidenceId, fold.seq],
    ['filename', row.filename, fold.filename, fold.seq],
    ['content_type', row.content_type, fold.contentType, fold.seq],
    ['size_bytes', row.size_bytes, fold.sizeBytes, fold.seq],
    ['sha256', row.sha256, fold.sha256, fold.seq],
    ['uploaded_by', row.uploaded_by, fold.uploadedBy, fold.seq],
    ['uploaded_at', row.uploaded_at, fold.uploadedAt, fold.seq],
  ]);
  if (difference) return difference;
  if (sha256(data) !== row.sha256) return { table: 'attachments', row: String(row.id), column: 'data', seq: null, message: `${label}: its data does not match its SHA-256` };
  return null;
}

// ---- users and API tokens ---------------------------------------------------------------------------------

export function userLabel(id: number, email: string): string {
  return `user ${id} (${email})`;
}

export function compareUser(fold: UserFold, row: UserRow, uncovered: NotCovered): LiveDifference | null {
  const label = userLabel(row.id, fold.email);
  const difference = firstColumnDifference('users', row.id, label, [
    ['email', row.email, fold.email, fold.seqs.created],
    ['name', row.name, fold.name, fold.seqs.profile],
    ['role', row.role, fold.role, fold.seqs.profile],
    ['delegation', row.delegation, fold.delegation, fold.seqs.profile],
    ['disabled', row.disabled_at !== null, fold.disabled, fold.seqs.disabled],
  ]);
  if (difference) return difference;
  if (fold.passwordFingerprint === undefined) notCovered(uncovered, 'users.password_hash');
  else if (passwordFingerprint(row.password_hash) !== fold.passwordFingerprint) {
    const seq = fold.seqs.password;
    return { table: 'users', row: String(row.id), column: 'password_hash', seq, message: `${label}: password_hash does not match its fingerprint in the log (entry ${seq})` };
  }
  return null;
}

export interface LiveToken {
  id: number;
  user_id: number;
  name: string;
  token_hash: string;
  revoked_at: string | null;
}

export function compareToken(fold: TokenFold, row: LiveToken, uncovered: NotCovered): LiveDifference | null {
  const columns: Column[] = [
    ['user_id', row.user_id, fold.userId, fold.createdSeq],
    ['name', row.name, fold.name, fold.createdSeq],
  ];
  if (fold.tokenHash === undefined) notCovered(uncovered, 'api_tokens.token_hash');
  else columns.push(['token_hash', row.token_hash, fold.tokenHash, fold.createdSeq]);
  columns.push(['revoked', row.revoked_at !== null, fold.revoked, fold.revokedSeq]);
  return firstColumnDifference('api_tokens', row.id, `api token ${row.id}`, columns);
}

// ---- frameworks -------------------------------------------------------------------------------------------

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Coded {
  code: string;
}

/** The first difference between two lists of coded definitions: presence, then order, then each one's fields. */
function listDifference<T extends Coded>(
  what: string,
  prefix: string,
  stored: T[],
  logged: T[],
  inner: (stored: T, logged: T, prefix: string) => string | null,
): string | null {
  const storedCodes = stored.map((x) => x.code);
  const loggedCodes = logged.map((x) => x.code);
  const extra = storedCodes.find((code) => !loggedCodes.includes(code));
  if (extra !== undefined) return `${prefix}${what} ${extra} is in the database but not in the log`;
  const missing = loggedCodes.find((code) => !storedCodes.includes(code));
  if (missing !== undefined) return `${prefix}${what} ${missing} is in the log but not in the database`;
  if (storedCodes.join('\n') !== loggedCodes.join('\n')) {
    return `${prefix}${what}s are in the order ${storedCodes.join(', ')} in the database but ${loggedCodes.join(', ')} in the log`;
  }
  for (const l of logged) {
    const difference = inner(stored.find((s) => s.code === l.code)!, l, `${what} ${l.code}: `);
    if (difference) return difference;
  }
  return null;
}

function fieldDifference(prefix: string, stored: object, logged: object, keys: string[]): string | null {
  for (const key of keys) {
    const a = (stored as Record<string, unknown>)[key];
    const b = (logged as Record<string, unknown>)[key];
    if (!sameValue(a, b)) return `${prefix}${snake(key)} is ${shown(a)} in the database but ${shown(b)} in the log`;
  }
  return null;
}

function weightsDifference(prefix: string, column: string, stored: Record<string, number>, logged: Record<string, number>): string | null {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(logged)])].sort();
  for (const key of keys) {
    if (!sameValue(stored[key], logged[key])) return `${prefix}${column}.${key} is ${shown(stored[key])} in the database but ${shown(logged[key])} in the log`;
  }
  return null;
}

/**
 * A part's translations (locale -> {field: text}) in the database and in the log: the first locale and field that
 * differ. Parts logged before translations existed have none, as parts stored without them.
 */
function translationsDifference(prefix: string, stored: { translations?: object }, logged: { translations?: object }): string | null {
  const a = (stored.translations ?? {}) as Record<string, Record<string, unknown>>;
  const b = (logged.translations ?? {}) as Record<string, Record<string, unknown>>;
  for (const locale of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const sa = a[locale] ?? {};
    const lb = b[locale] ?? {};
    for (const key of [...new Set([...Object.keys(sa), ...Object.keys(lb)])].sort()) {
      const x = sa[key];
      const y = lb[key];
      if (JSON.stringify(x ?? null) !== JSON.stringify(y ?? null)) {
        const show = (v: unknown) => (Array.isArray(v) ? shown(JSON.stringify(v)) : shown(v));
        return `${prefix}translations.${locale}.${snake(key)} is ${show(x)} in the database but ${show(y)} in the log`;
      }
    }
  }
  return null;
}

/** Compares a framework's stored definition (in the import-normalised shape) with the latest one logged. */
export function compareFramework(fold: FrameworkFold, stored: ImportFramework): LiveDifference | null {
  const logged = fold.definition;
  const difference =
    fieldDifference('', stored, logged, ['name', 'subject', 'description', 'priorStrength', 'assessedThreshold']) ??
    translationsDifference('', stored, logged) ??
    listDifference('group', '', stored.groups, logged.groups, (s, l, p) => fieldDifference(p, s, l, ['name', 'description']) ?? translationsDifference(p, s, l)) ??
    listDifference('pillar', '', stored.pillars, logged.pillars, (s, l, p) =>
      fieldDifference(p, s, l, ['name', 'description']) ??
      translationsDifference(p, s, l) ??
      listDifference('benchmark', p, s.benchmarks, l.benchmarks, (sb, lb, pb) =>
        fieldDifference(pb, sb, lb, ['title', 'description', 'kind', 'weight', 'halfLifeDays', 'baseline', 'target', 'unit']) ??
        translationsDifference(pb, sb, lb),
      ),
    ) ??
    listDifference('perspective', '', stored.perspectives, logged.perspectives, (s, l, p) =>
      fieldDifference(p, s, l, ['name', 'description']) ??
      weightsDifference(p, 'pillar_weights', s.pillarWeights, l.pillarWeights) ??
      weightsDifference(p, 'group_weights', s.groupWeights, l.groupWeights) ??
      translationsDifference(p, s, l),
    );
  if (!difference) return null;
  return { table: 'frameworks', row: fold.code, column: null, seq: fold.seq, message: `framework ${fold.code}: ${difference} (entry ${fold.seq})` };
}

// ---- reports ----------------------------------------------------------------------------------------------

export const reportLabel = (id: number, kind: string, period: string) => `report ${id} (${kind} ${period})`;

/**
 * Checks a frozen report: its content against its SHA-256, its stored log head against the chain
 * (`chainHash`: the hash of the chain's entry at that seq, undefined when the chain has no such entry), and
 * every column against its entry.
 */
export function compareReport(fold: ReportFold, row: ReportRow, rowFramework: string, chainHash: string | undefined, chainEnd: number): LiveDifference | null {
  const label = reportLabel(row.id, row.kind, row.period);
  const report = (column: string, message: string): LiveDifference => ({ table: 'reports', row: String(row.id), column, seq: null, message: `${label}: ${message}` });
  if (sha256(row.content) !== row.sha256) return report('content', 'its content does not match its SHA-256');
  if (row.audit_head_seq !== null) {
    const seq = Number(row.audit_head_seq);
    if (chainHash === undefined) return report('audit_head_seq', `stored head ${seq} is not in the chain (it ends at entry ${chainEnd})`);
    if (chainHash !== row.audit_head_hash) return report('audit_head_hash', `stored head ${seq} does not match the chain at entry ${seq}`);
  }
  return firstColumnDifference('reports', row.id, label, [
    ['framework', rowFramework, fold.framework, fold.seq],
    ['kind', row.kind, fold.kind, fold.seq],
    ['period', row.period, fold.period, fold.seq],
    ['period_start', row.period_start, fold.periodStart, fold.seq],
    ['period_end', row.period_end, fold.periodEnd, fold.seq],
    ['generated_at', row.generated_at, fold.generatedAt, fold.seq],
    ['methodology', row.methodology, fold.methodology, fold.seq],
    ['sha256', row.sha256, fold.sha256, fold.seq],
    ['audit_head_seq', row.audit_head_seq, fold.auditHead?.seq ?? null, fold.seq],
    ['audit_head_hash', row.audit_head_hash, fold.auditHead?.hash ?? null, fold.seq],
  ]);
}
