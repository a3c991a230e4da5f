// `audit verify` in full: the hash chain first; then, only on an intact chain (a broken one cannot be trusted),
// the log is replayed and every live table it speaks for is compared with it, table by table in id order and in
// batches, so memory stays bounded however large the database. Everything is read in one snapshot, so a server
// writing meanwhile causes no false alarm.

import type { Kysely } from 'kysely';
import { inReadSnapshot } from '../db/snapshot';
import type { Database } from '../db/schema';
import { storedFrameworkShape } from '../framework/import-service';
import { verifyAuditChain, type AuditHead, type AuditVerification } from './log';
import { loggedItem, newReplayState, replayEntry, type ReplayState } from './replay';
import {
  compareAttachment,
  compareEvidence,
  compareFramework,
  compareReport,
  compareToken,
  compareUser,
  onlyInDatabase,
  onlyInLog,
  reportLabel,
  userLabel,
  type LiveDifference,
  type LiveFinding,
  type LiveTag,
  type NotCovered,
} from './compare';

export type { LiveDifference } from './compare';

export interface LiveCounts {
  frameworks: number;
  users: number;
  tokens: number;
  evidence: number;
  findings: number;
  tags: number;
  attachments: number;
  reports: number;
}

interface LiveFacts {
  /** rows compared (all of them when ok) */
  counts: LiveCounts;
  /** columns not compared for some rows, because the entries that would say them predate log format 2 */
  notCovered: { column: string; rows: number }[];
  /** entries of a known action the replay could not read (not written by the services) */
  unread: { count: number; firstSeq: number | null };
  /** imports still staging, and the rows of unpublished imports (also aborted ones not yet deleted): invisible, not compared */
  staging: { batches: number; rows: number };
}

export type LiveVerification =
  | ({ ok: true } & LiveFacts)
  /** the first difference, in the order frameworks, users, API tokens, import batches, evidence (row, findings, tags), attachments, reports */
  | ({ ok: false; difference: LiveDifference } & LiveFacts);

/** The chain's verification, and the live tables' when the chain is intact (a broken chain cannot be trusted). */
export type FullAuditVerification =
  | { chain: Extract<AuditVerification, { ok: false }>; live: null }
  | { chain: Extract<AuditVerification, { ok: true }>; live: LiveVerification };

/** How many entries or rows are read at a time (also the most variables bound in one query). */
export interface VerifyBatches {
  entries: number;
  rows: number;
  /** attachments are read with their data (up to 10 MiB each) */
  attachments: number;
  /** reports are read with their content */
  reports: number;
}

export const DEFAULT_BATCHES: VerifyBatches = { entries: 2000, rows: 500, attachments: 8, reports: 20 };

/** Checks the chain, then the live tables against the replayed log. */
export async function verifyAudit(db: Kysely<Database>, batches: VerifyBatches = DEFAULT_BATCHES): Promise<FullAuditVerification> {
  return inReadSnapshot(db, async (snapshot) => {
    const chain = await verifyAuditChain(snapshot, batches.entries);
    if (!chain.ok) return { chain, live: null };
    const state = await replayLog(snapshot, batches.entries);
    return { chain, live: await compareLiveTables(snapshot, state, chain.head, batches) };
  });
}


