// Documents: attaching one to an item (its author, before verification), and downloading one (whoever may read
// the item), only ever as a download.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { assertPathAndQueryValid, tryForm } from '../../views/form-errors';
import { addAttachment, attachmentForDownload, UPLOAD_BODY_LIMIT, UPLOAD_MULTIPART_OPTIONS } from '../attachments';
import { EVIDENCE_WRITERS } from '../policy';
import { AttachmentBody, IdParams } from '../schemas';
import { msg } from '../../i18n/messages';
import { refusalSaid } from './refusal';

const isUploadedFile = (file: unknown): file is { filename: string; data: Buffer } =>
  typeof file === 'object' && file !== null && Buffer.isBuffer((file as { data?: unknown }).data);

export async function attachmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.post(
    '/evidence/:id/attachments',
    { bodyLimit: UPLOAD_BODY_LIMIT, attachValidation: true, config: { access: EVIDENCE_WRITERS, multipartOptions: UPLOAD_MULTIPART_OPTIONS }, schema: { params: IdParams, body: AttachmentBody } },
    async (request, reply) => {
      assertPathAndQueryValid(request);
      const id = Number(request.params.id);
      const file = request.body?.file;
      if (!request.validationError && !isUploadedFile(file)) {
        request.session.flash = msg('Not done: choose a file to attach.');
        return reply.redirect(`/evidence/${id}`, 303);
      }
      // a refusal without fields (the file too large) is said as it is
      const outcome = await tryForm(request, () => addAttachment(db, request.user!, id, file as { filename: string; data: Buffer }, app.clock), { also: ['PAYLOAD_TOO_LARGE'], field: '' });
      request.session.flash = outcome.ok
        ? msg('Attached {filename} (SHA-256 {sha256}).', { filename: outcome.value.filename, sha256: outcome.value.sha256 })
        : msg('Not attached: {reason}', { reason: refusalSaid(outcome.refusal) });
      return reply.redirect(`/evidence/${id}`, 303);
    },
  );

  app.get('/attachments/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const row = await attachmentForDownload(db, request.user!, Number(request.params.id));
    const asciiName = row.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    return reply
      .header('content-disposition', `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(row.filename)}`)
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-sha256', row.sha256)
      .type('application/octet-stream')
      .send(Buffer.from(row.data));
  });
}
