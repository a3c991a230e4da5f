// Waiting for a condition instead of for a fixed time: a test then takes as long as the work does, on a fast
// machine or a loaded one.

/** Polls until `condition` holds; fails naming `what` after `ms` (generous: the bound catches a hang, not a slow machine). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 90_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
