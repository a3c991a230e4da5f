// Shapes a scorecard and its framework into what the dashboard template shows.

import type { ScorecardContext } from './service';
import { JOINT } from '../framework/repository';
import { todayUtc, type Clock } from '../time';

export interface ScorecardPageQuery {
  framework?: string;
  as_of?: string;
  known_at?: string;
  perspective?: string;
}

function link(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const s = search.toString();
  return s ? `/?${s}` : '/';
}

export function dashboardView(ctx: ScorecardContext, query: ScorecardPageQuery, clock: Clock) {
  const { tree, scorecard } = ctx;
  const keep = { framework: query.framework, as_of: query.as_of, known_at: query.known_at };
  const perspectives = [{ code: JOINT, name: 'Joint (all four states)' }, ...tree.perspectives.map((p) => ({ code: p.code, name: p.name }))].map(
    (p) => ({ ...p, href: link({ ...keep, perspective: p.code === JOINT ? undefined : p.code }), current: p.code === scorecard.perspective }),
  );
  const current = perspectives.find((p) => p.current)!;
  const pillars = scorecard.pillars.map((ps) => {
    const pillar = tree.pillars.find((p) => p.code === ps.code)!;
    return {
      ...ps,
      name: pillar.name,
      benchmarks: ps.benchmarks.map((bs) => {
        const b = pillar.benchmarks.find((x) => x.code === bs.code)!;
        return { ...bs, title: b.title, kind: b.kind, unit: b.unit, description: b.description };
      }),
    };
  });
  const knownNow = !query.known_at;
  return {
    title: `${tree.name}: ${current.name}`,
    framework: { code: tree.code, name: tree.name, subject: tree.subject },
    scorecard,
    pillars,
    perspectives,
    perspectiveName: current.name,
    asOf: scorecard.as_of,
    isToday: scorecard.as_of === todayUtc(clock),
    knownAt: scorecard.known_at,
    knownNow,
    form: { as_of: query.as_of ?? '', known_at: query.known_at ?? '', perspective: scorecard.perspective, framework: query.framework ?? '' },
    apiHref: `/api/v1/scorecard?${new URLSearchParams({ framework: tree.code, as_of: scorecard.as_of, ...(query.known_at ? { known_at: query.known_at } : {}), perspective: scorecard.perspective }).toString()}`,
  };
}
