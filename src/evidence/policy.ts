// Need-to-know and who may do what to an evidence item: the one place these rules are written. Pages, the API,
// exports, reports and the services all ask here.
//
// Reading: drafts are private to their author (and admins); everything else follows the TLP marking. CLEAR and
// GREEN: every signed-in user. AMBER: the submitter's delegation, reviewers and admins. RED: the submitter, the
// reviewer who handled it, and admins; while a RED item awaits review, every reviewer may read it (someone must
// handle it). Scores use all verified evidence regardless; only the content is restricted.
//
// Acting: the author edits and submits their drafts and attaches documents until verification; another reviewer
// verifies or rejects a submitted item; a reviewer retracts a verified one; any writer proposes a correction of it.

import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, EvidenceRow, Role, UserRow } from '../db/schema';
import { AppError, conflict, forbidden, notFound } from '../errors';
import { msg, type Message } from '../i18n/messages';
import { statusLabel } from './statuses';

export type Viewer = Pick<UserRow, 'id' | 'role' | 'delegation'>;

/** Who logs evidence (and proposes corrections, imports files). */
export const EVIDENCE_WRITERS = ['evaluator', 'reviewer', 'admin'] as const satisfies readonly Role[];
/** Who reviews: verifies, rejects, retracts. */
export const REVIEWERS = ['reviewer', 'admin'] as const satisfies readonly Role[];

const isWriter = (viewer: Viewer) => (EVIDENCE_WRITERS as readonly Role[]).includes(viewer.role);
const isReviewer = (viewer: Viewer) => (REVIEWERS as readonly Role[]).includes(viewer.role);

// ---------------------------------------------------------------------------------------------- reading

/** What the TLP rule needs to know of an item, be it a live row or an item as a report froze it. */
interface MarkedItem {
  tlp: string;
  created_by: number | null;
  owner_delegation: string | null;
  /** the reviewers who verified, rejected or retracted it */
  handledBy: readonly (number | null)[];
  /** waiting for a reviewer (RED items are then readable by every reviewer) */
  awaitingReview: boolean;
}

function tlpAllows(viewer: Viewer, item: MarkedItem): boolean {
  if (viewer.role === 'admin') return true;
  if (item.created_by !== null && item.created_by === viewer.id) return true;
  switch (item.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
      return viewer.role === 'reviewer' || (viewer.delegation !== null && viewer.delegation === item.owner_delegation);
    case 'RED':
      return (viewer.role === 'reviewer' && item.awaitingReview) || item.handledBy.includes(viewer.id);
    default:
      return false;
  }
}

export type ReadableFields = Pick<EvidenceRow, 'tlp' | 'status' | 'created_by' | 'owner_delegation' | 'verified_by' | 'rejected_by' | 'retracted_by'>;

/** The viewer may read the item (and so know it exists): its text, sources, attachments and history. */
export function mayRead(viewer: Viewer, item: ReadableFields): boolean {
  if (item.status === 'draft' && viewer.role !== 'admin' && item.created_by !== viewer.id) return false;
  return tlpAllows(viewer, {
    tlp: item.tlp,
    created_by: item.created_by,
    owner_delegation: item.owner_delegation,
    handledBy: [item.verified_by, item.rejected_by, item.retracted_by],
    awaitingReview: item.status === 'submitted',
  });
}

/**
 * mayRead for one viewer over many items whose fields are a few shared objects (the read model interns them):
 * each object is decided once. No fields: not readable.
 */
export function readerVerdicts(viewer: Viewer): (item: ReadableFields | undefined) => boolean {
  const verdicts = new Map<ReadableFields, boolean>();
  return (item) => {
    if (!item) return false;
    let verdict = verdicts.get(item);
    if (verdict === undefined) verdicts.set(item, (verdict = mayRead(viewer, item)));
    return verdict;
  };
}

/** An item as a frozen report keeps it: only the handling known when the report was made. */
export interface SnapshotFields {
  tlp: string;
  created_by: number | null;
  owner_delegation: string | null;
  handled_by: number[];
}

/** The same rule applied to an item as a report froze it (reports list verified, corrected and retracted items). */
export function mayReadSnapshot(viewer: Viewer, item: SnapshotFields): boolean {
  return tlpAllows(viewer, { tlp: item.tlp, created_by: item.created_by, owner_delegation: item.owner_delegation, handledBy: item.handled_by, awaitingReview: false });
}

type EvidenceCondition = (eb: ExpressionBuilder<Database, 'evidence'>) => Expression<SqlBool>;

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/**
 * Rows whose existence the viewer may know of, as a WHERE condition on `evidence`: everything but others' drafts.
 * Lists count the hidden items among these ("n more are restricted"), never among others' drafts.
 */
export function knowableBy(viewer: Viewer): EvidenceCondition {
  return (eb) => (viewer.role === 'admin' ? eb.and([TRUE]) : eb.or([eb('evidence.status', '!=', 'draft'), eb('evidence.created_by', '=', viewer.id)]));
}

/** `mayRead` as a WHERE condition on `evidence`, for lists, searches and exports. */
export function readableBy(viewer: Viewer): EvidenceCondition {
  return (eb) => {
    if (viewer.role === 'admin') return eb.and([TRUE]);
    const amber = viewer.role === 'reviewer'
      ? eb('evidence.tlp', '=', 'AMBER')
      : viewer.delegation !== null
        ? eb.and([eb('evidence.tlp', '=', 'AMBER'), eb('evidence.owner_delegation', '=', viewer.delegation)])
        : FALSE;
    return eb.and([
      knowableBy(viewer)(eb),
      eb.or([
        eb('evidence.created_by', '=', viewer.id),
        eb('evidence.tlp', 'in', ['CLEAR', 'GREEN']),
        amber,
        eb.and([
          eb('evidence.tlp', '=', 'RED'),
          eb.or([
            eb('evidence.verified_by', '=', viewer.id),
            eb('evidence.rejected_by', '=', viewer.id),
            eb('evidence.retracted_by', '=', viewer.id),
            ...(viewer.role === 'reviewer' ? [eb('evidence.status', '=', 'submitted')] : []),
          ]),
        ]),
      ]),
    ]);
  };
}

