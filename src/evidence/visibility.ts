// Need-to-know: who may read an evidence item's text, sources and attachments. CLEAR and GREEN: every
// signed-in user. AMBER: the submitter's delegation, reviewers and admins. RED: the submitter, the reviewer
// who handled it, and admins; while a RED item awaits review, every reviewer may read it (someone must handle
// it). Scores use all verified evidence regardless; only the content is restricted.

import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, EvidenceRow, UserRow } from '../db/schema';

export type Viewer = Pick<UserRow, 'id' | 'role' | 'delegation'>;

type VisibilityFields = Pick<EvidenceRow, 'tlp' | 'status' | 'created_by' | 'owner_delegation' | 'verified_by' | 'rejected_by' | 'retracted_by'>;

export function canSeeEvidence(viewer: Viewer, item: VisibilityFields): boolean {
  if (viewer.role === 'admin') return true;
  if (item.created_by !== null && item.created_by === viewer.id) return true;
  switch (item.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return true;
    case 'AMBER':
      return viewer.role === 'reviewer' || (viewer.delegation !== null && viewer.delegation === item.owner_delegation);
    case 'RED':
      return (viewer.role === 'reviewer' && item.status === 'submitted') || [item.verified_by, item.rejected_by, item.retracted_by].includes(viewer.id);
    default:
      return false;
  }
}

/** The same rule as a WHERE condition on `evidence`, for lists, searches and exports. */
export function visibleTo(viewer: Viewer) {
  return (eb: ExpressionBuilder<Database, 'evidence'>) => {
    if (viewer.role === 'admin') return sql<boolean>`1 = 1`;
    const amber = viewer.role === 'reviewer'
      ? eb('evidence.tlp', '=', 'AMBER')
      : viewer.delegation !== null
        ? eb.and([eb('evidence.tlp', '=', 'AMBER'), eb('evidence.owner_delegation', '=', viewer.delegation)])
        : sql<boolean>`1 = 0`;
    return eb.or([
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
    ]);
  };
}

/** Drafts are private to their author (and admins); everything else follows the TLP rule. */
export function canSeeDraft(viewer: Viewer, item: Pick<EvidenceRow, 'status' | 'created_by'>): boolean {
  return item.status !== 'draft' || viewer.role === 'admin' || item.created_by === viewer.id;
}
