// Reading an import file from disk without ever holding it whole: a byte scanner finds the boundaries of the
// top-level values and of each element of the "evidence" array, and the engine's JSON.parse parses each of those
// slices (a framework, one item). Memory is a read chunk plus the largest single value, whatever the file's size.
//
// Two kinds of pass over a file:
// - the header: the top-level object with everything but an "evidence" array (keys in order, duplicates resolved
//   as JSON.parse resolves them: the last one wins), and where that array starts. The array's elements are
//   skipped, not parsed: only their separators and brackets are checked.
// - the items: the elements of the evidence array, each parsed, in order, in batches.
// Any syntax error is an ImportFileError naming where it is.
//
// An import reads the header, then the items once, checking each; the items it has checked, normalised, it keeps
// in a spill (a temporary file of one canonical JSON line per item, or an array for a source already in memory)
// that its writing pass reads back: what is written is exactly what was checked, without checking it again.

import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import nodePath from 'node:path';

/** Bytes read at a time. */
export const READ_CHUNK_BYTES = 1 << 20;
/** The largest top-level value other than the evidence array (e.g. the framework) the reader accepts. */
export const MAX_VALUE_BYTES = 64 << 20;
/** The largest single evidence item the reader accepts (a valid item is at most a few hundred KiB). */
export const MAX_ITEM_BYTES = 16 << 20;
/** Items per batch the items pass yields. */
const ITEM_BATCH = 256;

/** The file is not a readable JSON document (or a value in it is larger than the reader accepts). */
export class ImportFileError extends Error {}

/** What the top level of an import file holds, evidence aside. */
export interface ImportHeader {
  /**
   * The top-level value with the "evidence" array left out (its key kept, with an empty array as a stand-in):
   * the object as JSON.parse would build it, or, when the file is not an object, a stand-in of the same kind.
   */
  root: unknown;
  /** absent; an array (its elements come from the items pass); or some other value, given here */
  evidence: { kind: 'absent' } | { kind: 'array' } | { kind: 'value'; value: unknown };
}

export interface RawItem {
  /** position in the evidence array */
  index: number;
  value: unknown;
}

/** An import file's content: its header, then its items (as often as needed). */
export interface ImportSource {
  header(): Promise<ImportHeader>;
  /** the evidence array's elements in order, in batches (nothing when the file has no evidence array) */
  items(): AsyncIterable<RawItem[]>;
  /** somewhere to keep the checked items for a later pass: on disk for a file, in memory for a parsed value */
  spill(): ItemSpill;
}

/** Lines (canonical JSON: never a line break inside) kept in order and read back in batches. */
export interface ItemSpill {
  add(line: string): void;
  /** the lines added, in order (after the last add) */
  lines(): AsyncIterable<string[]>;
  /** frees what the spill holds (removes its file) */
  dispose(): Promise<void>;
}

/** Lines kept in an array (a source that is in memory anyway). */
export function memorySpill(): ItemSpill {
  let lines: string[] = [];
  return {
    add(line) {
      lines.push(line);
    },
    async *lines() {
      for (let i = 0; i < lines.length; i += ITEM_BATCH) yield lines.slice(i, i + ITEM_BATCH);
    },
    async dispose() {
      lines = [];
    },
  };
}

/** Bytes a file spill buffers before writing them out. */
const SPILL_BUFFER_CHARS = 1 << 20;

