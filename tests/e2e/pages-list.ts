// The pages the browser tests crawl (tests/e2e/pages.test.ts in English, tests/e2e/locales.test.ts in every
// locale): who opens each, its address, and its English heading.

export type PageRole = 'anonymous' | 'viewer' | 'evaluator' | 'reviewer' | 'admin';

/** Ids the addresses need, known once the harness has seeded its database. */
export interface PageIds {
  /** a verified TLP:GREEN evidence item */
  evidenceId: number;
  /** the harness's viewer account */
  viewerId: number;
}

export interface PageSpec {
  name: string;
  role: PageRole;
  url: (ids: PageIds) => string;
  /** the h1 in English */
  heading: RegExp;
}

export const PAGES: PageSpec[] = [
  { name: 'login', role: 'anonymous', url: () => '/login', heading: /Sign in/ },
  { name: 'set-password-invalid', role: 'anonymous', url: () => '/set-password?code=not-a-valid-code-at-all', heading: /Set your password/ },
  { name: 'dashboard', role: 'viewer', url: () => '/', heading: /Scorecard: Joint/ },
  { name: 'dashboard-pak-time-travel', role: 'viewer', url: () => '/?perspective=PAK&as_of=2026-06-30&known_at=2026-07-01', heading: /Scorecard: Pakistan/ },
  { name: 'perspectives', role: 'viewer', url: () => '/perspectives', heading: /Perspectives side by side/ },
  { name: 'benchmark', role: 'viewer', url: () => '/benchmarks/INTEL-2', heading: /Information requests/ },
  { name: 'pillar', role: 'viewer', url: () => '/pillars/DISRUPT', heading: /Group disruption/ },
  { name: 'group', role: 'viewer', url: () => '/groups/TTP', heading: /TTP/ },
  { name: 'methodology', role: 'viewer', url: () => '/methodology', heading: /How the scores are computed/ },
  { name: 'briefing', role: 'viewer', url: () => '/briefing', heading: /Briefing: Joint/ },
  { name: 'briefing-pak-future', role: 'viewer', url: () => '/briefing?perspective=PAK&as_of=2027-03-31', heading: /Briefing: Pakistan/ },
  { name: 'evidence-list', role: 'viewer', url: () => '/evidence', heading: /Evidence/ },
  { name: 'evidence-item', role: 'viewer', url: ({ evidenceId }) => `/evidence/${evidenceId}`, heading: /.+/ },
  { name: 'evidence-new', role: 'evaluator', url: () => '/evidence/new', heading: /Log evidence/ },
  { name: 'evidence-import', role: 'evaluator', url: () => '/evidence/import', heading: /Import evidence/ },
  { name: 'review-queue', role: 'reviewer', url: () => '/review', heading: /Review queue/ },
  { name: 'evidence-item-reviewer', role: 'reviewer', url: ({ evidenceId }) => `/evidence/${evidenceId}`, heading: /.+/ },
  { name: 'tokens', role: 'viewer', url: () => '/account/tokens', heading: /API tokens/ },
  { name: 'password', role: 'viewer', url: () => '/account/password', heading: /Change password/ },
  { name: 'admin-users', role: 'admin', url: () => '/admin/users', heading: /Users/ },
  { name: 'admin-user', role: 'admin', url: ({ viewerId }) => `/admin/users/${viewerId}`, heading: /viewer@e2e/ },
  { name: 'security-log', role: 'admin', url: () => '/admin/security-log', heading: /Security log/ },
  { name: 'not-found', role: 'viewer', url: () => '/no-such-page', heading: /Page not found/ },
  { name: 'reports', role: 'viewer', url: () => '/reports', heading: /Reports/ },
  { name: 'report', role: 'viewer', url: () => '/reports/2', heading: /Monthly report 2026-10/ },
  { name: 'report-runs', role: 'admin', url: () => '/admin/report-runs', heading: /Report runs/ },
];
