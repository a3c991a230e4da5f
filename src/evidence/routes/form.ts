// The evidence form: log new evidence (draft or submitted), edit one's own draft, propose a correction of a
// verified item. Each form is saved once per form token; a form refused for what was typed is shown again with
// each problem beside its field and everything typed kept.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { renderPage } from '../../views/render';
import { localizeTree } from '../../framework/localize';
import { assertPathAndQueryValid, formRefusal, schemaRefusal, type FormRefusal } from '../../views/form-errors';
import { takeSavedForm } from '../../auth/saved-forms';
import { frameworkTreeFor, type FrameworkTree } from '../../framework/repository';
import { createEvidence, updateDraft, type InTransaction } from '../service';
import { EVIDENCE_WRITERS } from '../policy';
import { itemForForm, itemForPostedForm } from '../reading';
import { consumeFormToken, formTokenOf, itemSavedWithToken, newFormToken } from '../form-tokens';
import { detailToForm, formErrors, formToInput, FINDING_ROWS, type FormValues } from '../form';
import { formPage, type FormMode, type FormPageInput } from '../pages';
import type { EvidenceDetail } from '../repository';
import { EvidenceFormBody, IdParams } from '../schemas';
import { normaliseTypedNumbers } from '../typed-numbers';
import { msg, type Message } from '../../i18n/messages';

type Saver = (input: Record<string, unknown>, submit: boolean, inTransaction: InTransaction | undefined) => Promise<{ id: number; flash: Message }>;

/** A schema problem of a finding row's field (`finding_value_2`) as the evidence rules name it (`findings[2].value`). */
const asFindingPath = (path: string) => path.replace(/^finding_(benchmark|stance|value)_(\d+)$/, 'findings[$2].$1');
const EVERY_ROW = Array.from({ length: FINDING_ROWS }, (_, i) => i);

