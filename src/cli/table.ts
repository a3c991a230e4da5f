// The commands of `pactwatch`, in the order the help lists them: INTERFACES.md's, plus `restore`, the rest of the
// `user` lifecycle and `report list`. Adding a command means adding its module here (and to INTERFACES.md).

import type { CommandEntry } from './command';
import { audit } from './commands/audit';
import { backup } from './commands/backup';
import { explain } from './commands/explain';
import { importCommand } from './commands/import';
import { migrate } from './commands/migrate';
import { report } from './commands/report';
import { restore } from './commands/restore';
import { scorecard } from './commands/scorecard';
import { seed } from './commands/seed';
import { serve } from './commands/serve';
import { token } from './commands/token';
import { user } from './commands/user';

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve,
  migrate,
  seed,
  import: importCommand,
  scorecard,
  user,
  audit,
  token,
  report,
  explain,
  backup,
  restore,
};
