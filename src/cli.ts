// The `pactwatch` command (INTERFACES.md): exit 0 on success, 1 on failure with a one-line reason on stderr,
// 2 on bad usage. Machine output goes to stdout, logs to stderr. The commands are the modules of src/cli/table.ts;
// this entry finds the one named, parses its arguments, runs it and turns what it throws into an exit code.

import { ConfigError } from './config';
import { AppError } from './errors';
import { isGroup, lookup, parseCommandArgs, UsageError, type Command } from './cli/command';
import { defaultIo, type Io } from './cli/io';
import { COMMANDS } from './cli/table';
import { renderUsage } from './cli/usage';

export type { Io } from './cli/io';

const USAGE = renderUsage(COMMANDS);

/** The command `argv` names and the arguments left for it; a UsageError when there is none. */
function findCommand(argv: string[]): { command: Command; args: string[] } {
  const [name, ...rest] = argv;
  const entry = lookup(COMMANDS, name);
  if (!entry) throw new UsageError(`unknown command "${name}"`);
  if (!isGroup(entry)) return { command: entry, args: rest };
  const [sub, ...args] = rest;
  const command = lookup(entry.subcommands, sub);
  if (!command) throw new UsageError(entry.unknownSubcommand);
  return { command, args };
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const name = argv[0];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  try {
    const { command, args } = findCommand(argv);
    return await command.run(parseCommandArgs(command, args), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`pactwatch: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      const detail = err.fields?.length ? err.fields.map((f) => `${f.path}: ${f.message}`).join('; ') : err.message;
      io.stderr(`pactwatch ${name}: ${detail}\n`);
      return 1;
    }
    if (err instanceof ConfigError) {
      io.stderr(`pactwatch: ${err.message}\n`);
      return 1;
    }
    io.stderr(`pactwatch ${name}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