// ---------------------------------------------------------------------------------------------- acting

/** What a user may do to an item: the web's review actions, editing, corrections and documents. */
export type EvidenceAction = 'edit' | 'submit' | 'verify' | 'reject' | 'retract' | 'correct' | 'attach';

export const EVIDENCE_ACTIONS: readonly EvidenceAction[] = ['edit', 'submit', 'verify', 'reject', 'retract', 'correct', 'attach'];

const roleRefusal = (why: Message) => forbidden(why);

/**
 * Why the user may not do `action` to the item now, or null when they may: 404 for an item they may not know
 * exists, 403 for what is not theirs to do, 409 for what the item's status forbids.
 */
export function refusalOf(user: Viewer, item: EvidenceRow, action: EvidenceAction): AppError | null {
  if (!mayRead(user, item)) return notFound('No such evidence item');
  const isAuthor = item.created_by === user.id;
  switch (action) {
    case 'edit':
      if (!isWriter(user)) return roleRefusal(msg('Only evaluator or reviewer or admin users may edit evidence'));
      if (!isAuthor) return forbidden('Only the author may edit a draft');
      if (item.status !== 'draft') return conflict(msg('Only drafts can be edited; this item is {status}', { status: statusLabel(item.status) }));
      return null;
    case 'submit':
      if (!isWriter(user)) return roleRefusal(msg('Only evaluator or reviewer or admin users may submit evidence'));
      if (!isAuthor) return forbidden('Only the author may submit their draft');
      if (item.status !== 'draft') return conflict(msg('Only a draft can be submitted; this item is {status}', { status: statusLabel(item.status) }));
      return null;
    case 'verify':
    case 'reject':
      if (!isReviewer(user)) return roleRefusal(action === 'verify' ? msg('Only reviewer or admin users may verify evidence') : msg('Only reviewer or admin users may reject evidence'));
      if (isAuthor) return forbidden(action === 'verify' ? msg('Nobody may verify their own item: another reviewer must') : msg('Nobody may reject their own item: another reviewer must'));
      if (item.status !== 'submitted') {
        const status = statusLabel(item.status);
        return conflict(action === 'verify' ? msg('Only a submitted item can be verified; this item is {status}', { status }) : msg('Only a submitted item can be rejected; this item is {status}', { status }));
      }
      return null;
    case 'retract':
      if (!isReviewer(user)) return roleRefusal(msg('Only reviewer or admin users may retract evidence'));
      if (item.status !== 'verified') return conflict(msg('Only a verified item can be retracted; this item is {status}', { status: statusLabel(item.status) }));
      return null;
    case 'correct':
      if (!isWriter(user)) return roleRefusal(msg('Only evaluator or reviewer or admin users may log evidence'));
      if (item.status !== 'verified') return conflict('Only a verified item can be corrected');
      return null;
    case 'attach':
      if (!isWriter(user)) return roleRefusal(msg('Only evaluator or reviewer or admin users may attach documents'));
      if (!isAuthor) return forbidden('Only the author may attach documents');
      if (item.status !== 'draft' && item.status !== 'submitted') return conflict(msg('Documents can be attached before verification only; this item is {status}', { status: statusLabel(item.status) }));
      return null;
  }
}

/** Throws the refusal of `action`, if any. */
export function assertAllowed(user: Viewer, item: EvidenceRow, action: EvidenceAction): void {
  const refusal = refusalOf(user, item, action);
  if (refusal) throw refusal;
}

/** Throws 404 for an item the user may not know exists. */
export function assertReadable(user: Viewer, item: ReadableFields): void {
  if (!mayRead(user, item)) throw notFound('No such evidence item');
}

export type EvidencePolicy = { read: boolean; ownAwaitingOtherReviewer: boolean } & Record<EvidenceAction, boolean>;

/**
 * Everything the user may do to the item now, for pages to offer exactly that. `ownAwaitingOtherReviewer`: a
 * reviewer's own submitted item, which another reviewer must verify or reject.
 */
export function evidencePolicy(user: Viewer, item: EvidenceRow): EvidencePolicy {
  const allowed = Object.fromEntries(EVIDENCE_ACTIONS.map((a) => [a, refusalOf(user, item, a) === null])) as Record<EvidenceAction, boolean>;
  const read = mayRead(user, item);
  return { read, ...allowed, ownAwaitingOtherReviewer: read && isReviewer(user) && item.created_by === user.id && item.status === 'submitted' };
}

export interface DeskPolicy {
  /** log evidence, propose corrections, import files */
  log: boolean;
  /** the review queue */
  review: boolean;
}

/** What the user may do at the evidence desk at all, whatever the item: log (and import), review. */
export function deskPolicy(user: Viewer): DeskPolicy {
  return { log: isWriter(user), review: isReviewer(user) };
}

/** Throws 403 unless the user may log evidence. */
export function assertMayLog(user: Viewer, what: 'log' | 'import' = 'log'): void {
  if (!isWriter(user)) throw roleRefusal(what === 'import' ? msg('Only evaluator or reviewer or admin users may import evidence') : msg('Only evaluator or reviewer or admin users may log evidence'));
}
