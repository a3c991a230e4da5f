// Answers written as they are made (exports): the reply pulls the next part only when the client has taken the last
// ones (backpressure), so memory holds a part or two whatever the size of the answer.

import { Readable } from 'node:stream';

/**
 * A stream of the parts, started: the first part is made before anything is answered, so a failure there is an
 * ordinary error answer. A later failure destroys the stream and with it the connection, so the client sees a
 * broken transfer, never a shorter file that looks complete. A client that goes away stops the parts.
 */
export async function startedStream(parts: AsyncGenerator<string>): Promise<Readable> {
  const first = await parts.next();
  async function* all() {
    if (!first.done) yield first.value;
    yield* parts;
  }
  return Readable.from(all(), { objectMode: false, highWaterMark: 64 * 1024 });
}
