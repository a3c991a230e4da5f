// The evidence web form: turning posted fields into an evidence object, and validation errors and stored
// items back into field values and messages for re-rendering.

import { messageOf, type FieldProblem } from '../errors';
import { msg, type Message } from '../i18n/messages';
import { locationsOf, type FrameworkTree } from '../framework/repository';
import type { EvidenceDetail } from './repository';

export const FINDING_ROWS = 4;

/** Source reliability (the Admiralty / NATO grading): the letter stays Latin, its meaning is translated. */
export const RELIABILITY_GRADES: readonly (readonly [string, Message])[] = [
  ['A', msg('A: completely reliable')],
  ['B', msg('B: usually reliable')],
  ['C', msg('C: fairly reliable')],
  ['D', msg('D: not usually reliable')],
  ['E', msg('E: unreliable')],
  ['F', msg('F: reliability cannot be judged')],
];

/** Credibility of the information (the Admiralty / NATO grading). */
export const CREDIBILITY_GRADES: readonly (readonly [string, Message])[] = [
  ['1', msg('1: confirmed by other sources')],
  ['2', msg('2: probably true')],
  ['3', msg('3: possibly true')],
  ['4', msg('4: doubtful')],
  ['5', msg('5: improbable')],
  ['6', msg('6: truth cannot be judged')],
];

/** TLP markings: the labels stay in English (TLP 2.0), who may read is translated. */
export const TLP_CHOICES: readonly (readonly [string, Message])[] = [
  ['CLEAR', msg('TLP:CLEAR: every signed-in user')],
  ['GREEN', msg('TLP:GREEN: every signed-in user')],
  ['AMBER', msg('TLP:AMBER: your delegation, reviewers and admins')],
  ['RED', msg('TLP:RED: you, the reviewer who handles it, and admins')],
];

export const STANCES: readonly (readonly [string, Message])[] = [
  ['2', msg('+2 strong compliance')],
  ['1', msg('+1 compliance')],
  ['0', msg('0 mixed')],
  ['-1', msg('−1 non-compliance')],
  ['-2', msg('−2 serious non-compliance')],
];

/** Messages one after another, separated by semicolons ("a; b; c"), as one message. */
export function semicolonList(messages: (Message | string)[]): Message | string {
  if (messages.length === 0) return '';
  return messages.slice(1).reduce<Message | string>((all, next) => msg('{first}; {next}', { first: all, next }), messages[0]);
}

/** How the form's summary names a field (the evidence rules' own names, in words). */
const FIELD_LABELS: Record<string, Message> = {
  form: msg('form'),
  title: msg('title'),
  summary: msg('summary'),
  source: msg('source'),
  url: msg('url'),
  observed_on: msg('observed on'),
  source_reliability: msg('source reliability'),
  credibility: msg('credibility'),
  tlp: msg('tlp'),
  ref: msg('ref'),
  location: msg('location'),
  groups: msg('groups'),
  findings: msg('findings'),
};

function findingLabel(row: number, part: string | undefined): Message {
  const n = row + 1;
  switch (part) {
    case 'benchmark':
      return msg('finding {n} benchmark', { n });
    case 'stance':
      return msg('finding {n} stance', { n });
    case 'value':
      return msg('finding {n} value', { n });
    case undefined:
      return msg('finding {n}', { n });
    default:
      return msg('finding {n} {part}', { n, part: part.replaceAll('_', ' ') });
  }
}

export type FormValues = Record<string, string | string[]>;

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);
const numberOrRaw = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);