export async function formRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  function renderForm(request: FastifyRequest, reply: FastifyReply, input: FormPageInput, status = 400) {
    if (input.summary?.length) reply.status(status);
    return renderPage(request, reply, 'evidence/form.hbs', formPage({ ...input, tree: localizeTree(input.tree, request.locale) }));
  }

  /** A form page to fill in: the stored values (or none), or those of a form kept across an expired session. */
  async function openForm(request: FastifyRequest, reply: FastifyReply, form: { tree: FrameworkTree; mode: FormMode; item?: EvidenceDetail }, stored: FormValues) {
    const restored = await takeSavedForm(fastify, request, reply);
    return renderForm(request, reply, { ...form, values: restored ?? stored, restored: restored !== null, formToken: newFormToken() });
  }

  /**
   * Saves a posted evidence form once per form token (a resubmission leads to the item already saved); a form
   * refused for what was typed is shown again with the messages, everything typed and its token.
   */
  async function saveForm(request: FastifyRequest, reply: FastifyReply, posted: EvidenceFormBody | undefined, form: { tree: FrameworkTree; mode: FormMode; item?: EvidenceDetail }, save: Saver) {
    const user = request.user!;
    const body = posted ?? {};
    const token = formTokenOf(body);
    const alreadySaved = async () => {
      const id = token === null ? null : await itemSavedWithToken(db, user.id, token, app.clock);
      if (id === null) return null;
      request.session.flash = msg('This form was already saved as #{id}', { id: String(id) });
      return reply.redirect(`/evidence/${id}`, 303);
    };
    const again = (refusal: FormRefusal, rowOfFinding: number[]) => {
      const { byField, summary } = formErrors(refusal.problems, rowOfFinding);
      return renderForm(request, reply, { ...form, values: body as FormValues, errors: byField, summary, formToken: token ?? newFormToken() }, refusal.status);
    };
    const earlier = await alreadySaved();
    if (earlier) return earlier;
    const invalid = schemaRefusal(request);
    if (invalid) return again({ ...invalid, problems: invalid.problems.map((p) => ({ ...p, path: asFindingPath(p.path) })) }, EVERY_ROW);
    // numbers and dates typed in the reader's digits and decimal sign, as the evidence rules read them
    const { input, rowOfFinding } = formToInput(normaliseTypedNumbers(body as Record<string, unknown>, request.locale));
    const path = request.url.split('?')[0];
    try {
      const consume = token === null ? undefined : consumeFormToken(user.id, token, path, body, app.clock);
      const saved = await save(input, body.action === 'submit', consume);
      request.session.flash = saved.flash;
      return reply.redirect(`/evidence/${saved.id}`, 303);
    } catch (err) {
      // the same form sent twice at once (a double click): the save that committed first wins (if the look-up
      // fails too, the original error is the one to report)
      const winner = await alreadySaved().catch(() => null);
      if (winner) return winner;
      // bad fields, or a ref already used (409): the form again, with the message beside the field
      const refusal = formRefusal(err, { also: ['CONFLICT'], alsoWithFieldsOnly: true });
      if (!refusal) throw err;
      return again(refusal, rowOfFinding);
    }
  }

  // ---- log new evidence
  app.get('/evidence/new', { config: { access: EVIDENCE_WRITERS } }, async (request, reply) =>
    openForm(request, reply, { tree: await frameworkTreeFor(db, undefined), mode: 'new' }, { tlp: 'AMBER', observed_on: app.clock().toISOString().slice(0, 10) }),
  );

  app.post(
    '/evidence/new',
    { attachValidation: true, config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true }, schema: { body: EvidenceFormBody } },
    async (request, reply) => {
      const tree = await frameworkTreeFor(db, undefined);
      return saveForm(request, reply, request.body, { tree, mode: 'new' }, async (input, submit, inTransaction) => {
        const row = await createEvidence(db, request.user!, tree.code, input, { submit, inTransaction }, app.clock);
        return { id: row.id, flash: row.status === 'draft' ? msg('Draft saved. Only you can see it until you submit it.') : msg('Submitted for review by another reviewer.') };
      });
    },
  );

  // ---- edit one's own draft
  app.get('/evidence/:id/edit', { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams } }, async (request, reply) => {
    const { tree, detail } = await itemForForm(db, request.user!, Number(request.params.id), 'edit');
    return openForm(request, reply, { tree, mode: 'edit', item: detail }, detailToForm(detail));
  });

  app.post(
    '/evidence/:id/edit',
    { attachValidation: true, config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true }, schema: { params: IdParams, body: EvidenceFormBody } },
    async (request, reply) => {
      assertPathAndQueryValid(request);
      const { tree, detail } = await itemForPostedForm(db, request.user!, Number(request.params.id));
      return saveForm(request, reply, request.body, { tree, mode: 'edit', item: detail }, async (input, submit, inTransaction) => {
        const row = await updateDraft(db, request.user!, detail.row.id, input, submit, app.clock, { inTransaction });
        return { id: row.id, flash: row.status === 'draft' ? msg('Draft saved.') : msg('Submitted for review by another reviewer.') };
      });
    },
  );

  // ---- propose a correction of a verified item
  app.get('/evidence/:id/correct', { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams } }, async (request, reply) => {
    const { tree, detail } = await itemForForm(db, request.user!, Number(request.params.id), 'correct');
    return openForm(request, reply, { tree, mode: 'correct', item: detail }, { ...detailToForm(detail), ref: '' });
  });

  app.post(
    '/evidence/:id/correct',
    { attachValidation: true, config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true }, schema: { params: IdParams, body: EvidenceFormBody } },
    async (request, reply) => {
      assertPathAndQueryValid(request);
      const { tree, detail } = await itemForPostedForm(db, request.user!, Number(request.params.id));
      return saveForm(request, reply, request.body, { tree, mode: 'correct', item: detail }, async (input, submit, inTransaction) => {
        const row = await createEvidence(db, request.user!, tree.code, input, { submit, supersedes: detail.row.id, inTransaction }, app.clock);
        return { id: row.id, flash: msg('Correction #{id} created. It replaces #{original} once another reviewer verifies it.', { id: String(row.id), original: String(detail.row.id) }) };
      });
    },
  );
}
