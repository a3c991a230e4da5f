// Replaying the tamper-evident log: folds its entries, in seq order, into the state of the live tables they
// imply (evidence, attachments, users, API tokens, frameworks, reports), remembering for every column the entry
// it comes from. Pure: no database. An item's bulky content (text, findings, tags) stays in its entry and is read
// again by seq when compared (`loggedItem`), so the folded state stays small at 100k items.
//
// Log format 2 added keys that entries written before it lack (an evidence item's framework and owner
// delegation, password fingerprints, token hashes): such columns are `undefined` here, meaning "not covered".

import type { AuditRow, EvidenceOrigin, EvidenceStatus } from '../db/schema';
import type { ImportFramework } from '../framework/import-types';

export type LogEntry = Pick<AuditRow, 'seq' | 'at' | 'actor_id' | 'action' | 'entity_type' | 'entity_id' | 'content'>;

/** An evidence item as the log says it is. Each `…Seq` names the entry the columns after it come from. */
export interface EvidenceFold {
  id: number;
  createdSeq: number;
  /** framework code; undefined: the creating entry predates log format 2 */
  framework: string | undefined;
  origin: EvidenceOrigin;
  createdBy: number | null;
  /** undefined: the creating entry predates log format 2 */
  ownerDelegation: string | null | undefined;
  createdAt: string;
  supersedesId: number | null;
  /** the latest entry carrying the item's content: ref, title ... location, findings and tags */
  contentSeq: number;
  status: EvidenceStatus;
  statusSeq: number;
  submittedAt: string | null;
  submittedSeq: number;
  verifiedAt: string | null;
  verifiedAtSeq: number;
  verifiedBy: number | null;
  verifiedBySeq: number;
  rejectedAt: string | null;
  rejectedBy: number | null;
  rejectReason: string | null;
  rejectedSeq: number;
  retractedAt: string | null;
  retractedAtSeq: number;
  retractedBy: number | null;
  retractReason: string | null;
  retractedBySeq: number;
  supersededAt: string | null;
  supersededSeq: number;
}

export interface UserFold {
  id: number;
  email: string;
  name: string;
  role: string;
  delegation: string | null;
  disabled: boolean;
  /** SHA-256 of the stored password hash; undefined: the entry that set the password predates log format 2 */
  passwordFingerprint: string | undefined;
  seqs: { created: number; profile: number; disabled: number; password: number };
}

export interface TokenFold {
  id: number;
  userId: number;
  name: string;
  /** undefined: the creating entry predates log format 2 */
  tokenHash: string | undefined;
  revoked: boolean;
  createdSeq: number;
  revokedSeq: number;
}

export interface AttachmentFold {
  id: number;
  evidenceId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  uploadedBy: number | null;
  uploadedAt: string;
  seq: number;
}

export interface FrameworkFold {
  code: string;
  definition: ImportFramework;
  seq: number;
}

export interface ReportFold {
  id: number;
  framework: string;
  kind: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  generatedAt: string;
  methodology: string;
  sha256: string;
  auditHead: { seq: number; hash: string } | null;
  seq: number;
}

/** An import batch the log has closed: published (its entries count from here) or aborted (they never count). */
export interface BatchFold {
  id: number;
  state: 'published' | 'aborted';
  seq: number;
}

export interface ReplayState {
  evidence: Map<number, EvidenceFold>;
  attachments: Map<number, AttachmentFold>;
  users: Map<number, UserFold>;
  tokens: Map<number, TokenFold>;
  frameworks: Map<string, FrameworkFold>;
  reports: Map<number, ReportFold>;
  /** import batches published or aborted; a batch not here is still staging (or never staged anything) */
  batches: Map<number, BatchFold>;
  /** entries written by imports still staging, by batch: folded in when the batch's 'import.published' comes */
  staged: Map<number, { entry: LogEntry; content: unknown }[]>;
  /** entries of a known action the replay could not read: content of another shape, or about an entity never created */
  unread: { count: number; firstSeq: number | null };
}

export function newReplayState(): ReplayState {
  return {
    evidence: new Map(),
    attachments: new Map(),
    users: new Map(),
    tokens: new Map(),
    frameworks: new Map(),
    reports: new Map(),
    batches: new Map(),
    staged: new Map(),
    unread: { count: 0, firstSeq: null },
  };
}