/** Folds the whole log, batch by batch, into the state it implies. */
export async function replayLog(db: Kysely<Database>, batchSize = DEFAULT_BATCHES.entries): Promise<ReplayState> {
  const state = newReplayState();
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .select(['seq', 'at', 'actor_id', 'action', 'entity_type', 'entity_id', 'content'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    for (const row of rows) replayEntry(state, row);
    if (rows.length < batchSize) return state;
    after = Number(rows[rows.length - 1].seq);
  }
}

interface Check {
  db: Kysely<Database>;
  state: ReplayState;
  counts: LiveCounts;
  uncovered: NotCovered;
  /** framework id -> code */
  frameworkCodes: Map<number, string>;
  head: AuditHead | null;
  batches: VerifyBatches;
  /** import batches whose rows the log does not count (yet): not published in the log */
  unpublished: Set<number>;
  staging: { batches: number; rows: number };
}

/** Compares the live tables with the replayed state; stops at the first difference. */
export async function compareLiveTables(db: Kysely<Database>, state: ReplayState, head: AuditHead | null, batches = DEFAULT_BATCHES): Promise<LiveVerification> {
  const frameworks = await db.selectFrom('frameworks').select(['id', 'code']).orderBy('id').execute();
  const check: Check = {
    db,
    state,
    counts: { frameworks: 0, users: 0, tokens: 0, evidence: 0, findings: 0, tags: 0, attachments: 0, reports: 0 },
    uncovered: new Map(),
    frameworkCodes: new Map(frameworks.map((f) => [f.id, f.code])),
    head,
    batches,
    unpublished: new Set(),
    staging: { batches: 0, rows: 0 },
  };
  let difference: LiveDifference | null = null;
  for (const table of [checkFrameworks, checkUsers, checkTokens, checkImportBatches, checkEvidence, checkAttachments, checkReports]) {
    difference = await table(check);
    if (difference) break;
  }
  const facts: LiveFacts = {
    counts: check.counts,
    notCovered: [...check.uncovered].map(([column, rows]) => ({ column, rows })),
    unread: { ...state.unread },
    staging: check.staging,
  };
  return difference ? { ok: false, difference, ...facts } : { ok: true, ...facts };
}

const frameworkCode = (check: Check, id: number) => check.frameworkCodes.get(id) ?? `#${id}`;

/**
 * Walks a table in id order, batch by batch, alongside the ids the log expects. `visit` gets each batch with the
 * expected ids that fall in it, and the id range it covers (`upTo` null: the rest of the table).
 */
async function walkById<R extends { id: number }>(
  expected: Iterable<number>,
  load: (after: number, limit: number) => Promise<R[]>,
  batchSize: number,
  visit: (rows: R[], expectedIds: number[], after: number, upTo: number | null) => Promise<LiveDifference | null>,
): Promise<LiveDifference | null> {
  const ids = [...expected].sort((a, b) => a - b);
  let next = 0;
  let after = 0;
  for (;;) {
    const rows = await load(after, batchSize);
    const upTo = rows.length < batchSize ? null : rows[rows.length - 1].id;
    const from = next;
    while (next < ids.length && (upTo === null || ids[next] <= upTo)) next += 1;
    const difference = await visit(rows, ids.slice(from, next), after, upTo);
    if (difference || upTo === null) return difference;
    after = upTo;
  }
}

/** Every id of the batch and of the expected ones, in order, with the row and the fold for each. */
function* merged<R extends { id: number }, F>(rows: R[], expectedIds: number[], folds: Map<number, F>, extraIds: number[] = []) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ids = [...new Set([...rows.map((r) => r.id), ...expectedIds, ...extraIds])].sort((a, b) => a - b);
  for (const id of ids) yield { id, row: byId.get(id), fold: folds.get(id) };
}

// ---- the tables, in the order differences are looked for ---------------------------------------------------

async function checkFrameworks(check: Check): Promise<LiveDifference | null> {
  const rows = await check.db.selectFrom('frameworks').select(['id', 'code']).orderBy('id').execute();
  for (const row of rows) {
    check.counts.frameworks += 1;
    const fold = check.state.frameworks.get(row.code);
    if (!fold) return onlyInDatabase('frameworks', row.code, `framework ${row.code}`);
    const difference = compareFramework(fold, (await storedFrameworkShape(check.db, row.id))!);
    if (difference) return difference;
  }
  const stored = new Set(rows.map((r) => r.code));
  const missing = [...check.state.frameworks.values()].filter((f) => !stored.has(f.code)).sort((a, b) => (a.code < b.code ? -1 : 1))[0];
  return missing ? onlyInLog('frameworks', missing.code, `framework ${missing.code}`, missing.seq) : null;
}

/**
 * The import batches against the log: published exactly when the log has its 'import.published' entry, aborted
 * exactly when it has 'import.aborted', otherwise staging. (Flipping a batch's state would show or hide rows the
 * log does not, or does, count.) Notes the batches whose rows the evidence check leaves out.
 */
