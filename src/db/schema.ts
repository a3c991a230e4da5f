// The Database interface for Kysely: one table type per table. Timestamps are ISO-8601 UTC text,
// JSON columns are text; conversion happens in the repositories.

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface FrameworksTable {
  id: Generated<number>;
  code: string;
  name: string;
  subject: string | null;
  description: string | null;
  prior_strength: number;
  assessed_threshold: number;
  /** what the JOINT perspective is called; null: "Joint" */
  joint_name: string | null;
  /** JSON array of {code, name}; null: the perspectives plus the secretariat */
  delegations: string | null;
  /** JSON array of place names offered on the evidence form; null: none */
  locations: string | null;
  /** what the scores are not (a monitoring framework, not a legal determination); null: none given */
  caveat: string | null;
  /** JSON object locale -> {field: text}: the texts in other languages (null: none given) */
  translations: string | null;
  methodology: string;
  created_at: string;
  updated_at: string;
}

export interface FrameworkGroupsTable {
  id: Generated<number>;
  framework_id: number;
  code: string;
  name: string;
  description: string | null;
  /** JSON object locale -> {field: text}: the texts in other languages (null: none given) */
  translations: string | null;
  position: number;
}

export interface PillarsTable {
  id: Generated<number>;
  framework_id: number;
  code: string;
  name: string;
  description: string | null;
  /** JSON object locale -> {field: text}: the texts in other languages (null: none given) */
  translations: string | null;
  position: number;
}

export interface BenchmarksTable {
  id: Generated<number>;
  framework_id: number;
  pillar_id: number;
  code: string;
  title: string;
  description: string | null;
  kind: 'assessment' | 'indicator';
  weight: number;
  half_life_days: number;
  baseline: number | null;
  target: number | null;
  unit: string | null;
  /** JSON array of what would move the benchmark (briefings list them for the weakest); null: none given */
  recommended_actions: string | null;
  /** JSON object locale -> {field: text}: the texts in other languages (null: none given) */
  translations: string | null;
  position: number;
}

export interface PerspectivesTable {
  id: Generated<number>;
  framework_id: number;
  code: string;
  name: string;
  description: string | null;
  /** JSON object pillar code -> weight */
  pillar_weights: string;
  /** JSON object group code -> weight */
  group_weights: string;
  /** JSON object locale -> {field: text}: the texts in other languages (null: none given) */
  translations: string | null;
  position: number;
}

export type Role = 'viewer' | 'evaluator' | 'reviewer' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'evaluator', 'reviewer', 'admin'];

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  delegation: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  /** the language the account reads pages in (src/i18n/messages.ts LOCALES), or null: the browser's */
  locale: string | null;
}

export type EvidenceStatus = 'draft' | 'submitted' | 'verified' | 'rejected' | 'retracted' | 'superseded';
export type EvidenceOrigin = 'import' | 'desk' | 'api';

export interface EvidenceTable {
  id: Generated<number>;
  framework_id: number;
  ref: string | null;
  title: string;
  summary: string | null;
  source: string | null;
  url: string | null;
  observed_on: string;
  source_reliability: 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
  credibility: number;
  tlp: 'CLEAR' | 'GREEN' | 'AMBER' | 'RED';
  location: string | null;
  status: EvidenceStatus;
  origin: EvidenceOrigin;
  created_by: number | null;
  /** the creator's delegation at creation; decides who may read AMBER items */
  owner_delegation: string | null;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  verified_at: string | null;
  verified_by: number | null;
  rejected_at: string | null;
  rejected_by: number | null;
  reject_reason: string | null;
  retracted_at: string | null;
  retracted_by: number | null;
  retract_reason: string | null;
  supersedes_id: number | null;
  superseded_at: string | null;
  /** the import that created the row; readers see it only once that import is published (evidence/live.ts) */
  import_batch_id: Generated<number | null>;
}

export type ImportBatchState = 'staging' | 'published' | 'aborted';

export interface ImportBatchesTable {
  id: Generated<number>;
  state: ImportBatchState;
  framework_code: string | null;
  actor: string | null;
  actor_id: number | null;
  /** host:pid of the importing process */
  owner: string;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
  /** items staged so far */
  items: number;
  /** why it was aborted */
  reason: string | null;
}

export interface EvidenceGroupsTable {
  evidence_id: number;
  group_id: number;
}

export interface FindingsTable {
  id: Generated<number>;
  evidence_id: number;
  benchmark_id: number;
  stance: number | null;
  value: number | null;
  position: number;
}

export interface SessionsTable {
  /** SHA-256 of the session id: the id itself is never stored */
  id: string;
  user_id: number | null;
  /** JSON of the session object */
  data: string;
  created_at: string;
  expires_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_id: number | null;
  /** e-mail of the actor at the time, or 'system' / 'import' */
  actor: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  /** canonical JSON of what changed */
  content: string;
  prev_hash: string;
  hash: string;
}