// ---- reading entry content --------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
// the services write null for "none"; canonicalJson drops undefined, so an absent key means null too
const strOrNull = (v: unknown): v is string | null | undefined => v === undefined || v === null || isStr(v);
const numOrNull = (v: unknown): v is number | null | undefined => v === undefined || v === null || isNum(v);
const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function entityNumber(entry: LogEntry): number | null {
  if (entry.entity_id === null || !/^[1-9][0-9]{0,15}$/.test(entry.entity_id)) return null;
  const n = Number(entry.entity_id);
  return Number.isSafeInteger(n) ? n : null;
}

export interface LoggedFinding {
  benchmark: string;
  stance: number | null;
  value: number | null;
}

/** The content an entry gives an evidence item: the evidence columns a submitter fills in, findings and tags. */
export interface LoggedItem {
  ref: string | null;
  title: string;
  summary: string | null;
  source: string | null;
  url: string | null;
  observed_on: string;
  source_reliability: string;
  credibility: number;
  tlp: string;
  location: string | null;
  /** in the order of their position */
  findings: LoggedFinding[];
  groups: string[];
  /** imports only: the review instants the file gives */
  verifiedAt: string | null;
  retractedAt: string | null;
}

const ORIGINS: readonly EvidenceOrigin[] = ['import', 'desk', 'api'];
const DESK_CONTENT = new Set(['evidence.created', 'evidence.correction_created', 'evidence.draft_updated']);
const IMPORT_CONTENT = new Set(['evidence.imported', 'evidence.import_updated']);

function readFindings(v: unknown): LoggedFinding[] | null {
  if (!Array.isArray(v)) return null;
  const out: LoggedFinding[] = [];
  for (const f of v) {
    if (!isObj(f) || !isStr(f.benchmark) || !numOrNull(f.stance) || !numOrNull(f.value)) return null;
    out.push({ benchmark: f.benchmark, stance: orNull(f.stance), value: orNull(f.value) });
  }
  return out;
}

const readGroups = (v: unknown): string[] | null => (Array.isArray(v) && v.every(isStr) ? (v as string[]) : null);

/**
 * The item content of an entry that carries one (desk entries log the evidence columns under their column
 * names, imports the import file's normalised item), or null when the entry has none or another shape.
 */
export function loggedItem(action: string, content: unknown): LoggedItem | null {
  if (!isObj(content) || !isObj(content.item)) return null;
  const item = content.item;
  const findings = readFindings(item.findings);
  const groups = readGroups(item.groups);
  if (!findings || !groups || !isStr(item.title) || !isNum(item.credibility) || !isStr(item.tlp)) return null;
  if (!strOrNull(item.summary) || !strOrNull(item.source) || !strOrNull(item.url) || !strOrNull(item.location)) return null;
  const common = {
    title: item.title,
    summary: orNull(item.summary),
    source: orNull(item.source),
    url: orNull(item.url),
    credibility: item.credibility,
    tlp: item.tlp,
    location: orNull(item.location),
    findings,
    groups,
  };
  if (DESK_CONTENT.has(action)) {
    if (!strOrNull(item.ref) || !isStr(item.observed_on) || !isStr(item.source_reliability)) return null;
    return { ...common, ref: orNull(item.ref), observed_on: item.observed_on, source_reliability: item.source_reliability, verifiedAt: null, retractedAt: null };
  }
  if (IMPORT_CONTENT.has(action)) {
    if (!isStr(item.ref) || !isStr(item.observedOn) || !isStr(item.sourceReliability) || !strOrNull(item.verifiedAt) || !strOrNull(item.retractedAt)) return null;
    return {
      ...common,
      ref: item.ref,
      observed_on: item.observedOn,
      source_reliability: item.sourceReliability,
      verifiedAt: orNull(item.verifiedAt),
      retractedAt: orNull(item.retractedAt),
    };
  }
  return null;
}

function isFrameworkDefinition(v: unknown, code: string | null): v is ImportFramework {
  if (!isObj(v) || v.code !== code || !isStr(v.name) || !isNum(v.priorStrength) || !isNum(v.assessedThreshold)) return false;
  const coded = (list: unknown, check: (x: Obj) => boolean) => Array.isArray(list) && list.every((x) => isObj(x) && isStr(x.code) && check(x));
  return (
    coded(v.groups, () => true) &&
    coded(v.pillars, (p) => coded(p.benchmarks, (b) => isNum(b.weight) && isNum(b.halfLifeDays))) &&
    coded(v.perspectives, (p) => isObj(p.pillarWeights) && isObj(p.groupWeights))
  );
}

