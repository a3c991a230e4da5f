// Bulk import of evidence from a CSV or JSON file (or pasted text): a dry run lists every problem; a file with
// any problem writes nothing.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { renderPage } from '../../views/render';
import { schemaRefusal } from '../../views/form-errors';
import { frameworkTreeFor } from '../../framework/repository';
import { bulkImportEvidence } from '../bulk-import';
import { UPLOAD_BODY_LIMIT, UPLOAD_MULTIPART_OPTIONS } from '../attachments';
import { EVIDENCE_WRITERS } from '../policy';
import { importPage } from '../pages';
import { ImportBody } from '../schemas';
import { msg } from '../../i18n/messages';

export async function importRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/evidence/import', { config: { access: EVIDENCE_WRITERS } }, async (request, reply) =>
    renderPage(request, reply, 'evidence/import.hbs', importPage(await frameworkTreeFor(db, undefined))),
  );

  app.post(
    '/evidence/import',
    { bodyLimit: UPLOAD_BODY_LIMIT, attachValidation: true, config: { access: EVIDENCE_WRITERS, multipartOptions: UPLOAD_MULTIPART_OPTIONS }, schema: { body: ImportBody } },
    async (request, reply) => {
      const tree = await frameworkTreeFor(db, undefined);
      const body = request.body ?? {};
      const file = typeof body.file === 'object' ? body.file : undefined;
      // a body the schema refused is shown back: only what is text (a JSON body may put an object here)
      const pasted = typeof body.text === 'string' ? body.text : '';
      const format = body.format === 'json' || (file?.filename ?? '').toLowerCase().endsWith('.json') ? 'json' : 'csv';
      const dryRun = body.dry_run === 'on' || body.dry_run === 'true';
      const shown = { format, dryRun, text: file ? '' : pasted };
      const invalid = schemaRefusal(request);
      if (invalid) {
        reply.status(invalid.status);
        return renderPage(request, reply, 'evidence/import.hbs', importPage(tree, { ...shown, result: { ok: false, errors: invalid.problems } }));
      }
      const text = file && Buffer.isBuffer(file.data) && file.data.length > 0 ? file.data.toString('utf8') : pasted;
      const result = await bulkImportEvidence(db, request.user!, { format, text, dryRun, framework: tree.code }, app.clock);
      if (result.ok && !dryRun) {
        request.session.flash = msg('Imported {count, plural, one {# item; it awaits} other {# items; they await}} review by another reviewer.', { count: result.created });
        return reply.redirect('/evidence?status=submitted', 303);
      }
      if (!result.ok) reply.status(400);
      return renderPage(request, reply, 'evidence/import.hbs', importPage(tree, { ...shown, result }));
    },
  );
}
