// For each figure of issue 12 whose target a run misses: why (what the time goes to, as profiled), and what would
// close it. RESULTS.md lists these under the table for the figures the SQLite run did not meet. Kept by hand: when a
// change moves a figure, its entry here says what is left. Keys are figure ids or their prefix before the dot.

export const MISSED: Record<string, { why: string; close: string }> = {
  page: {
    why:
      'Pages and the scorecard API are answered from caches kept per read-model version (view models, scorecards, the ' +
      'benchmark page\'s split and chart, key findings), so a request no longer computes scores; what is left is the cost ' +
      'of a signed-in request itself. Profiled in process at 100k findings (node --cpu-prof over app.inject): ' +
      'the session lookup and the user (2 queries), the framework row (1 query; its tree is kept per process under it), ' +
      'the change-log check that keeps the model current with other instances (1 query), Kysely building and compiling ' +
      'each query (~50 µs each), the CSRF token, the session change check (@fastify/session hashes the session twice a ' +
      'request) and the Handlebars layout. The scorecard API, whose answer is a cached ' +
      'object, shows that floor: about 0.6 ms of server CPU a request against ~0.03 ms for the static reference.',
    close:
      'A whole-answer cache keyed by (view, model version, reader, locale) with the CSRF token filled in per request; ' +
      'the session and user read in one query. ' +
      'Even then the per-request session check bounds a signed-in page at roughly 10 % of a static server on this ' +
      'machine; 25 % would need sessions verified without a database read (signed, short-lived tokens), which trades ' +
      'away immediate sign-out everywhere, so we have not done it.',
  },
  'asof-cold': {
    why:
      'A view never requested before computes its scorecards from day sums (fast), but the dashboard and pillar pages ' +
      'also explain the change since the last report (key findings): §9 by finding walks every counted finding at both ' +
      'dates, O(findings): about 2.5 s at a million findings. Once a view is explained, each further reader costs ' +
      '~0.1 s (their summary names only the top contributions of each kind; who may see an item comes from the ' +
      'model), and the key findings are then kept per reader.',
    close:
      'The by-kind sums from day sums (already used for trend drivers) and only the largest contributions from a ' +
      'bounded scan (the page shows three per benchmark); the full list only for the explain API.',
  },
  evidence: {
    why:
      'A list\'s counts and a search\'s plan are kept until the next entry in the tamper-evident log, so a repeated list ' +
      'costs the page\'s rows and their findings, groups, attachments and corrections (one query each) and rendering ' +
      '50 rows: about 3.4 ms of server CPU at 300k items in process (9.3 ms before; a search 40 ms to 4 ms, filters ' +
      '32 ms to 4.3 ms). With 10 connections on one server core, requests queue, so p99 is about ten service times ' +
      'plus garbage collection; filtered lists also probe findings and tags per row until the page is full. After any ' +
      'logged change the first reader of each list counts again (three bounded counts, ~2 ms each).',
    close:
      'The row details in one query with JSON aggregation instead of four; the filtered page\'s probes (benchmark, ' +
      'group) through covering indexes; PostgreSQL: the same counts kept, and a pool sized for the load.',
  },
  post: {
    why:
      'One durable commit per item, as the reference, but the commit carries the item, its findings and group tags, ' +
      'the full-text rows (unicode61 and trigram tables, by trigger), the hash-chained audit entry, the idempotency ' +
      'record and the scoring change-log row; the reference commits one bare row. Token authentication and validation ' +
      'add ~1 ms before the transaction.',
    close:
      'Group commit: concurrent POSTs queued and written in one transaction (one fsync for many items), each answered ' +
      'after it; the trigram index maintained after the commit from the change log instead of inside it.',
  },
  import: {
    why:
      'The ratio target (≥ 30 % of raw prepared inserts of the same rows) is met; the absolute 50,000 items/s is not, ' +
      'because the reference itself, inserting the same rows into the loaded database with its indexes and full-text ' +
      'triggers, does not reach it on this machine.',
    close:
      'Full-text rows built for a batch after its insert (one pass, triggers suspended for the batch), and findings ' +
      'and tags inserted as multi-row statements.',
  },
  export: {
    why:
      'Streamed a chunk of 1,000 items at a time in constant memory; each chunk is one keyset query for the rows and ' +
      'four for their findings, groups, attachments and corrections, then CSV or JSON text. SQLite rows are now read ' +
      'as arrays and built with one object literal per statement (in process, 300k items: 8.0 s to 6.4 s, 47k items/s); ' +
      'what is left is about 40 % SQLite (the rows by observation date and the findings by item, both random reads), ' +
      '15 % garbage collection, the rest CSV/JSON text. Over HTTP beside the load generator on two cores it stays ' +
      'below 50k rows/s.',
    close:
      'One query per chunk with the findings and groups aggregated in SQL (json_group_array / json_agg); a covering ' +
      'index on findings (evidence_id, position, benchmark_id, stance, value), measured at 0.9 s to 0.65 s of the ' +
      'findings reads for 300k items; writing CSV straight from rows without the intermediate JSON objects.',
  },
  report: {
    why:
      'A report is built from a snapshot of the evidence (so its content is the same whenever it is rebuilt and its ' +
      'hash verifies): it loads every verified item and builds a fresh model, O(items); since issue 13 it also ' +
      'freezes, for each of the five perspectives, the explanation since the previous report (section 9 by finding, ' +
      'O(findings) each), which roughly doubled its time.',
    close:
      'A persisted, versioned snapshot of the model to start from, with the items changed since applied; the ' +
      'explanation\'s by-kind sums from day sums and only the largest contributions from a bounded scan.',
  },
  start: {
    why:
      'The server answers /health within ~1.7 s (the read model now loads in ranges of 20,000 items on a snapshot, ' +
      'yielding between them), but the first page waits for the model: every verified item and its findings, ' +
      'O(items), about 8 s at a million findings.',
    close: 'A persisted model snapshot (day sums and items) tagged with the change-log position, loaded at start and brought up to date from the log.',
  },
  rss: {
    why:
      'The read model holds every verified item with its findings (the engine\'s input), as well as its day sums: about ' +
      '430 MB of heap at a million findings. Each cached explanation (at most 4) holds every contribution (~70 MB at that ' +
      'size), and V8 lets garbage grow well past the live heap before collecting: peaks of 1.6 to 2.5 GB in the ' +
      'full-size runs, which also export 300,000 items and import 30,000 in the same process.',
    close:
      'Items held in typed arrays (observed day, factors, benchmark slot, value) instead of objects; explanations ' +
      'kept as per-kind sums plus the top contributions (the full list only for the explain API, streamed).',
  },
};

/** The entry for a figure id ("page.dashboard" finds "page"). */
export function missedEntry(id: string): { why: string; close: string } | undefined {
  return MISSED[id] ?? MISSED[id.split('.')[0]];
}