// ---- the fold ---------------------------------------------------------------------------------------------

function markUnread(state: ReplayState, entry: LogEntry): void {
  state.unread.count += 1;
  if (state.unread.firstSeq === null) state.unread.firstSeq = Number(entry.seq);
}

type Outcome = 'read' | 'ignored' | 'unread';
type Replayer = (state: ReplayState, entry: LogEntry, content: unknown) => Outcome;

/** Who replays an entry, by entity type and the action's first word. */
const REPLAYERS = new Map<string, Replayer>([
  ['evidence evidence', replayEvidence],
  ['user user', replayUser],
  ['user token', replayUser],
  ['framework framework', replayFramework],
  ['report report', replayReport],
  ['import import', replayImport],
]);

/** Folds one entry into the state. Unknown actions and entity types are no concern of the replay. */
export function replayEntry(state: ReplayState, entry: LogEntry): void {
  const handler = REPLAYERS.get(`${entry.entity_type} ${entry.action.split('.', 1)[0]}`);
  if (!handler) return;
  let content: unknown;
  try {
    content = JSON.parse(entry.content);
  } catch {
    markUnread(state, entry);
    return;
  }
  // an entry an import wrote while staging counts only once its batch is published (never if it is aborted)
  if (entry.entity_type === 'evidence' && isObj(content) && content.batch !== undefined) {
    const batch = content.batch;
    if (!isId(batch)) return markUnread(state, entry);
    const closed = state.batches.get(batch);
    if (closed?.state === 'aborted') return;
    if (!closed) {
      const list = state.staged.get(batch);
      if (list) list.push({ entry, content });
      else state.staged.set(batch, [{ entry, content }]);
      return;
    }
  }
  if (handler(state, entry, content) === 'unread') markUnread(state, entry);
}

/** 'import.published' folds in the batch's staged entries, in their order; 'import.aborted' drops them. */
function replayImport(state: ReplayState, entry: LogEntry, content: unknown): Outcome {
  if (entry.action !== 'import.published' && entry.action !== 'import.aborted') return 'ignored';
  const id = entityNumber(entry);
  if (id === null || !isObj(content) || content.batch !== id || state.batches.has(id)) return 'unread';
  const published = entry.action === 'import.published';
  state.batches.set(id, { id, state: published ? 'published' : 'aborted', seq: Number(entry.seq) });
  const staged = state.staged.get(id) ?? [];
  state.staged.delete(id);
  if (published) {
    for (const s of staged) if (replayEvidence(state, s.entry, s.content) === 'unread') markUnread(state, s.entry);
  }
  return 'read';
}

