// Stored PDFs of frozen reports, one per report and reader's view. A report never changes, so neither does the
// PDF of one view of it: it is printed once (outside any transaction) and served from here afterwards. Instances
// racing to store the same view keep the first one stored, and every instance serves that one.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ReportPdfRow } from '../db/schema';
import { canonicalJson } from '../audit/log';
import { nowIso, type Clock } from '../time';
import { AppError } from '../errors';

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** The key of a reader's view: the SHA-256 of the canonical JSON of exactly what the page is rendered from. */
export const viewSha256 = (pageData: object) => sha256(canonicalJson(pageData));

export async function findReportPdf(db: Kysely<Database>, reportId: number, viewKey: string): Promise<ReportPdfRow | undefined> {
  return db.selectFrom('report_pdfs').selectAll().where('report_id', '=', reportId).where('view_sha256', '=', viewKey).executeTakeFirst();
}

/** Stores a printed PDF unless one is stored for that view already; returns the stored one either way. */
export async function storeReportPdf(db: Kysely<Database>, reportId: number, viewKey: string, pdf: Buffer, clock: Clock): Promise<ReportPdfRow> {
  await db
    .insertInto('report_pdfs')
    .values({ report_id: reportId, view_sha256: viewKey, pdf, sha256: sha256(pdf), created_at: nowIso(clock) })
    .onConflict((oc) => oc.columns(['report_id', 'view_sha256']).doNothing())
    .execute();
  const stored = await findReportPdf(db, reportId, viewKey);
  if (!stored) throw new AppError('INTERNAL', { key: 'report {id}: the PDF just stored is missing', params: { id: String(reportId) } });
  return stored;
}
