// What a `pactwatch` command is: its usage line, its options for node:util parseArgs, and `run(args, io)`; the
// table of src/cli/table.ts lists them, and src/cli.ts parses, runs and maps errors for all of them alike.

import { parseArgs } from 'node:util';
import type { Io } from './io';

/** Bad usage: the command line is wrong, not the world. Exit 2 with the reason and the usage text. */
export class UsageError extends Error {}

export type OptionSpec = { type: 'string' } | { type: 'boolean' };
export type OptionSpecs = Record<string, OptionSpec>;

/** The values parseArgs gives for `O`, plus the `--db URL` every command takes. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
} & { db?: string };

export interface CommandArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** The synopsis shown in the help, starting with the command's words (`user add --email E ...`). */
  usage: string;
  /** What it does, one help line each; leaves sharing one array are listed on one line (`a | b`). */
  summary: readonly string[];
  options: O;
  /** How many positional arguments it takes at most. */
  positionals?: number;
  run(args: CommandArgs<O>, io: Io): Promise<number>;
}

/** A command word taking subcommands (`user add`, `report list`). */
export interface CommandGroup {
  subcommands: Readonly<Record<string, Command>>;
  /** The usage error for a missing or unknown subcommand. */
  unknownSubcommand: string;
}

export type CommandEntry = Command | CommandGroup;

export const isGroup = (entry: CommandEntry): entry is CommandGroup => 'subcommands' in entry;

/** Keeps the option types of `command` for its `run` while the table holds it as a plain Command. */
export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command {
  return command as unknown as Command;
}

/** Parses `args` strictly against the command's options and `--db`; anything unexpected is a UsageError. */
export function parseCommandArgs<O extends OptionSpecs>(command: Command<O>, args: string[]): CommandArgs<O> {
  const positionals = command.positionals ?? 0;
  let parsed;
  try {
    parsed = parseArgs({ args, options: { db: { type: 'string' }, ...command.options }, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** The entry `name` of `table`, never one of Object.prototype's (`pactwatch toString` is an unknown command). */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string | undefined): T | undefined {
  return name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}