/** Lines kept in a temporary file (private to this process, removed by dispose), so memory stays bounded. */
export function fileSpill(): ItemSpill {
  let dir: string | null = null;
  let file: string | null = null;
  let fd: number | null = null;
  let pending: string[] = [];
  let pendingChars = 0;
  const flush = () => {
    if (pending.length === 0) return;
    if (fd === null) {
      dir = fsSync.mkdtempSync(nodePath.join(os.tmpdir(), 'pactwatch-import-'));
      file = nodePath.join(dir, 'items.jsonl');
      fd = fsSync.openSync(file, 'wx', 0o600);
    }
    fsSync.writeSync(fd, pending.join(''));
    pending = [];
    pendingChars = 0;
  };
  return {
    add(line) {
      pending.push(line, '\n');
      pendingChars += line.length + 1;
      if (pendingChars >= SPILL_BUFFER_CHARS) flush();
    },
    async *lines() {
      flush();
      if (file === null) return;
      const fh = await fs.open(file, 'r');
      try {
        let carry: Buffer | null = null;
        let position = 0;
        for (;;) {
          const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
          const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK_BYTES, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          const data: Buffer = carry ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
          const last = data.lastIndexOf(0x0a);
          if (last < 0) {
            carry = data;
            continue;
          }
          carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : null;
          const lines = data.toString('utf8', 0, last).split('\n');
          for (let i = 0; i < lines.length; i += ITEM_BATCH) yield lines.slice(i, i + ITEM_BATCH);
        }
        if (carry && carry.length) yield [carry.toString('utf8')];
      } finally {
        await fh.close();
      }
    },
    async dispose() {
      pending = [];
      if (fd !== null) fsSync.closeSync(fd);
      fd = null;
      if (dir !== null) await fs.rm(dir, { recursive: true, force: true });
      dir = null;
      file = null;
    },
  };
}