function replayEvidence(state: ReplayState, entry: LogEntry, content: unknown): Outcome {
  const seq = Number(entry.seq);
  const id = entityNumber(entry);
  const actor = entry.actor_id === null ? null : Number(entry.actor_id);
  const at = entry.at;
  if (id === null) return 'unread';

  switch (entry.action) {
    case 'evidence.created':
    case 'evidence.correction_created':
    case 'evidence.imported': {
      const item = loggedItem(entry.action, content);
      if (!item || !isObj(content)) return 'unread';
      const imported = entry.action === 'evidence.imported';
      const supersedes = imported ? null : orNull(content.supersedes);
      const status = imported ? importedStatus(item) : content.status;
      if (supersedes !== null && !isId(supersedes)) return 'unread';
      if (status !== 'draft' && status !== 'submitted' && !imported) return 'unread';
      // keys of log format 2: when present they must be well formed
      if (content.framework !== undefined && !isStr(content.framework)) return 'unread';
      if (content.origin !== undefined && !ORIGINS.includes(content.origin as EvidenceOrigin)) return 'unread';
      if ('created_by' in content && content.created_by !== null && !isId(content.created_by)) return 'unread';
      if ('owner_delegation' in content && content.owner_delegation !== null && !isStr(content.owner_delegation)) return 'unread';
      state.evidence.set(id, {
        id,
        createdSeq: seq,
        framework: content.framework as string | undefined,
        // entries before log format 2: what the code then always wrote (desk: 'desk' by the actor; import: 'import' by nobody)
        origin: isStr(content.origin) ? (content.origin as EvidenceOrigin) : imported ? 'import' : 'desk',
        createdBy: 'created_by' in content ? (content.created_by as number | null) : imported ? null : actor,
        ownerDelegation: 'owner_delegation' in content ? (content.owner_delegation as string | null) : imported ? null : undefined,
        createdAt: at,
        supersedesId: supersedes,
        contentSeq: seq,
        status: status as EvidenceStatus,
        statusSeq: seq,
        submittedAt: imported ? (item.verifiedAt ?? at) : status === 'submitted' ? at : null,
        submittedSeq: seq,
        verifiedAt: item.verifiedAt,
        verifiedAtSeq: seq,
        verifiedBy: null,
        verifiedBySeq: seq,
        rejectedAt: null,
        rejectedBy: null,
        rejectReason: null,
        rejectedSeq: seq,
        retractedAt: item.retractedAt,
        retractedAtSeq: seq,
        retractedBy: null,
        retractReason: null,
        retractedBySeq: seq,
        supersededAt: null,
        supersededSeq: seq,
      });
      return 'read';
    }
  }

  const fold = state.evidence.get(id);
  if (!fold) return 'unread';
  const reason = isObj(content) && isStr(content.reason) ? content.reason : null;
  switch (entry.action) {
    case 'evidence.draft_updated':
      if (!loggedItem(entry.action, content)) return 'unread';
      fold.contentSeq = seq;
      // the draft stays a draft; a submission in the same request is an evidence.submitted entry of its own
      setStatus(fold, 'draft', seq);
      fold.submittedAt = null;
      fold.submittedSeq = seq;
      return 'read';
    case 'evidence.import_updated': {
      const item = loggedItem(entry.action, content);
      if (!item) return 'unread';
      fold.contentSeq = seq;
      setStatus(fold, importedStatus(item), seq);
      fold.verifiedAt = item.verifiedAt;
      fold.verifiedAtSeq = seq;
      fold.retractedAt = item.retractedAt;
      fold.retractedAtSeq = seq;
      fold.submittedAt = item.verifiedAt ?? at;
      fold.submittedSeq = seq;
      return 'read';
    }
    case 'evidence.submitted':
      setStatus(fold, 'submitted', seq);
      fold.submittedAt = at;
      fold.submittedSeq = seq;
      return 'read';
    case 'evidence.verified':
      setStatus(fold, 'verified', seq);
      fold.verifiedAt = at;
      fold.verifiedAtSeq = seq;
      fold.verifiedBy = actor;
      fold.verifiedBySeq = seq;
      return 'read';
    case 'evidence.rejected':
      setStatus(fold, 'rejected', seq);
      fold.rejectedAt = at;
      fold.rejectedBy = actor;
      fold.rejectReason = reason;
      fold.rejectedSeq = seq;
      return 'read';
    case 'evidence.retracted':
      setStatus(fold, 'retracted', seq);
      fold.retractedAt = at;
      fold.retractedAtSeq = seq;
      fold.retractedBy = actor;
      fold.retractReason = reason;
      fold.retractedBySeq = seq;
      return 'read';
    case 'evidence.superseded':
      setStatus(fold, 'superseded', seq);
      fold.supersededAt = at;
      fold.supersededSeq = seq;
      return 'read';
    case 'evidence.attachment_added': {
      const c = content;
      if (!isObj(c) || !isId(c.attachment) || !isStr(c.filename) || !isStr(c.content_type) || !isNum(c.size_bytes) || !isStr(c.sha256)) return 'unread';
      state.attachments.set(c.attachment, {
        id: c.attachment,
        evidenceId: id,
        filename: c.filename,
        contentType: c.content_type,
        sizeBytes: c.size_bytes,
        sha256: c.sha256,
        uploadedBy: actor,
        uploadedAt: at,
        seq,
      });
      return 'read';
    }
    default:
      // e.g. evidence.correction_proposed: changes no column
      return 'ignored';
  }
}

function setStatus(fold: EvidenceFold, status: EvidenceStatus, seq: number): void {
  fold.status = status;
  fold.statusSeq = seq;
}

/** The status an import gives an item (import-service.ts importedStatus). */
function importedStatus(item: LoggedItem): EvidenceStatus {
  if (item.retractedAt) return 'retracted';
  return item.verifiedAt ? 'verified' : 'submitted';
}

