// The help text, generated from the command table: one entry per command in table order, the synopsis in a
// column of its own and the summary beside it (or below it, when the synopsis is too long).

import { isGroup, type Command, type CommandEntry } from './command';

const INDENT = '  ';
const SYNOPSIS_WIDTH = 39;
const SUMMARY_INDENT = ' '.repeat(INDENT.length + SYNOPSIS_WIDTH);

/** Every runnable command of the table with the words that reach it (`['user', 'add']`), in table order. */
export function leafCommands(table: Readonly<Record<string, CommandEntry>>): { words: string[]; command: Command }[] {
  return Object.entries(table).flatMap(([name, entry]) =>
    isGroup(entry) ? Object.entries(entry.subcommands).map(([sub, command]) => ({ words: [name, sub], command })) : [{ words: [name], command: entry }],
  );
}

export function renderUsage(table: Readonly<Record<string, CommandEntry>>): string {
  // leaves sharing one summary (user disable, user enable) make one entry: "user disable ... | user enable ..."
  const entries: { synopsis: string; summary: readonly string[] }[] = [];
  for (const { command } of leafCommands(table)) {
    const last = entries.at(-1);
    if (last && last.summary === command.summary) last.synopsis += ` | ${command.usage}`;
    else entries.push({ synopsis: command.usage, summary: command.summary });
  }
  const lines = entries.flatMap(({ synopsis, summary }) => {
    const [first, ...more] = summary;
    const head =
      synopsis.length + 2 <= SYNOPSIS_WIDTH
        ? [`${INDENT}${synopsis.padEnd(SYNOPSIS_WIDTH)}${first}`]
        : [`${INDENT}${synopsis}`, `${SUMMARY_INDENT}${first}`];
    return [...head, ...more.map((line) => `${SUMMARY_INDENT}${line}`)];
  });
  return [
    'usage: pactwatch <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'every command takes --db URL (default DATABASE_URL, else ./data/pactwatch.db)',
  ].join('\n');
}
