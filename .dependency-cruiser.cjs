// The layering of src/, checked by `npm run lint:layers` (dependency-cruiser) in `npm test`'s first file and in CI.
// Imports run downward: base (errors, time) and the pure scoring engine; the database; the domain, feature by
// feature (framework, then security, users and sign-in, then evidence, then reports, then scorecards, then whole-database checks and
// operations); the web (plugins, views, routes, app); the processes (server, CLI, jobs). A module never imports
// one above it, and nothing imports in a circle.

const WEB = '^src/(app\\.ts|plugins/|views/|health/|[^/]+/routes(/|\\.ts$)|[^/]+/[^/]*-routes\\.ts$)';
const ENTRY = '^src/(server\\.ts|cli\\.ts|cli/|jobs/)';

/** Domain folders from the bottom up; each may import only those before it (and db/, base, scoring). */
const DOMAIN = [
  ['audit-log', '^src/audit/log\\.ts$'],
  ['settings', '^src/(settings|config)\\.ts$'],
  ['framework', '^src/framework/'],
  ['security', '^src/security/'],
  ['users', '^src/users/'],
  ['auth', '^src/auth/'],
  ['idempotency', '^src/idempotency/'],
  ['evidence', '^src/evidence/'],
  ['reports', '^src/reports/'],
  ['scorecards', '^src/scorecards/'],
  ['seed', '^src/seed/'],
  ['whole-database', '^src/(audit/(?!log\\.ts$)|ops/)'],
];

const domainRules = DOMAIN.flatMap(([name, path], i) =>
  DOMAIN.slice(i + 1).map(([higher, higherPath]) => ({
    name: `${name}-not-to-${higher}`,
    comment: `${name} is below ${higher}: it must not import it (move what both need down, or pass it in)`,
    severity: 'error',
    from: { path, pathNot: WEB },
    to: { path: higherPath, pathNot: WEB },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules import in one direction only',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'scoring-is-pure',
      comment: 'the scoring engine takes plain data and returns plain data: nothing of the app, no I/O',
      severity: 'error',
      from: { path: '^src/scoring/' },
      to: { pathNot: '^src/scoring/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'base-imports-nothing',
      comment: 'errors, time and the message catalogue (i18n/) are the bottom layer',
      severity: 'error',
      from: { path: '^src/(errors|time)\\.ts$|^src/i18n/' },
      to: { path: '^src/', pathNot: '^src/(errors|time)\\.ts$|^src/i18n/' },
    },
    {
      name: 'db-below-domain',
      comment: 'the database layer knows tables, not features',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db/|i18n/|errors\\.ts|time\\.ts)' },
    },
    {
      name: 'domain-not-to-web',
      comment: 'services, repositories and presenters do not know about HTTP, plugins, views or routes',
      severity: 'error',
      from: { path: '^src/', pathNot: `${WEB}|${ENTRY}|^src/types\\.d\\.ts$` },
      to: { path: WEB },
    },
    {
      name: 'domain-not-to-fastify',
      comment: 'only the web layer uses fastify',
      severity: 'error',
      from: { path: '^src/', pathNot: `${WEB}|${ENTRY}|^src/types\\.d\\.ts$` },
      to: { path: '^(fastify|@fastify/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-to-entry',
      comment: 'the processes (server, CLI, jobs) are at the top: nothing imports them but each other',
      severity: 'error',
      from: { path: '^src/', pathNot: ENTRY },
      to: { path: ENTRY },
    },
    {
      name: 'routes-not-to-other-routes',
      comment: 'a feature\'s routes do not reach into another feature\'s routes',
      severity: 'error',
      from: { path: '^src/([^/]+)/(routes|[^/]*-routes)' },
      to: { path: '^src/[^/]+/(routes|[^/]*-routes)', pathNot: '^src/$1/' },
    },
    {
      name: 'views-know-only-views',
      comment: 'templates and their helpers format what they are given; the request-level data is passed in',
      severity: 'error',
      from: { path: '^src/views/' },
      to: { path: '^src/', pathNot: '^src/(views/|i18n/|errors\\.ts|time\\.ts|scoring/)' },
    },
    ...domainRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
    exclude: { path: '\\.d\\.ts$' },
  },
};
