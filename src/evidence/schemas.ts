// Request schemas of the evidence pages and API: every query, path and body. Lengths are bounded here; the
// evidence rules themselves (required fields, dates, codes, the field limits) stay with validate-import, so a
// form shows their messages beside its fields and the API answers with the import format's paths.

import { Type, type Static } from '@sinclair/typebox';

import { CsrfField, optionalText } from '../http/schemas';

export { IdParams } from '../http/schemas';

const STATUSES = ['draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded'] as const;
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'] as const;
const SORTS = ['observed', 'logged'] as const;
const LIST_POSITION = '^([0-9]{4}-[0-9]{2}-[0-9]{2}[.])?[1-9][0-9]{0,14}$';

export const EvidenceQuery = Type.Object({
  framework: optionalText(64),
  benchmark: optionalText(64),
  pillar: optionalText(64),
  group: optionalText(64),
  status: Type.Optional(Type.Union([Type.Literal(''), ...STATUSES.map((s) => Type.Literal(s))])),
  tlp: Type.Optional(Type.Union([Type.Literal(''), ...TLPS.map((s) => Type.Literal(s))])),
  from: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'date' })])),
  to: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'date' })])),
  q: optionalText(200),
  evaluator: optionalText(320),
  older_than_days: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: '^[0-9]{1,4}$' })])),
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
  /** newest observed first (the default), or newest logged first */
  sort: Type.Optional(Type.Union([Type.Literal(''), ...SORTS.map((s) => Type.Literal(s))])),
  /** the page after (or before) an item: `<observed_on>.<id>` in the observed order, `<id>` in the logged one */
  after: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: LIST_POSITION })])),
  before: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: LIST_POSITION })])),
});
export type EvidenceQuery = Static<typeof EvidenceQuery>;

/**
 * Free text of a form field: far above every limit of the evidence rules (their messages are the ones a form
 * shows), below the form body limit.
 */
const FORM_TEXT = 200_000;
/** A code, date, grade or number typed into a form. */
const FORM_WORD = 1_000;
const formText = (maxLength = FORM_TEXT) => Type.Optional(Type.String({ maxLength }));

/** The evidence form (log, edit, correct). Finding rows post `finding_benchmark_N`, `finding_stance_N`, `finding_value_N`. */
export const EvidenceFormBody = Type.Object(
  {
    ...CsrfField,
    form_token: formText(200),
    /** which button: "submit" for review, else a draft */
    action: formText(FORM_WORD),
    title: formText(),
    summary: formText(),
    source: formText(),
    url: formText(),
    observed_on: formText(FORM_WORD),
    source_reliability: formText(FORM_WORD),
    credibility: formText(FORM_WORD),
    tlp: formText(FORM_WORD),
    ref: formText(),
    location: formText(),
    location_other: formText(),
    groups: Type.Optional(Type.Union([Type.String({ maxLength: FORM_WORD }), Type.Array(Type.String({ maxLength: FORM_WORD }), { maxItems: 200 })])),
  },
  { additionalProperties: false, patternProperties: { '^finding_(benchmark|stance|value)_[0-9]{1,2}$': Type.String({ maxLength: FORM_WORD }) } },
);
export type EvidenceFormBody = Static<typeof EvidenceFormBody>;

/** A review action from the item page: reject and retract carry a reason. */
export const ReasonBody = Type.Object({ ...CsrfField, reason: optionalText(4000) }, { additionalProperties: false });
export type ReasonBody = Static<typeof ReasonBody>;

/** A file part of a multipart body, as the multipart plugin hands it over (see app.ts). */
export const UploadedFile = Type.Unsafe<{ filename: string; data: Buffer }>({
  type: 'object',
  required: ['filename', 'data'],
  properties: { filename: { type: 'string', maxLength: 1000 } },
});

/** Attaching a document; a "file" that is not a file is answered on the item page, not with an error page. */
export const AttachmentBody = Type.Object(
  { ...CsrfField, file: Type.Optional(Type.Union([UploadedFile, Type.String({ maxLength: FORM_WORD })])) },
  { additionalProperties: false },
);
export type AttachmentBody = Static<typeof AttachmentBody>;

/** Bulk import: a CSV or JSON file, or the same text pasted. */
export const ImportBody = Type.Object(
  {
    ...CsrfField,
    format: optionalText(FORM_WORD),
    dry_run: optionalText(FORM_WORD),
    text: optionalText(16 * 1024 * 1024),
    file: Type.Optional(Type.Union([UploadedFile, Type.String({ maxLength: FORM_WORD })])),
  },
  { additionalProperties: false },
);
export type ImportBody = Static<typeof ImportBody>;

/**
 * `POST /api/v1/evidence` and corrections: one evidence object of the import format (checked by the evidence rules,
 * which name each field as the import format does), plus `framework` and `submit`.
 */
export const ApiEvidenceBody = Type.Object(
  { framework: optionalText(64), submit: Type.Optional(Type.Boolean()) },
  { additionalProperties: true },
);
export type ApiEvidenceBody = Static<typeof ApiEvidenceBody>;

/** A review action through the API: no body, or an object with an optional reason. */
export const ApiReasonBody = Type.Union([
  Type.Null(),
  Type.Object({ reason: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])) }, { additionalProperties: true }),
]);
export type ApiReasonBody = Static<typeof ApiReasonBody>;
