// PDF of a report: Chromium's print-to-PDF of the same page, where Chromium is installed (Debian's package).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';

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
