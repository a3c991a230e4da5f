// `pactwatch audit verify [--expect-head SEQ:HASH]`: recompute the tamper-evident log, then compare the live tables
// with it; exit 1 naming the first bad entry, a head that differs from the one kept, or the first difference.

import { verifyAudit, type LiveVerification } from '../../audit/verify';
import { defineCommand, UsageError, type CommandGroup } from '../command';
import { withDatabase } from '../database';
import { counted } from '../text';

function describeLiveCheck(live: LiveVerification): string {
  const c = live.counts;
  let out =
    `live tables match the log (${counted(c.evidence, 'evidence item', 'evidence items')}, ${counted(c.findings, 'finding', 'findings')}, ` +
    `${counted(c.users, 'user', 'users')}, ${counted(c.attachments, 'attachment', 'attachments')}, ${counted(c.reports, 'report', 'reports')}, ${counted(c.tokens, 'token', 'tokens')})`;
  if (live.notCovered.length) {
    out += `; not covered by entries written before log format 2: ${live.notCovered.map((n) => `${n.column} (${counted(n.rows, 'row', 'rows')})`).join(', ')}`;
  }
  if (live.unread.count) out += `; ${counted(live.unread.count, 'entry', 'entries')} with a known action but not in the shape pactwatch writes skipped (first: entry ${live.unread.firstSeq})`;
  return out;
}

const verify = defineCommand({
  usage: 'audit verify [--expect-head SEQ:HASH]',
  summary: ['check the tamper-evident log, then the live tables against it;', "prints the log's head"],
  options: { 'expect-head': { type: 'string' } },
  async run({ values }, io) {
    const expected = values['expect-head'];
    if (expected !== undefined && !/^\d+:[0-9a-f]{64}$/.test(expected)) throw new UsageError('--expect-head takes SEQ:HASH as printed by audit verify');
    const verification = await withDatabase(values.db, (db) => verifyAudit(db.kysely));
    const result = verification.chain;
    const head = result.head ? `${result.head.seq}:${result.head.hash}` : 'empty';
    if (verification.live === null) {
      const { firstBad } = verification.chain;
      io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, first_bad: firstBad, head: result.head })}\n`);
      io.stderr(`audit verify: BROKEN at entry ${firstBad.seq}: ${firstBad.reason}\n`);
      return 1;
    }
    const { live } = verification;
    if (expected !== undefined && expected !== head) {
      const [seq] = expected.split(':');
      const reason = !result.head ? 'all entries were removed' : result.head.seq < Number(seq) ? `entries after ${result.head.seq} were removed` : 'the head differs from the one kept';
      io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, head: result.head, expected_head: expected })}\n`);
      io.stderr(`audit verify: head ${head} does not match the expected ${expected}: ${reason}\n`);
      return 1;
    }
    if (!live.ok) {
      io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, head: result.head, difference: live.difference })}\n`);
      io.stderr(`audit verify: the live tables differ from the log: ${live.difference.message}\n`);
      return 1;
    }
    io.stdout(`${JSON.stringify({ ok: true, entries: result.entries, head: result.head, live: live.counts, not_covered: live.notCovered, unread_entries: live.unread.count })}\n`);
    io.stderr(`audit verify: intact, ${result.entries} entries; head ${head}; ${describeLiveCheck(live)}\n`);
    return 0;
  },
});

export const audit: CommandGroup = {
  subcommands: { verify },
  unknownSubcommand: 'audit takes the subcommand verify',
};