async function checkImportBatches(check: Check): Promise<LiveDifference | null> {
  const rows = await check.db.selectFrom('import_batches').select(['id', 'state']).orderBy('id').execute();
  for (const row of rows) {
    const fold = check.state.batches.get(row.id);
    const inLog = fold?.state ?? 'staging';
    if (row.state !== inLog) {
      const said = fold ? ` (entry ${fold.seq})` : ' (no entry closes it)';
      return { table: 'import_batches', row: String(row.id), column: 'state', seq: fold?.seq ?? null, message: `import batch ${row.id}: state is ${row.state} in the database but ${inLog} in the log${said}` };
    }
    if (inLog !== 'published') check.unpublished.add(row.id);
    if (inLog === 'staging') check.staging.batches += 1;
  }
  const stored = new Set(rows.map((r) => r.id));
  const missing = [...check.state.batches.values()].filter((b) => !stored.has(b.id)).sort((a, b) => a.id - b.id)[0];
  return missing ? onlyInLog('import_batches', missing.id, `import batch ${missing.id}`, missing.seq) : null;
}

async function checkUsers(check: Check): Promise<LiveDifference | null> {
  const folds = check.state.users;
  return walkById(
    folds.keys(),
    (after, limit) => check.db.selectFrom('users').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute(),
    check.batches.rows,
    async (rows, expectedIds) => {
      for (const { id, row, fold } of merged(rows, expectedIds, folds)) {
        if (!row) return onlyInLog('users', id, userLabel(id, fold!.email), fold!.seqs.created);
        if (!fold) return onlyInDatabase('users', id, userLabel(id, row.email));
        check.counts.users += 1;
        const difference = compareUser(fold, row, check.uncovered);
        if (difference) return difference;
      }
      return null;
    },
  );
}

async function checkTokens(check: Check): Promise<LiveDifference | null> {
  const folds = check.state.tokens;
  return walkById(
    folds.keys(),
    (after, limit) =>
      check.db.selectFrom('api_tokens').select(['id', 'user_id', 'name', 'token_hash', 'revoked_at']).where('id', '>', after).orderBy('id').limit(limit).execute(),
    check.batches.rows,
    async (rows, expectedIds) => {
      for (const { id, row, fold } of merged(rows, expectedIds, folds)) {
        if (!row) return onlyInLog('api_tokens', id, `api token ${id}`, fold!.createdSeq);
        if (!fold) return onlyInDatabase('api_tokens', id, `api token ${id}`);
        check.counts.tokens += 1;
        const difference = compareToken(fold, row, check.uncovered);
        if (difference) return difference;
      }
      return null;
    },
  );
}

