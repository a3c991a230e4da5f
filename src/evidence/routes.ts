// The evidence desk pages: browse and search, log (draft or submit), edit drafts, review queue, review
// actions, corrections, attachments, bulk import, and exports. Every page checks need-to-know on the server.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { AppError, notFound } from '../errors';
import { renderPage } from '../views/render';
import { resolveFramework, loadFrameworkTree, type FrameworkTree } from '../framework/repository';
import { createEvidence, reviewEvidence, updateDraft, type InTransaction } from './service';
import { assertReadable as assertCanSee, EVIDENCE_WRITERS, REVIEWERS } from './policy';
import { consumeFormToken, formTokenOf, itemSavedWithToken, newFormToken } from './form-tokens';
import { RESTORED_NOTICE, takeSavedForm } from '../auth/saved-forms';
import { evidenceHistory, findEvidence, listEvidence, loadEvidenceDetail, type EvidenceDetail, type EvidencePage } from './repository';
import { evidenceCsv, evidenceJson } from './present';
import { detailToForm, formErrors, formToInput, formView, type FormValues } from './form';
import { EvidenceQuery, IdParams } from './schemas';
import { filtersFromQuery, pageWindow } from './query';
import { addAttachment, attachmentForDownload, ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, UPLOAD_BODY_LIMIT, UPLOAD_MULTIPART_OPTIONS } from './attachments';
import { bulkImportEvidence, CSV_HEADER } from './bulk-import';
import type { UserRow } from '../db/schema';

const MAX_EXPORT = 10_000;
const STATUSES = ['draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded'];
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function queryString(q: Record<string, string | undefined>, override: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...override })) if (v) params.set(k, v);
  return params.toString();
}

function filterChoices(tree: FrameworkTree, q: EvidenceQuery) {
  return {
    benchmarks: tree.pillars.flatMap((p) => p.benchmarks).map((b) => ({ code: b.code, label: `${b.code} · ${b.title}`, selected: q.benchmark === b.code })),
    pillars: tree.pillars.map((p) => ({ code: p.code, label: p.name, selected: q.pillar === p.code })),
    groups: tree.groups.map((g) => ({ code: g.code, label: g.name, selected: q.group === g.code })),
    statuses: STATUSES.map((s) => ({ code: s, label: s, selected: q.status === s })),
    tlps: TLPS.map((s) => ({ code: s, label: s, selected: q.tlp === s })),
  };
}

function itemSummary(detail: EvidenceDetail) {
  return { ...evidenceJson(detail, null), findingsText: detail.findings.map((f) => `${f.benchmark} ${f.kind === 'assessment' ? (f.stance! > 0 ? `+${f.stance}` : f.stance) : `= ${f.value}`}`).join(', ') };
}

const IGNORED_FILTER_WORDS: Record<string, string> = { q: 'text', createdBy: 'evaluator', tlp: 'marking', submittedBefore: 'waiting time' };

