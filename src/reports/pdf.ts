// PDF of a report: Chromium's print-to-PDF of the same page, where Chromium is installed (Debian's package).
// Each print starts a Chromium (a dozen processes), so a process prints only a few at once.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { AppError } from '../errors';

/** Turns self-contained HTML into PDF bytes (htmlToPdf, unless a test supplies another). */
export type PdfRenderer = (html: string) => Promise<Buffer>;

/** At most `concurrency` tasks run at once; up to `maxWaiting` more wait their turn; beyond that, BUSY (503). */
export class RenderSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  get busy() {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running += 1;
    else if (this.waiting.length >= this.maxWaiting) throw new AppError('BUSY', 'Too many PDFs are being printed right now; try again in a moment');
    // a finished task hands its slot straight to the next in line, so `running` stays counted
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/** The per-process cap on Chromium prints: 2 at once, 8 waiting. */
export const pdfPrintSlots = new RenderSlots(2, 8);
/** Seconds a client refused for lack of a slot is asked to wait. */
export const PDF_RETRY_AFTER_SECONDS = 15;

export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** Prints self-contained HTML to a PDF with headless Chromium. */
export async function htmlToPdf(html: string, timeoutMs = 60_000): Promise<Buffer> {
  const chromium = chromiumPath();
  if (!chromium) throw new Error('Chromium is not installed (apt-get install chromium)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-pdf-'));
  try {
    const input = path.join(dir, 'report.html');
    const output = path.join(dir, 'report.pdf');
    fs.writeFileSync(input, html);
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromium,
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${path.join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${output}`, `file://${input}`],
        { timeout: timeoutMs },
        (err) => (err && !fs.existsSync(output) ? reject(err) : resolve()),
      );
    });
    return fs.readFileSync(output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
