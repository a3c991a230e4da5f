// The evidence desk's pages, one module per part: browsing (lists, exports, one item and its documents), the
// evidence form (log, edit, correct), review (the queue and the review actions), attachments and bulk import.
// Every handler parses its request against a schema, calls one service function and renders.

import type { FastifyInstance } from 'fastify';
import { browseRoutes } from './browse';
import { formRoutes } from './form';
import { reviewRoutes } from './review';
import { attachmentRoutes } from './attachments';
import { importRoutes } from './import';

export async function evidenceRoutes(app: FastifyInstance) {
  await browseRoutes(app);
  await formRoutes(app);
  await reviewRoutes(app);
  await attachmentRoutes(app);
  await importRoutes(app);
}
