// Documents attached to evidence: PDF, images and text only, size-limited, stored with their SHA-256 and
// served only as downloads.

import { inTransaction } from '../db/transaction';
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AttachmentRow, Database, UserRow } from '../db/schema';
import { appendAudit } from '../audit/log';
import { AppError, notFound, problem, validationError } from '../errors';
import { msg } from '../i18n/messages';
import { nowIso, systemClock, type Clock } from '../time';
import { assertAllowed, mayRead } from './policy';
import { actorOf } from './service';
import { liveEvidence } from '../framework/live-evidence';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Body limit of the routes that take a file: the file plus room for the form's other fields. */
export const UPLOAD_BODY_LIMIT = MAX_ATTACHMENT_BYTES + 1024 * 1024;
/** The multipart parser's limit for those routes (other routes keep the small default). */
export const UPLOAD_MULTIPART_OPTIONS = { limits: { fileSize: MAX_ATTACHMENT_BYTES } };

interface AllowedType {
  contentType: string;
  /** leading bytes the file must start with, if any */
  magic: Buffer[] | null;
}

const ALLOWED: Record<string, AllowedType> = {
  pdf: { contentType: 'application/pdf', magic: [Buffer.from('%PDF-')] },
  png: { contentType: 'image/png', magic: [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])] },
  jpg: { contentType: 'image/jpeg', magic: [Buffer.from([0xff, 0xd8, 0xff])] },
  jpeg: { contentType: 'image/jpeg', magic: [Buffer.from([0xff, 0xd8, 0xff])] },
  gif: { contentType: 'image/gif', magic: [Buffer.from('GIF87a'), Buffer.from('GIF89a')] },
  webp: { contentType: 'image/webp', magic: [Buffer.from('RIFF')] },
  txt: { contentType: 'text/plain', magic: null },
  csv: { contentType: 'text/csv', magic: null },
  md: { contentType: 'text/markdown', magic: null },
};

export const ALLOWED_EXTENSIONS = Object.keys(ALLOWED);

/** A file name safe to show and to put in a Content-Disposition header. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFC').replace(/[\u0000-\u001f\u007f"\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 200);
  return cleaned || 'attachment';
}

export function checkAttachment(filename: string, data: Buffer): { contentType: string; filename: string } {
  const clean = cleanFilename(filename);
  const ext = clean.includes('.') ? clean.split('.').pop()!.toLowerCase() : '';
  const allowed = ALLOWED[ext];
  if (!allowed) throw validationError([problem('file', 'must be one of {choices}', { choices: ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(', ') })]);
  if (data.length === 0) throw validationError([{ path: 'file', message: 'is empty' }]);
  if (data.length > MAX_ATTACHMENT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', msg('file: must be at most {max} MiB', { max: MAX_ATTACHMENT_BYTES / 1024 / 1024 }));
  if (allowed.magic && !allowed.magic.some((m) => data.subarray(0, m.length).equals(m))) {
    throw validationError([problem('file', 'is not a real .{ext} file (its content does not match)', { ext })]);
  }
  if (!allowed.magic && (data.includes(0) || !isUtf8(data))) throw validationError([{ path: 'file', message: 'must be UTF-8 text' }]);
  return { contentType: allowed.contentType, filename: clean };
}

function isUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

export async function addAttachment(
  db: Kysely<Database>,
  user: UserRow,
  evidenceId: number,
  file: { filename: string; data: Buffer },
  clock: Clock = systemClock,
): Promise<AttachmentRow> {
  const checked = checkAttachment(file.filename, file.data);
  const sha256 = crypto.createHash('sha256').update(file.data).digest('hex');
  return inTransaction(db, async (trx) => {
    const item = await liveEvidence(trx).selectAll().where('id', '=', evidenceId).executeTakeFirst();
    if (!item) throw notFound('No such evidence item');
    assertAllowed(user, item, 'attach');
    const now = nowIso(clock);
    const row = await trx
      .insertInto('attachments')
      .values({ evidence_id: evidenceId, filename: checked.filename, content_type: checked.contentType, size_bytes: file.data.length, sha256, data: file.data, uploaded_by: user.id, uploaded_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: actorOf(user),
      action: 'evidence.attachment_added',
      entityType: 'evidence',
      entityId: evidenceId,
      content: { attachment: row.id, filename: checked.filename, content_type: checked.contentType, size_bytes: file.data.length, sha256 },
      at: now,
    });
    return row;
  });
}

/** The attachment if its evidence item is visible to the user, else 404. */
export async function attachmentForDownload(db: Kysely<Database>, user: UserRow, attachmentId: number): Promise<AttachmentRow> {
  const row = await db.selectFrom('attachments').selectAll().where('id', '=', attachmentId).executeTakeFirst();
  if (!row) throw notFound('No such attachment');
  const item = await liveEvidence(db).selectAll().where('id', '=', row.evidence_id).executeTakeFirst();
  if (!item || !mayRead(user, item)) throw notFound('No such attachment');
  return row;
}