async function checkEvidence(check: Check): Promise<LiveDifference | null> {
  const { db } = check;
  const folds = check.state.evidence;
  return walkById(
    folds.keys(),
    (after, limit) => db.selectFrom('evidence').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute(),
    check.batches.rows,
    async (allRows, expectedIds, after, upTo) => {
      // rows of an import the log has not published are invisible to every reader and not in the log yet
      const unpublished = new Set(allRows.filter((r) => r.import_batch_id !== null && check.unpublished.has(r.import_batch_id)).map((r) => r.id));
      for (const id of unpublished) {
        const fold = folds.get(id);
        if (fold) return { table: 'evidence', row: String(id), column: 'import_batch_id', seq: fold.createdSeq, message: `evidence ${id} is in the log (entry ${fold.createdSeq}) but hidden in the unpublished import batch ${allRows.find((r) => r.id === id)!.import_batch_id}` };
      }
      check.staging.rows += unpublished.size;
      const rows = allRows.filter((r) => !unpublished.has(r.id));
      // findings and tags of the same id range, so rows pointing at a missing item are seen too
      const findings = await db
        .selectFrom('findings')
        .leftJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
        .leftJoin('frameworks', 'frameworks.id', 'benchmarks.framework_id')
        .select(['findings.evidence_id', 'findings.benchmark_id', 'benchmarks.code as benchmark', 'frameworks.code as framework', 'findings.stance', 'findings.value', 'findings.position'])
        .where('findings.evidence_id', '>', after)
        .$if(upTo !== null, (q) => q.where('findings.evidence_id', '<=', upTo!))
        .orderBy('findings.evidence_id')
        .orderBy('findings.position')
        .orderBy('findings.id')
        .execute();
      const tags = await db
        .selectFrom('evidence_groups')
        .leftJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id')
        .leftJoin('frameworks', 'frameworks.id', 'framework_groups.framework_id')
        .select(['evidence_groups.evidence_id', 'evidence_groups.group_id', 'framework_groups.code', 'frameworks.code as framework'])
        .where('evidence_groups.evidence_id', '>', after)
        .$if(upTo !== null, (q) => q.where('evidence_groups.evidence_id', '<=', upTo!))
        .execute();
      const findingsOf = groupBy((findings as LiveFinding[]).filter((f) => !unpublished.has(f.evidence_id)));
      const tagsOf = groupBy((tags as LiveTag[]).filter((t) => !unpublished.has(t.evidence_id)));
      const contentSeqs = rows.flatMap((r) => folds.get(r.id)?.contentSeq ?? []);
      const contents = await entriesBySeq(db, contentSeqs, check.batches.rows);

      for (const { id, row, fold } of merged(rows, expectedIds, folds, [...findingsOf.keys(), ...tagsOf.keys()])) {
        if (!row && fold) return onlyInLog('evidence', id, `evidence ${id}`, fold.createdSeq);
        if (!row) {
          // findings or tags of an item that does not exist
          const f = findingsOf.get(id)?.[0];
          if (f) return onlyInDatabase('findings', id, `finding of evidence ${id} on ${f.benchmark ?? `#${f.benchmark_id}`}`);
          return onlyInDatabase('evidence_groups', id, `tag ${tagsOf.get(id)![0].code ?? `#${tagsOf.get(id)![0].group_id}`} of evidence ${id}`);
        }
        if (!fold) return onlyInDatabase('evidence', id, `evidence ${id}`);
        const entry = contents.get(fold.contentSeq);
        const item = entry ? loggedItem(entry.action, JSON.parse(entry.content)) : null;
        if (!item) throw new Error(`audit entry ${fold.contentSeq} could not be read again`);
        check.counts.evidence += 1;
        check.counts.findings += findingsOf.get(id)?.length ?? 0;
        check.counts.tags += tagsOf.get(id)?.length ?? 0;
        const difference = compareEvidence(fold, item, row, frameworkCode(check, row.framework_id), findingsOf.get(id) ?? [], tagsOf.get(id) ?? [], check.uncovered);
        if (difference) return difference;
      }
      return null;
    },
  );
}

function groupBy<T extends { evidence_id: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const list = out.get(row.evidence_id);
    if (list) list.push(row);
    else out.set(row.evidence_id, [row]);
  }
  return out;
}

/** Entries by seq, a bounded number of bound variables at a time. */
async function entriesBySeq(db: Kysely<Database>, seqs: number[], batchSize: number): Promise<Map<number, { action: string; content: string }>> {
  const out = new Map<number, { action: string; content: string }>();
  const unique = [...new Set(seqs)];
  for (let i = 0; i < unique.length; i += batchSize) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'action', 'content']).where('seq', 'in', unique.slice(i, i + batchSize)).execute();
    for (const row of rows) out.set(Number(row.seq), row);
  }
  return out;
}

async function checkAttachments(check: Check): Promise<LiveDifference | null> {
  const folds = check.state.attachments;
  return walkById(
    folds.keys(),
    (after, limit) => check.db.selectFrom('attachments').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute(),
    check.batches.attachments,
    async (rows, expectedIds) => {
      for (const { id, row, fold } of merged(rows, expectedIds, folds)) {
        if (!row) return onlyInLog('attachments', id, `attachment ${id}`, fold!.seq);
        if (!fold) return onlyInDatabase('attachments', id, `attachment ${id}`);
        check.counts.attachments += 1;
        const difference = compareAttachment(fold, row, row.data);
        if (difference) return difference;
      }
      return null;
    },
  );
}

async function checkReports(check: Check): Promise<LiveDifference | null> {
  const { db } = check;
  const folds = check.state.reports;
  return walkById(
    folds.keys(),
    (after, limit) => db.selectFrom('reports').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute(),
    check.batches.reports,
    async (rows, expectedIds) => {
      for (const { id, row, fold } of merged(rows, expectedIds, folds)) {
        if (!row) return onlyInLog('reports', id, reportLabel(id, fold!.kind, fold!.period), fold!.seq);
        if (!fold) return onlyInDatabase('reports', id, reportLabel(id, row.kind, row.period));
        check.counts.reports += 1;
        const headSeq = row.audit_head_seq === null ? null : Number(row.audit_head_seq);
        const chainEntry = headSeq === null ? undefined : await db.selectFrom('audit_log').select('hash').where('seq', '=', headSeq).executeTakeFirst();
        const difference = compareReport(fold, row, frameworkCode(check, row.framework_id), chainEntry?.hash, check.head?.seq ?? 0);
        if (difference) return difference;
      }
      return null;
    },
  );
}
