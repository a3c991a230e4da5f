// The command table of src/cli/table.ts against the contract: every command has a usage line the help lists,
// answers bad usage (`--help` included) with exit 2 before touching a database, and the table holds exactly the
// commands of INTERFACES.md plus the extras the README documents.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGroup } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/table';
import { leafCommands } from '../../src/cli/usage';
import { runCli } from '../helpers/cli';

/** The command table of INTERFACES.md (kept in the shared contract, not in this repository). */
const INTERFACES_COMMANDS = [
  'serve', 'migrate', 'seed', 'import', 'scorecard', 'report run', 'report list', 'user add', 'token create',
  'audit verify', 'explain', 'backup',
];
/** In INTERFACES.md but not built yet; whoever adds one takes it off this list. */
const NOT_BUILT_YET: string[] = [];
/** Documented in the README beside the contract's commands. */
const EXTRAS = ['restore', 'user list', 'user update', 'user disable', 'user enable', 'user reset-password'];

const leaves = leafCommands(COMMANDS);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-cli-commands-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database URL that must still not exist after the run: bad usage touches no database. */
const untouched = () => path.join(dir, `${Math.random().toString(36).slice(2)}.db`);

describe('the command table', () => {
  it('lists exactly the commands of INTERFACES.md plus the documented extras', () => {
    const names = leaves.map((l) => l.words.join(' '));
    const expected = [...INTERFACES_COMMANDS.filter((c) => !NOT_BUILT_YET.includes(c)), ...EXTRAS];
    expect([...names].sort()).toEqual([...expected].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('holds every command the README documents, and no other', () => {
    const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The command line'));
    const table = section.slice(section.indexOf('| command |'), section.indexOf('\n\n', section.indexOf('| command |')));
    const documented = table
      .split('\n')
      .slice(2)
      .flatMap((row) => [...row.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].match(/^[a-z][a-z-]*(?: [a-z][a-z-]*)*/)![0]));
    expect([...new Set(documented)].sort()).toEqual(leaves.map((l) => l.words.join(' ')).sort());
  });

  it('gives every command a usage line starting with its words, and a summary', () => {
    for (const { words, command } of leaves) {
      expect(command.usage === words.join(' ') || command.usage.startsWith(`${words.join(' ')} `), words.join(' ')).toBe(true);
      expect(command.summary.length, words.join(' ')).toBeGreaterThan(0);
      for (const line of command.summary) expect(line.trim(), words.join(' ')).not.toBe('');
    }
  });

  it('lists every usage line in the help, each on a line of its own or joined by " | "', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    const synopses = help.stdout
      .split('\n')
      .filter((line) => /^ {2}\S/.test(line))
      .map((line) => line.trim().split(/ {2,}/)[0]);
    // compared joined: a usage line may itself hold " | " (`[--period P | --catch-up]`)
    expect(synopses.join(' | ')).toBe(leaves.map((l) => l.command.usage).join(' | '));
  });

  it('answers --help and unknown options with exit 2, the reason and the usage text, before opening a database', async () => {
    for (const { words } of leaves) {
      for (const bad of ['--help', '--no-such-option']) {
        const db = untouched();
        const r = await runCli([...words, bad, '--db', db]);
        expect(r.code, `${words.join(' ')} ${bad}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(new RegExp(`^pactwatch: Unknown option '${bad}'`));
        expect(r.stderr).toContain('usage: pactwatch <command> [options]');
        expect(fs.existsSync(db), `${words.join(' ')} ${bad} created ${db}`).toBe(false);
      }
    }
  });

  it('answers a missing or unknown subcommand with exit 2 and the subcommands it takes', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      if (!isGroup(entry)) continue;
      for (const args of [[name], [name, '--help'], [name, 'frobnicate'], [name, 'toString']]) {
        const r = await runCli([...args, '--db', untouched()]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.split('\n')[0]).toBe(`pactwatch: ${entry.unknownSubcommand}`);
      }
      for (const sub of Object.keys(entry.subcommands)) expect(entry.unknownSubcommand).toContain(sub);
    }
  });

  it('answers an unknown command, even an Object.prototype name, with exit 2', async () => {
    for (const name of ['frobnicate', 'toString', 'constructor', '__proto__']) {
      const r = await runCli([name]);
      expect(r.code, name).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`pactwatch: unknown command "${name}"`);
    }
  });
});