/** Posted form fields -> the evidence object the service validates; `rowOfFinding` maps finding index -> form row. */
export function formToInput(body: Record<string, unknown>): { input: Record<string, unknown>; rowOfFinding: number[] } {
  const input: Record<string, unknown> = {};
  for (const key of ['title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'tlp', 'ref']) {
    const v = str(body[key]).trim();
    if (v !== '') input[key] = v;
  }
  const credibility = str(body.credibility).trim();
  if (credibility !== '') input.credibility = numberOrRaw(credibility);
  const groups = list(body.groups);
  if (groups.length) input.groups = groups;
  const location = str(body.location) === '__other' ? str(body.location_other).trim() : str(body.location).trim();
  if (location) input.location = location;
  const findings: Record<string, unknown>[] = [];
  const rowOfFinding: number[] = [];
  for (let i = 0; i < FINDING_ROWS; i += 1) {
    const benchmark = str(body[`finding_benchmark_${i}`]).trim();
    const stance = str(body[`finding_stance_${i}`]).trim();
    const value = str(body[`finding_value_${i}`]).trim();
    if (!benchmark && !stance && !value) continue;
    const finding: Record<string, unknown> = { benchmark };
    if (stance !== '') finding.stance = numberOrRaw(stance);
    if (value !== '') finding.value = numberOrRaw(value);
    findings.push(finding);
    rowOfFinding.push(i);
  }
  input.findings = findings;
  return { input, rowOfFinding };
}

/** Validation problems keyed by form field name (`finding_0`, `title`, ...), plus a list for the summary. */
export function formErrors(problems: FieldProblem[], rowOfFinding: number[]) {
  const byField: Record<string, Message | string> = {};
  const summary: { field: string; message: Message }[] = [];
  for (const p of problems) {
    let field = p.path.split(/[.[]/)[0] || 'form';
    let label: Message | string = Object.hasOwn(FIELD_LABELS, p.path || 'form') ? FIELD_LABELS[p.path || 'form'] : p.path.replaceAll('_', ' ');
    const m = /^findings\[(\d+)\](?:\.(\w+))?/.exec(p.path);
    if (m) {
      const row = rowOfFinding[Number(m[1])] ?? 0;
      field = `finding_${row}`;
      label = findingLabel(row, m[2]);
    } else if (field === 'findings') {
      field = 'finding_0';
      label = FIELD_LABELS.findings;
    } else if (field === 'groups') label = FIELD_LABELS.groups;
    const said = messageOf(p);
    const problemSaid = msg(said.key, said.params);
    byField[field] = byField[field] ? msg('{first}; {next}', { first: byField[field], next: problemSaid }) : problemSaid;
    summary.push({ field: field === 'finding_0' || field.startsWith('finding_') ? `${field}_benchmark` : field, message: msg('{field}: {problem}', { field: label, problem: problemSaid }) });
  }
  return { byField, summary };
}

/** Field values of a stored item, to prefill the edit and correction forms. */
export function detailToForm(detail: EvidenceDetail): FormValues {
  const r = detail.row;
  const values: FormValues = {
    title: r.title,
    summary: r.summary ?? '',
    source: r.source ?? '',
    url: r.url ?? '',
    observed_on: r.observed_on,
    source_reliability: r.source_reliability,
    credibility: String(r.credibility),
    tlp: r.tlp,
    ref: r.ref ?? '',
    groups: detail.groups,
    location: r.location ?? '',
  };
  detail.findings.forEach((f, i) => {
    values[`finding_benchmark_${i}`] = f.benchmark;
    values[`finding_stance_${i}`] = f.stance === null ? '' : String(f.stance);
    values[`finding_value_${i}`] = f.value === null ? '' : String(f.value);
  });
  return values;
}

/** Everything the form template needs: choices with the current values selected, and errors beside fields. */
export function formView(tree: FrameworkTree, values: FormValues, errors: Record<string, Message | string> = {}) {
  const v = (k: string) => str(values[k]);
  const groups = list(values.groups);
  // after a post, "__other" means the free text in location_other; a stored item has the text in location
  const location = v('location') === '__other' ? v('location_other') : v('location');
  const places = locationsOf(tree);
  const knownLocation = location === '' || places.includes(location);
  const benchmarks = tree.pillars.flatMap((p) => p.benchmarks.map((b) => ({ ...b, pillar: p.name })));
  return {
    values: {
      title: v('title'), summary: v('summary'), source: v('source'), url: v('url'), observed_on: v('observed_on'), ref: v('ref'),
      location_other: knownLocation ? '' : location,
    },
    errors,
    reliability: RELIABILITY_GRADES.map(([code, label]) => ({ code, label, selected: v('source_reliability') === code })),
    credibility: CREDIBILITY_GRADES.map(([code, label]) => ({ code, label, selected: v('credibility') === code })),
    tlp: TLP_CHOICES.map(([code, label]) => ({ code, label, checked: (v('tlp') || 'AMBER') === code })),
    groups: tree.groups.map((g) => ({ code: g.code, name: g.name, checked: groups.includes(g.code) })),
    locations: places.map((name) => ({ name, selected: location === name })),
    locationOther: !knownLocation || v('location') === '__other',
    findingRows: Array.from({ length: FINDING_ROWS }, (_, i) => ({
      index: i,
      ordinal: i + 1,
      error: errors[`finding_${i}`],
      value: v(`finding_value_${i}`),
      benchmarks: benchmarks.map((b) => ({
        code: b.code,
        label: b.kind !== 'indicator' ? `${b.code} · ${b.title}` : b.unit ? msg('{code} · {title} (measured value, {unit})', { code: b.code, title: b.title, unit: b.unit }) : msg('{code} · {title} (measured value)', { code: b.code, title: b.title }),
        selected: v(`finding_benchmark_${i}`) === b.code,
      })),
      stances: STANCES.map(([code, label]) => ({ code, label, selected: v(`finding_stance_${i}`) === code })),
    })),
    indicators: benchmarks.filter((b) => b.kind === 'indicator').map((b) => ({ code: b.code, unit: b.unit, baseline: b.baseline, target: b.target })),
    /** the measured indicators in words, for the findings hint: "BORDER-3: incidents, baseline 40, target 10; …" */
    indicatorsText: semicolonList(
      benchmarks
        .filter((b) => b.kind === 'indicator')
        .map((b) => msg('{code}: {unit}, baseline {baseline}, target {target}', { code: b.code, unit: b.unit ?? '', baseline: b.baseline ?? '', target: b.target ?? '' })),
    ),
  };
}