/** Sets a key as JSON.parse does (an own data property, "__proto__" included; a repeated key keeps its place). */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** An import file given as an already parsed value (the web, seeds, tests). */
export function memorySource(raw: unknown): ImportSource {
  const isObj = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  const evidence: unknown = isObj && Object.prototype.hasOwnProperty.call(raw, 'evidence') ? (raw as Record<string, unknown>).evidence : undefined;
  return {
    async header() {
      if (!isObj) return { root: raw, evidence: { kind: 'absent' } };
      if (!Array.isArray(evidence)) return { root: raw, evidence: evidence === undefined ? { kind: 'absent' } : { kind: 'value', value: evidence } };
      // the same object but for the array, so the header never holds the items
      const root: Record<string, unknown> = {};
      for (const key of Object.keys(raw as object)) defineKey(root, key, key === 'evidence' ? [] : (raw as Record<string, unknown>)[key]);
      return { root, evidence: { kind: 'array' } };
    },
    async *items() {
      if (!Array.isArray(evidence)) return;
      for (let i = 0; i < evidence.length; i += ITEM_BATCH) {
        yield evidence.slice(i, i + ITEM_BATCH).map((value, k) => ({ index: i + k, value }));
      }
    },
    spill: memorySpill,
  };
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
/** bytes that end a number or literal */
const DELIM = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d, 0x3a]) DELIM[c] = 1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const describeByte = (c: number) => (c < 0 ? 'the end of the file' : c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`);

/**
 * Sequential reading of a file from an offset, with the scanning primitives. Each chunk is a fresh buffer, so the
 * slices of a value kept across chunks stay valid.
 */
class Scanner {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** file offset of buf[0] */
  private base: number;
  private eof = false;

  constructor(
    private readonly fh: fs.FileHandle,
    start: number,
    private readonly chunkBytes: number,
  ) {
    this.base = start;
  }

  /** the file offset of the next byte */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes buf[pos] readable; false at the end of the file. */
  private async more(): Promise<boolean> {
    if (this.pos < this.buf.length) return true;
    if (this.eof) return false;
    const next = Buffer.allocUnsafe(this.chunkBytes);
    const { bytesRead } = await this.fh.read(next, 0, this.chunkBytes, this.base + this.buf.length);
    this.base += this.buf.length;
    this.buf = bytesRead === this.chunkBytes ? next : next.subarray(0, bytesRead);
    this.pos = 0;
    if (bytesRead === 0) this.eof = true;
    return bytesRead > 0;
  }

  /** The next byte that is not white space (not consumed), or -1 at the end of the file. */
  async peek(): Promise<number> {
    for (;;) {
      if (this.pos >= this.buf.length && !(await this.more())) return -1;
      const buf = this.buf;
      let i = this.pos;
      while (i < buf.length && WS[buf[i]] === 1) i += 1;
      this.pos = i;
      if (i < buf.length) return buf[i];
    }
  }

  skipByte(): void {
    this.pos += 1;
  }

  fail(what: string, at = this.offset): never {
    throw new ImportFileError(`not valid JSON: ${what} at byte ${at}`);
  }

  /** Consumes `c` (after white space) or fails naming what was expected. */
  async expect(c: number, expected: string): Promise<void> {
    const got = await this.peek();
    if (got !== c) this.fail(`expected ${expected} but found ${describeByte(got)}`);
    this.pos += 1;
  }

  /**
   * Scans the JSON value that starts at the next non-blank byte and returns its bytes (`keep`), or null after
   * skipping it. Only strings and brackets are tracked: what is inside is for JSON.parse to check.
   * `tooLarge` fails a value larger than `maxBytes` (when kept).
   */
  async value(keep: boolean, maxBytes: number, tooLarge: () => never): Promise<Buffer | null> {
    const first = await this.peek();
    if (first < 0) this.fail('unexpected end of the file');
    const startOffset = this.offset;
    const parts: Buffer[] = [];
    let kept = 0;
    let start = this.pos;
    let depth = 0;
    let inString = false;
    let escaped = false;
    const literal = first !== QUOTE && first !== OPEN_BRACE && first !== OPEN_BRACKET;
    if (first === CLOSE_BRACE || first === CLOSE_BRACKET || first === COMMA || first === COLON) this.fail(`unexpected ${describeByte(first)}`);
    for (;;) {
      const buf = this.buf;
      const n = buf.length;
      let i = this.pos;
      let end = -1;
      if (literal) {
        while (i < n && DELIM[buf[i]] !== 1) i += 1;
        if (i < n) end = i;
      } else {
        let nextBackslash = -2;
        while (i < n) {
          if (inString) {
            if (escaped) {
              escaped = false;
              i += 1;
              continue;
            }
            // jump to the closing quote, unless a backslash comes first
            const q = buf.indexOf(QUOTE, i);
            if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = buf.indexOf(BACKSLASH, i);
            if (nextBackslash !== -1 && (q === -1 || nextBackslash < q)) {
              i = nextBackslash + 1;
              escaped = true;
              continue;
            }
            if (q === -1) {
              i = n;
              break;
            }
            i = q + 1;
            inString = false;
            if (depth === 0) {
              end = i;
              break;
            }
            continue;
          }
          const c = buf[i];
          i += 1;
          if (c === QUOTE) inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
          else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
            depth -= 1;
            if (depth === 0) {
              end = i;
              break;
            }
          }
        }
      }
      if (end >= 0) {
        this.pos = end;
        if (!keep) return null;
        if (kept + (end - start) > maxBytes) tooLarge();
        const tail = buf.subarray(start, end);
        return parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
      }
      // the value goes on in the next chunk
      if (keep) {
        kept += n - start;
        if (kept > maxBytes) tooLarge();
        parts.push(buf.subarray(start, n));
      }
      this.pos = n;
      if (!(await this.more())) {
        if (literal) {
          this.pos = this.buf.length;
          if (!keep) return null;
          return Buffer.concat(parts);
        }
        this.fail(inString ? 'unterminated string' : 'unexpected end of the file (a bracket is not closed)', startOffset);
      }
      start = this.pos;
    }
  }
}

function parseSlice(bytes: Buffer, where: () => string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImportFileError(`not valid JSON: ${where()}: ${(err as Error).message}`);
  }
}

/** An import file on disk, read in passes (see the top of this file). */
export function fileSource(path: string, options: { chunkBytes?: number } = {}): ImportSource {
  const chunkBytes = options.chunkBytes ?? READ_CHUNK_BYTES;
  /** the byte offset of the evidence array's "[", once the header pass has found it */
  let arrayAt: number | null = null;
  let headerRead: Promise<ImportHeader> | null = null;

  async function withFile<T>(fn: (fh: fs.FileHandle) => Promise<T>): Promise<T> {
    const fh = await fs.open(path, 'r');
    try {
      return await fn(fh);
    } finally {
      await fh.close();
    }
  }

  async function readHeader(): Promise<ImportHeader> {
    return withFile(async (fh) => {
      const sc = new Scanner(fh, 0, chunkBytes);
      const first = await sc.peek();
      if (first < 0) sc.fail('the file is empty');
      let header: ImportHeader;
      if (first !== OPEN_BRACE) {
        // not an object: the validator says so; the value itself is never needed
        const bytes = await sc.value(first !== OPEN_BRACKET, MAX_VALUE_BYTES, () => sc.fail('the top-level value is too large'));
        const root = bytes ? parseSlice(bytes, () => 'the top-level value') : [];
        header = { root, evidence: { kind: 'absent' } };
      } else {
        sc.skipByte();
        const root: Record<string, unknown> = {};
        let evidence: ImportHeader['evidence'] = { kind: 'absent' };
        let c = await sc.peek();
        if (c === CLOSE_BRACE) sc.skipByte();
        else {
          for (;;) {
            if (c !== QUOTE) sc.fail(`expected a key (a string) but found ${describeByte(c)}`);
            const keyAt = sc.offset;
            const key = parseSlice((await sc.value(true, MAX_VALUE_BYTES, () => sc.fail('a key is too large')))!, () => `the key at byte ${keyAt}`) as string;
            await sc.expect(COLON, '":"');
            await sc.peek();
            const valueAt = sc.offset;
            if (key === 'evidence' && (await sc.peek()) === OPEN_BRACKET) {
              arrayAt = sc.offset;
              await skipArray(sc);
              evidence = { kind: 'array' };
              defineKey(root, key, []);
            } else {
              const bytes = await sc.value(true, MAX_VALUE_BYTES, () => sc.fail(`the value of "${key}" is larger than ${MAX_VALUE_BYTES >> 20} MiB`, valueAt));
              const value = parseSlice(bytes!, () => `the value of "${key}" (at byte ${valueAt})`);
              defineKey(root, key, value);
              if (key === 'evidence') {
                arrayAt = null;
                evidence = { kind: 'value', value };
              }
            }
            c = await sc.peek();
            if (c === COMMA) {
              sc.skipByte();
              c = await sc.peek();
              continue;
            }
            if (c === CLOSE_BRACE) {
              sc.skipByte();
              break;
            }
            sc.fail(`expected "," or "}" but found ${describeByte(c)}`);
          }
        }
        header = { root, evidence };
      }
      const rest = await sc.peek();
      if (rest >= 0) sc.fail(`unexpected ${describeByte(rest)} after the end of the document`);
      return header;
    });
  }

  /** Skips an array, checking its separators (not its elements' insides). */
  async function skipArray(sc: Scanner): Promise<void> {
    await sc.expect(OPEN_BRACKET, '"["');
    if ((await sc.peek()) === CLOSE_BRACKET) {
      sc.skipByte();
      return;
    }
    for (;;) {
      await sc.value(false, 0, () => sc.fail('unreachable'));
      const c = await sc.peek();
      sc.skipByte();
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) sc.fail(`expected "," or "]" in the evidence array but found ${describeByte(c)}`, sc.offset - 1);
    }
  }

  const source: ImportSource = {
    header() {
      headerRead ??= readHeader();
      return headerRead;
    },
    async *items() {
      await source.header();
      if (arrayAt === null) return;
      const fh = await fs.open(path, 'r');
      try {
        const sc = new Scanner(fh, arrayAt, chunkBytes);
        await sc.expect(OPEN_BRACKET, '"["');
        if ((await sc.peek()) === CLOSE_BRACKET) return;
        let batch: RawItem[] = [];
        for (let index = 0; ; index += 1) {
          await sc.peek();
          const at = sc.offset;
          const bytes = await sc.value(true, MAX_ITEM_BYTES, () => {
            throw new ImportFileError(`evidence[${index}] (at byte ${at}) is larger than ${MAX_ITEM_BYTES >> 20} MiB`);
          });
          batch.push({ index, value: parseSlice(bytes!, () => `evidence[${index}] (at byte ${at})`) });
          const c = await sc.peek();
          sc.skipByte();
          if (c === CLOSE_BRACKET) break;
          if (c !== COMMA) sc.fail(`expected "," or "]" after evidence[${index}] but found ${describeByte(c)}`, sc.offset - 1);
          if (batch.length >= ITEM_BATCH) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      } finally {
        await fh.close();
      }
    },
    spill: fileSpill,
  };
  return source;
}
