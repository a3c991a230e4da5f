// Review: the queue of submitted items, and the review actions on an item's page (submit, verify, reject,
// retract). A refused action is told on the item's page.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { renderPage } from '../../views/render';
import { localizeTree } from '../../framework/localize';
import { assertPathAndQueryValid, tryForm } from '../../views/form-errors';
import { reviewEvidence } from '../service';
import { EVIDENCE_WRITERS, REVIEWERS } from '../policy';
import { evidenceListing } from '../reading';
import { reviewPage } from '../pages';
import { EvidenceQuery, IdParams, ReasonBody } from '../schemas';
import { msg } from '../../i18n/messages';
import { refusalSaid } from './refusal';

const ACTIONS = [
  ['submit', EVIDENCE_WRITERS, msg('Submitted for review.')],
  ['verify', REVIEWERS, msg('Verified: it counts in the scores from now on.')],
  ['reject', REVIEWERS, msg('Rejected.')],
  ['retract', REVIEWERS, msg('Retracted: it no longer counts in the scores.')],
] as const;

export async function reviewRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/review', { config: { access: REVIEWERS }, schema: { querystring: EvidenceQuery } }, async (request, reply) => {
    const listing = await evidenceListing(db, request.user!, request.query, app.clock, 'queue');
    return renderPage(request, reply, 'evidence/review.hbs', reviewPage({ ...listing, tree: localizeTree(listing.tree, request.locale) }, request.query, request.user!, app.clock()));
  });

  for (const [action, access, done] of ACTIONS) {
    app.post(
      `/evidence/:id/${action}`,
      { attachValidation: true, config: { access }, schema: { params: IdParams, body: ReasonBody } },
      async (request, reply) => {
        assertPathAndQueryValid(request);
        const id = Number(request.params.id);
        const outcome = await tryForm(request, () => reviewEvidence(db, request.user!, id, action, request.body?.reason || null, app.clock));
        request.session.flash = outcome.ok ? done : msg('Not done: {reason}', { reason: refusalSaid(outcome.refusal) });
        return reply.redirect(`/evidence/${id}`, 303);
      },
    );
  }
}
