// The evidence web form: turning posted fields into an evidence object, and validation errors and stored
// items back into field values and messages for re-rendering.

import type { FieldProblem } from '../errors';
import { locationsOf, type FrameworkTree } from '../framework/repository';
import type { EvidenceDetail } from './repository';

export const FINDING_ROWS = 4;

export const RELIABILITY_GRADES = [
  ['A', 'A: completely reliable'],
  ['B', 'B: usually reliable'],
  ['C', 'C: fairly reliable'],
  ['D', 'D: not usually reliable'],
  ['E', 'E: unreliable'],
  ['F', 'F: reliability cannot be judged'],
] as const;

export const CREDIBILITY_GRADES = [
  ['1', '1: confirmed by other sources'],
  ['2', '2: probably true'],
  ['3', '3: possibly true'],
  ['4', '4: doubtful'],
  ['5', '5: improbable'],
  ['6', '6: truth cannot be judged'],
] as const;

export const TLP_CHOICES = [
  ['CLEAR', 'TLP:CLEAR: every signed-in user'],
  ['GREEN', 'TLP:GREEN: every signed-in user'],
  ['AMBER', 'TLP:AMBER: your delegation, reviewers and admins'],
  ['RED', 'TLP:RED: you, the reviewer who handles it, and admins'],
] as const;

export const STANCES = [
  ['2', '+2 strong compliance'],
  ['1', '+1 compliance'],
  ['0', '0 mixed'],
  ['-1', '−1 non-compliance'],
  ['-2', '−2 serious non-compliance'],
] as const;

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
  const byField: Record<string, string> = {};
  const summary: { field: string; message: string }[] = [];
  for (const p of problems) {
    let field = p.path.split(/[.[]/)[0] || 'form';
    let label = p.path || 'form';
    const m = /^findings\[(\d+)\](?:\.(\w+))?/.exec(p.path);
    if (m) {
      const row = rowOfFinding[Number(m[1])] ?? 0;
      field = `finding_${row}`;
      label = `finding ${row + 1}${m[2] ? ` ${m[2]}` : ''}`;
    } else if (field === 'findings') {
      field = 'finding_0';
      label = 'findings';
    } else if (field === 'groups') label = 'groups';
    const message = `${label.replaceAll('_', ' ')}: ${p.message}`;
    byField[field] = byField[field] ? `${byField[field]}; ${p.message}` : p.message;
    summary.push({ field: field === 'finding_0' || field.startsWith('finding_') ? `${field}_benchmark` : field, message });
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
export function formView(tree: FrameworkTree, values: FormValues, errors: Record<string, string> = {}) {
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
        label: `${b.code} · ${b.title}${b.kind === 'indicator' ? ` (measured value${b.unit ? `, ${b.unit}` : ''})` : ''}`,
        selected: v(`finding_benchmark_${i}`) === b.code,
      })),
      stances: STANCES.map(([code, label]) => ({ code, label, selected: v(`finding_stance_${i}`) === code })),
    })),
    indicators: benchmarks.filter((b) => b.kind === 'indicator').map((b) => ({ code: b.code, unit: b.unit, baseline: b.baseline, target: b.target })),
  };
}