/** "text and evaluator": the filters a restricted count ignored, in words for the page. */
function ignoredFilters(page: EvidencePage): string {
  const words = page.restrictedIgnores.map((k) => IGNORED_FILTER_WORDS[k] ?? k);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function may(user: UserRow, roles: readonly string[]) {
  return roles.includes(user.role);
}

export async function evidenceRoutes(app: FastifyInstance) {
  const db = app.db.kysely;

  async function frameworkTree(code?: string) {
    return loadFrameworkTree(db, await resolveFramework(db, code));
  }

  // ---- browse, search, export -------------------------------------------------------------------------
  app.get<{ Querystring: EvidenceQuery }>(
    '/evidence',
    { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } },
    async (request, reply) => {
      const tree = await frameworkTree(request.query.framework);
      const filters = await filtersFromQuery(db, request.query, app.clock);
      filters.frameworkId = tree.id;
      const window = pageWindow(request.query);
      const page = await listEvidence(db, request.user!, filters, window);
      const details = await Promise.all(page.items.map((row) => loadEvidenceDetail(db, row, request.user!)));
      const q = { ...request.query, page: undefined } as Record<string, string | undefined>;
      const pages = Math.max(1, Math.ceil(page.total / window.limit));
      return renderPage(request, reply, 'evidence/list.hbs', {
        title: 'Evidence',
        query: request.query,
        choices: filterChoices(tree, request.query),
        items: details.map(itemSummary),
        total: page.total,
        restricted: page.restricted,
        restrictedIgnored: ignoredFilters(page),
        page: window.page,
        pages,
        prevHref: window.page > 1 ? `/evidence?${queryString(q, { page: String(window.page - 1) })}` : null,
        nextHref: window.page < pages ? `/evidence?${queryString(q, { page: String(window.page + 1) })}` : null,
        csvHref: `/evidence/export.csv?${queryString(q)}`,
        jsonHref: `/evidence/export.json?${queryString(q)}`,
        canLog: may(request.user!, EVIDENCE_WRITERS),
      });
    },
  );

  async function exportItems(request: FastifyRequest<{ Querystring: EvidenceQuery }>) {
    const tree = await frameworkTree(request.query.framework);
    const filters = await filtersFromQuery(db, request.query, app.clock);
    filters.frameworkId = tree.id;
    const page = await listEvidence(db, request.user!, filters, { offset: 0, limit: MAX_EXPORT });
    const details = await Promise.all(page.items.map((row) => loadEvidenceDetail(db, row, request.user!)));
    return { tree, page, items: details.map((d) => evidenceJson(d, null)) };
  }

  app.get<{ Querystring: EvidenceQuery }>(
    '/evidence/export.csv',
    { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } },
    async (request, reply) => {
      const { tree, items } = await exportItems(request);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${tree.code}-evidence.csv"`)
        .type('text/csv; charset=utf-8')
        .send(evidenceCsv(items));
    },
  );

  app.get<{ Querystring: EvidenceQuery }>(
    '/evidence/export.json',
    { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } },
    async (request, reply) => {
      const { tree, page, items } = await exportItems(request);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${tree.code}-evidence.json"`)
        .type('application/json; charset=utf-8')
        .send({ framework: tree.code, exported_at: app.clock().toISOString(), total: page.total, restricted: page.restricted, evidence: items });
    },
  );

  // ---- log new evidence ---------------------------------------------------------------------------------
  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: {
      tree: FrameworkTree;
      values: FormValues;
      errors?: Record<string, string>;
      summary?: { field: string; message: string }[];
      /** the status of a re-rendered form with problems (400, or 409 for a ref already used) */
      status?: number;
      mode: 'new' | 'edit' | 'correct';
      item?: EvidenceDetail;
      /** the one-time token of this form: the posted one when it is shown again, else a new one */
      formToken?: string;
      /** the values come from a form kept across an expired session */
      restored?: boolean;
    },
  ) {
    const title = opts.mode === 'new' ? 'Log evidence' : opts.mode === 'edit' ? `Edit draft #${opts.item!.row.id}` : `Correct item #${opts.item!.row.id}`;
    const action = opts.mode === 'new' ? '/evidence/new' : `/evidence/${opts.item!.row.id}/${opts.mode}`;
    if (opts.summary?.length) reply.status(opts.status ?? 400);
    return renderPage(request, reply, 'evidence/form.hbs', {
      title,
      action,
      mode: opts.mode,
      item: opts.item ? { id: opts.item.row.id, title: opts.item.row.title } : null,
      framework: { code: opts.tree.code, name: opts.tree.name },
      form: formView(opts.tree, opts.values, opts.errors),
      formToken: opts.formToken ?? newFormToken(),
      restoredNotice: opts.restored ? RESTORED_NOTICE : null,
      errorSummary: opts.summary ?? [],
      maxMiB: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      extensions: ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(', '),
    });
  }

  app.get('/evidence/new', { config: { access: EVIDENCE_WRITERS } }, async (request, reply) => {
    const tree = await frameworkTree();
    const restored = await takeSavedForm(app, request, reply);
    const values = restored ?? { tlp: 'AMBER', observed_on: app.clock().toISOString().slice(0, 10) };
    return renderForm(request, reply, { tree, values, mode: 'new', restored: restored !== null });
  });

  /**
   * Saves a posted evidence form once per form token (a resubmission leads to the item already saved); on bad fields
   * re-renders it with the messages and everything typed.
   */
  async function saveForm(
    request: FastifyRequest<{ Body: Record<string, unknown> }>,
    reply: FastifyReply,
    form: { tree: FrameworkTree; mode: 'new' | 'edit' | 'correct'; item?: EvidenceDetail },
    save: (input: Record<string, unknown>, submit: boolean, inTransaction: InTransaction | undefined) => Promise<{ id: number; flash: string }>,
  ) {
    const user = request.user!;
    const token = formTokenOf(request.body);
    const alreadySaved = async () => {
      const id = token === null ? null : await itemSavedWithToken(db, user.id, token, app.clock);
      if (id === null) return null;
      request.session.flash = `This form was already saved as #${id}`;
      return reply.redirect(`/evidence/${id}`, 303);
    };
    const earlier = await alreadySaved();
    if (earlier) return earlier;
    const { input, rowOfFinding } = formToInput(request.body ?? {});
    const path = request.url.split('?')[0];
    try {
      const consume = token === null ? undefined : consumeFormToken(user.id, token, path, request.body ?? {}, app.clock);
      const saved = await save(input, str(request.body?.action) === 'submit', consume);
      request.session.flash = saved.flash;
      return reply.redirect(`/evidence/${saved.id}`, 303);
    } catch (err) {
      // the same form sent twice at once (a double click): the save that committed first wins (if the look-up
      // fails too, the original error is the one to report)
      const winner = await alreadySaved().catch(() => null);
      if (winner) return winner;
      // bad fields, or a ref already used (409): the form again, with the message beside the field
      const fieldConflict = err instanceof AppError && err.code === 'CONFLICT' && err.fields !== undefined;
      if (!(err instanceof AppError) || (err.code !== 'VALIDATION' && !fieldConflict)) throw err;
      const { byField, summary } = formErrors(err.fields ?? [], rowOfFinding);
      return renderForm(request, reply, { ...form, values: (request.body ?? {}) as FormValues, errors: byField, summary, status: err.status, formToken: token ?? undefined });
    }
  }

  app.post<{ Body: Record<string, unknown> }>('/evidence/new', { config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true } }, async (request, reply) => {
    const tree = await frameworkTree();
    return saveForm(request, reply, { tree, mode: 'new' }, async (input, submit, inTransaction) => {
      const row = await createEvidence(db, request.user!, tree.code, input, { submit, inTransaction }, app.clock);
      return { id: row.id, flash: row.status === 'draft' ? 'Draft saved. Only you can see it until you submit it.' : 'Submitted for review by another reviewer.' };
    });
  });

  // ---- one item -----------------------------------------------------------------------------------------
  async function visibleDetail(request: FastifyRequest<{ Params: IdParams }>) {
    const row = await findEvidence(db, Number(request.params.id));
    if (!row) throw notFound('No such evidence item');
    assertCanSee(request.user!, row);
    return loadEvidenceDetail(db, row, request.user!);
  }

  app.get<{ Params: IdParams }>('/evidence/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const detail = await visibleDetail(request);
    const user = request.user!;
    const r = detail.row;
    const history = await evidenceHistory(db, r.id, request.user!);
    const tree = await loadFrameworkTree(db, (await db.selectFrom('frameworks').selectAll().where('id', '=', r.framework_id).executeTakeFirstOrThrow()));
    const benchmarks = new Map(tree.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b]));
    const isAuthor = r.created_by === user.id;
    const isReviewer = may(user, REVIEWERS);
    return renderPage(request, reply, 'evidence/show.hbs', {
      title: `Evidence #${r.id}: ${r.title}`,
      item: evidenceJson(detail, null),
      findings: detail.findings.map((f) => ({ ...f, baseline: benchmarks.get(f.benchmark)?.baseline, target: benchmarks.get(f.benchmark)?.target })),
      attachments: detail.attachments,
      history: history.map((h) => ({ ...h, reason: typeof h.details.reason === 'string' ? h.details.reason : null, detailsText: describeHistory(h.action, h.details) })),
      showLogEntries: user.role === 'admin',
      correctedBy: detail.correctedBy,
      can: {
        edit: isAuthor && r.status === 'draft',
        submit: isAuthor && r.status === 'draft',
        review: isReviewer && !isAuthor && r.status === 'submitted',
        ownSubmitted: isAuthor && r.status === 'submitted' && isReviewer,
        retract: isReviewer && r.status === 'verified',
        correct: may(user, EVIDENCE_WRITERS) && r.status === 'verified',
        attach: isAuthor && (r.status === 'draft' || r.status === 'submitted'),
      },
      maxMiB: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      extensions: ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(', '),
    });
  });

  app.get<{ Params: IdParams }>('/evidence/:id/edit', { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams } }, async (request, reply) => {
    const detail = await visibleDetail(request);
    if (detail.row.created_by !== request.user!.id || detail.row.status !== 'draft') throw new AppError('CONFLICT', 'Only your own drafts can be edited');
    const tree = await frameworkTree(detail.framework);
    const restored = await takeSavedForm(app, request, reply);
    return renderForm(request, reply, { tree, values: restored ?? detailToForm(detail), mode: 'edit', item: detail, restored: restored !== null });
  });

  app.post<{ Params: IdParams; Body: Record<string, unknown> }>(
    '/evidence/:id/edit',
    { config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true }, schema: { params: IdParams } },
    async (request, reply) => {
      const detail = await visibleDetail(request);
      const tree = await frameworkTree(detail.framework);
      return saveForm(request, reply, { tree, mode: 'edit', item: detail }, async (input, submit, inTransaction) => {
        const row = await updateDraft(db, request.user!, detail.row.id, input, submit, app.clock, { inTransaction });
        return { id: row.id, flash: row.status === 'draft' ? 'Draft saved.' : 'Submitted for review by another reviewer.' };
      });
    },
  );

  app.get<{ Params: IdParams }>('/evidence/:id/correct', { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams } }, async (request, reply) => {
    const detail = await visibleDetail(request);
    if (detail.row.status !== 'verified') throw new AppError('CONFLICT', 'Only a verified item can be corrected');
    const tree = await frameworkTree(detail.framework);
    const restored = await takeSavedForm(app, request, reply);
    const values = restored ?? { ...detailToForm(detail), ref: '' };
    return renderForm(request, reply, { tree, values, mode: 'correct', item: detail, restored: restored !== null });
  });

  app.post<{ Params: IdParams; Body: Record<string, unknown> }>(
    '/evidence/:id/correct',
    { config: { access: EVIDENCE_WRITERS, keepsFormOnExpiry: true }, schema: { params: IdParams } },
    async (request, reply) => {
      const detail = await visibleDetail(request);
      const tree = await frameworkTree(detail.framework);
      return saveForm(request, reply, { tree, mode: 'correct', item: detail }, async (input, submit, inTransaction) => {
        const row = await createEvidence(db, request.user!, tree.code, input, { submit, supersedes: detail.row.id, inTransaction }, app.clock);
        return { id: row.id, flash: `Correction #${row.id} created. It replaces #${detail.row.id} once another reviewer verifies it.` };
      });
    },
  );

  // ---- review actions -----------------------------------------------------------------------------------
  const actions = [
    ['submit', EVIDENCE_WRITERS, 'Submitted for review.'],
    ['verify', REVIEWERS, 'Verified: it counts in the scores from now on.'],
    ['reject', REVIEWERS, 'Rejected.'],
    ['retract', REVIEWERS, 'Retracted: it no longer counts in the scores.'],
  ] as const;
  for (const [action, access, message] of actions) {
    app.post<{ Params: IdParams; Body: Record<string, unknown> }>(
      `/evidence/:id/${action}`,
      { config: { access }, schema: { params: IdParams } },
      async (request, reply) => {
        const id = Number(request.params.id);
        try {
          await reviewEvidence(db, request.user!, id, action, str(request.body?.reason) || null, app.clock);
          request.session.flash = message;
        } catch (err) {
          if (!(err instanceof AppError) || err.code !== 'VALIDATION') throw err;
          request.session.flash = `Not done: ${err.message}`;
          reply.status(303);
        }
        return reply.redirect(`/evidence/${id}`, 303);
      },
    );
  }

  // ---- review queue -------------------------------------------------------------------------------------
  app.get<{ Querystring: EvidenceQuery }>(
    '/review',
    { config: { access: REVIEWERS }, schema: { querystring: EvidenceQuery } },
    async (request, reply) => {
      const tree = await frameworkTree(request.query.framework);
      const filters = await filtersFromQuery(db, { ...request.query, status: 'submitted' }, app.clock);
      filters.frameworkId = tree.id;
      const window = pageWindow(request.query);
      const page = await listEvidence(db, request.user!, filters, window);
      const details = await Promise.all(page.items.map((row) => loadEvidenceDetail(db, row, request.user!)));
      const now = app.clock().getTime();
      const pages = Math.max(1, Math.ceil(page.total / window.limit));
      const q = { ...request.query, page: undefined } as Record<string, string | undefined>;
      return renderPage(request, reply, 'evidence/review.hbs', {
        title: 'Review queue',
        query: request.query,
        choices: filterChoices(tree, request.query),
        items: details.map((d) => ({
          ...itemSummary(d),
          own: d.row.created_by === request.user!.id,
          ageDays: d.row.submitted_at ? Math.floor((now - Date.parse(d.row.submitted_at)) / 86_400_000) : null,
        })),
        total: page.total,
        restricted: page.restricted,
        restrictedIgnored: ignoredFilters(page),
        page: window.page,
        pages,
        prevHref: window.page > 1 ? `/review?${queryString(q, { page: String(window.page - 1) })}` : null,
        nextHref: window.page < pages ? `/review?${queryString(q, { page: String(window.page + 1) })}` : null,
      });
    },
  );

  // ---- attachments --------------------------------------------------------------------------------------
  app.post<{ Params: IdParams; Body: Record<string, unknown> }>(
    '/evidence/:id/attachments',
    { bodyLimit: UPLOAD_BODY_LIMIT, config: { access: EVIDENCE_WRITERS, multipartOptions: UPLOAD_MULTIPART_OPTIONS }, schema: { params: IdParams } },
    async (request, reply) => {
      const id = Number(request.params.id);
      const file = request.body?.file as { filename: string; data: Buffer } | undefined;
      if (!file || typeof file !== 'object' || !Buffer.isBuffer(file.data)) {
        request.session.flash = 'Not done: choose a file to attach.';
        return reply.redirect(`/evidence/${id}`, 303);
      }
      try {
        const row = await addAttachment(db, request.user!, id, file, app.clock);
        request.session.flash = `Attached ${row.filename} (SHA-256 ${row.sha256}).`;
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== 'VALIDATION' && err.code !== 'PAYLOAD_TOO_LARGE')) throw err;
        request.session.flash = `Not attached: ${err.message}`;
      }
      return reply.redirect(`/evidence/${id}`, 303);
    },
  );

  app.get<{ Params: IdParams }>('/attachments/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
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

  // ---- bulk import --------------------------------------------------------------------------------------
  app.get('/evidence/import', { config: { access: EVIDENCE_WRITERS } }, async (request, reply) => {
    const tree = await frameworkTree();
    return renderPage(request, reply, 'evidence/import.hbs', { title: 'Import evidence', framework: tree.code, csvHeader: CSV_HEADER.join(','), format: 'csv', dryRun: true });
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/evidence/import',
    { bodyLimit: UPLOAD_BODY_LIMIT, config: { access: EVIDENCE_WRITERS, multipartOptions: UPLOAD_MULTIPART_OPTIONS } },
    async (request, reply) => {
      const tree = await frameworkTree();
      const body = request.body ?? {};
      const file = body.file as { filename: string; data: Buffer } | undefined;
      const pasted = str(body.text);
      const text = file && Buffer.isBuffer(file.data) && file.data.length > 0 ? file.data.toString('utf8') : pasted;
      const format = str(body.format) === 'json' || (file?.filename ?? '').toLowerCase().endsWith('.json') ? 'json' : 'csv';
      const dryRun = str(body.dry_run) === 'on' || str(body.dry_run) === 'true';
      const result = await bulkImportEvidence(db, request.user!, { format, text, dryRun, framework: tree.code }, app.clock);
      if (result.ok && !dryRun) {
        request.session.flash = `Imported ${result.created} items; they await review by another reviewer.`;
        return reply.redirect('/evidence?status=submitted', 303);
      }
      if (!result.ok) reply.status(400);
      return renderPage(request, reply, 'evidence/import.hbs', { title: 'Import evidence', framework: tree.code, csvHeader: CSV_HEADER.join(','), result, format, dryRun, text: file ? '' : pasted });
    },
  );
}

function describeHistory(action: string, details: Record<string, unknown>): string {
  switch (action) {
    case 'correction_proposed':
      return `correction #${String(details.correction)} proposed`;
    case 'superseded':
      return `replaced by verified correction #${String(details.by)}`;
    case 'attachment_added':
      return `${String(details.filename)} (${String(details.size_bytes)} bytes, SHA-256 ${String(details.sha256)})`;
    case 'imported':
    case 'import_updated': {
      // the full version for those who may read it, else only its review dates (see redactVersion)
      const item = (details.item ?? details) as { verifiedAt?: string | null; retractedAt?: string | null };
      return [item.verifiedAt ? `verified ${item.verifiedAt.slice(0, 16).replace('T', ' ')} UTC (by import)` : 'awaiting review', item.retractedAt ? `retracted ${item.retractedAt.slice(0, 16).replace('T', ' ')} UTC` : '']
        .filter(Boolean)
        .join('; ');
    }
    case 'correction_created':
      return `corrects #${String(details.supersedes)}`;
    default:
      return '';
  }
}