export interface AttachmentsTable {
  id: Generated<number>;
  evidence_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  data: Buffer;
  uploaded_by: number | null;
  uploaded_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** SHA-256 of the token: the token itself is shown once and never stored */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the one-time code */
  token_hash: string;
  /** 'invite' or 'reset' */
  purpose: string;
  created_by: number | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SecurityEventsTable {
  id: Generated<number>;
  at: string;
  /** e.g. 'sign-in.failed', 'sign-in.succeeded', 'sign-out', 'denied', 'csrf.failed', 'sign-in.limited', or 'sign-in.attempt' while its password is being checked */
  event: string;
  user_id: number | null;
  /** the account named (lower-cased), also for unknown accounts */
  email: string | null;
  ip: string | null;
  method: string | null;
  path: string | null;
  detail: string | null;
}

export type ReportKind = 'weekly' | 'monthly' | 'quarterly';

export interface ReportsTable {
  id: Generated<number>;
  framework_id: number;
  kind: ReportKind;
  period: string;
  period_start: string;
  period_end: string;
  /** the instant the report was made: also its known-at */
  generated_at: string;
  methodology: string;
  audit_head_seq: number | null;
  audit_head_hash: string | null;
  /** canonical JSON of the frozen report */
  content: string;
  /** SHA-256 of content */
  sha256: string;
}

export interface ReportPdfsTable {
  report_id: number;
  /** SHA-256 of the canonical JSON of what the report page shows this reader (readers see different titles) */
  view_sha256: string;
  pdf: Buffer;
  /** SHA-256 of pdf */
  sha256: string;
  created_at: string;
}

export interface ReportRunsTable {
  id: Generated<number>;
  framework_id: number | null;
  kind: string;
  period: string;
  /** 'schedule', 'catch-up', 'retry' or 'cli' */
  trigger: string;
  attempt: number;
  /** which process ran it (host and pid) */
  instance: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  /** 'running', 'produced', 'exists' (another run made it), 'failed' */
  outcome: string;
  report_id: number | null;
  error: string | null;
}

export interface IdempotencyKeysTable {
  user_id: number;
  /** the client's Idempotency-Key, or `form:` and the one-time token of an evidence web form */
  key: string;
  method: string;
  /** the request path without its query */
  path: string;
  /** SHA-256 of the canonical JSON of the request body */
  request_sha256: string;
  /** the status of the stored answer */
  status: number;
  /** JSON of the stored answer's body */
  response: string;
  created_at: string;
}

export interface SavedFormsTable {
  /** SHA-256 of the random id in the browser's cookie */
  id: string;
  /** the user of the expired session the form was posted with: only they may restore it */
  user_id: number;
  /** the form's path, e.g. /evidence/new */
  path: string;
  /** JSON object of the posted text fields (no files) */
  fields: string;
  created_at: string;
  expires_at: string;
}

export interface HealthProbeTable {
  id: number;
  checked_at: string;
  /** which process wrote it last (host and pid) */
  instance: string;
}

/** The read model's change log (migration 0012): evidence ids (null: reload everything) in commit order. */
export interface ScoringChangesTable {
  id: Generated<number>;
  framework_id: number | null;
  evidence_id: number | null;
  /** PostgreSQL: the writing transaction's id; null on SQLite */
  xid: string | number | null;
}

export interface ReadModelStateTable {
  id: number;
  epoch: string;
  /** how many times the log was trimmed */
  trims: Generated<number>;
  /** the highest log id trimmed away */
  trimmed_id: Generated<number>;
  /** PostgreSQL: the newest transaction id of a trimmed row */
  trimmed_xid: Generated<string | number>;
}

export interface Database {
  frameworks: FrameworksTable;
  framework_groups: FrameworkGroupsTable;
  pillars: PillarsTable;
  benchmarks: BenchmarksTable;
  perspectives: PerspectivesTable;
  users: UsersTable;
  evidence: EvidenceTable;
  evidence_groups: EvidenceGroupsTable;
  import_batches: ImportBatchesTable;
  findings: FindingsTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  audit_log: AuditLogTable;
  attachments: AttachmentsTable;
  api_tokens: ApiTokensTable;
  password_resets: PasswordResetsTable;
  security_events: SecurityEventsTable;
  reports: ReportsTable;
  report_pdfs: ReportPdfsTable;
  report_runs: ReportRunsTable;
  idempotency_keys: IdempotencyKeysTable;
  saved_forms: SavedFormsTable;
  health_probe: HealthProbeTable;
  scoring_changes: ScoringChangesTable;
  read_model_state: ReadModelStateTable;
}

export type ReportRow = Selectable<ReportsTable>;
export type ReportPdfRow = Selectable<ReportPdfsTable>;

export type AuditRow = Selectable<AuditLogTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;

export type FrameworkRow = Selectable<FrameworksTable>;
export type BenchmarkRow = Selectable<BenchmarksTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type EvidenceRow = Selectable<EvidenceTable>;
export type NewEvidence = Insertable<EvidenceTable>;
export type EvidenceUpdate = Updateable<EvidenceTable>;
export type ImportBatchRow = Selectable<ImportBatchesTable>;
