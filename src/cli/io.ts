// Where a command's output goes: machine output to stdout, logs and progress to stderr, the password from stdin.
// Tests pass their own Io to capture all three.

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
}

export const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: async () => {
    if (process.stdin.isTTY) process.stderr.write('password: ');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Progress of a long run: a self-updating line on a terminal, plain lines in logs. */
export function progressReporter(io: Io, total: number) {
  const tty = io === defaultIo && process.stderr.isTTY;
  return {
    step(i: number, label: string) {
      if (tty) io.stderr(`\r\x1b[K[${i + 1}/${total}] ${label} …`);
    },
    done(i: number, label: string) {
      io.stderr(tty ? `\r\x1b[K[${i + 1}/${total}] ${label}${i + 1 === total ? '\n' : ''}` : `[${i + 1}/${total}] ${label}\n`);
    },
  };
}