function replayUser(state: ReplayState, entry: LogEntry, content: unknown): Outcome {
  const seq = Number(entry.seq);
  const id = entityNumber(entry);
  if (id === null || !isObj(content)) return 'unread';
  const fingerprint = isStr(content.password_fingerprint) ? content.password_fingerprint : undefined;

  if (entry.action === 'user.created') {
    const c = content;
    if (!isStr(c.email) || !isStr(c.name) || !isStr(c.role) || !strOrNull(c.delegation)) return 'unread';
    state.users.set(id, {
      id,
      email: c.email,
      name: c.name,
      role: c.role,
      delegation: orNull(c.delegation),
      disabled: false,
      passwordFingerprint: fingerprint,
      seqs: { created: seq, profile: seq, disabled: seq, password: seq },
    });
    return 'read';
  }
  if (entry.action === 'token.created') {
    if (!isId(content.token_id) || !isStr(content.name)) return 'unread';
    state.tokens.set(content.token_id, {
      id: content.token_id,
      userId: id,
      name: content.name,
      tokenHash: isStr(content.token_hash) ? content.token_hash : undefined,
      revoked: false,
      createdSeq: seq,
      revokedSeq: seq,
    });
    return 'read';
  }
  if (entry.action === 'token.revoked') {
    if (!isId(content.token_id)) return 'unread';
    const token = state.tokens.get(content.token_id);
    if (!token) return 'unread';
    revoke(token, seq);
    return 'read';
  }

  const user = state.users.get(id);
  if (!user) return 'unread';
  // any entry may list the tokens its transaction revoked (disabling, and changing or resetting a password)
  if ('revoked_tokens' in content) {
    if (!Array.isArray(content.revoked_tokens) || !content.revoked_tokens.every(isId)) return 'unread';
    for (const tokenId of content.revoked_tokens) {
      const token = state.tokens.get(tokenId);
      if (token) revoke(token, seq);
    }
  } else if (entry.action === 'user.disabled') {
    // before log format 2, disabling revoked every token of the user still in force, and said nothing more
    for (const token of state.tokens.values()) if (token.userId === id && !token.revoked) revoke(token, seq);
  }
  switch (entry.action) {
    case 'user.updated': {
      const after = content.after;
      if (!isObj(after) || !isStr(after.name) || !isStr(after.role) || !strOrNull(after.delegation)) return 'unread';
      user.name = after.name;
      user.role = after.role;
      user.delegation = orNull(after.delegation);
      user.seqs.profile = seq;
      return 'read';
    }
    case 'user.disabled':
    case 'user.enabled':
      user.disabled = entry.action === 'user.disabled';
      user.seqs.disabled = seq;
      return 'read';
    case 'user.password_changed':
    case 'user.password_set':
      user.passwordFingerprint = fingerprint;
      user.seqs.password = seq;
      return 'read';
    default:
      // e.g. user.password_code_issued: password_resets are not replayed
      return 'ignored';
  }
}

function revoke(token: TokenFold, seq: number): void {
  if (token.revoked) return;
  token.revoked = true;
  token.revokedSeq = seq;
}

function replayFramework(state: ReplayState, entry: LogEntry, content: unknown): Outcome {
  if (entry.action !== 'framework.created' && entry.action !== 'framework.updated') return 'ignored';
  if (!isFrameworkDefinition(content, entry.entity_id)) return 'unread';
  state.frameworks.set(content.code, { code: content.code, definition: content, seq: Number(entry.seq) });
  return 'read';
}

function replayReport(state: ReplayState, entry: LogEntry, content: unknown): Outcome {
  if (entry.action !== 'report.produced' && entry.action !== 'report.registered') return 'ignored';
  const id = entityNumber(entry);
  const c = content;
  if (id === null || !isObj(c)) return 'unread';
  const texts = [c.framework, c.kind, c.period, c.period_start, c.period_end, c.generated_at, c.methodology, c.sha256];
  if (!texts.every(isStr)) return 'unread';
  const head = c.audit_head;
  if (head !== null && !(isObj(head) && isId(head.seq) && isStr(head.hash))) return 'unread';
  state.reports.set(id, {
    id,
    framework: c.framework as string,
    kind: c.kind as string,
    period: c.period as string,
    periodStart: c.period_start as string,
    periodEnd: c.period_end as string,
    generatedAt: c.generated_at as string,
    methodology: c.methodology as string,
    sha256: c.sha256 as string,
    auditHead: head === null ? null : { seq: head.seq as number, hash: head.hash as string },
    seq: Number(entry.seq),
  });
  return 'read';
}
