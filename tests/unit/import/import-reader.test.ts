// The streamed reader of import files: whatever the chunk size, it reads exactly what JSON.parse of the whole
// file reads (the top level without the evidence array, then each item), and a file that is not JSON fails with
// the place named; the spill gives back the lines it was given.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSource, fileSpill, ImportFileError, memorySource, type ImportSource } from '../../../src/framework/import-reader';
import { writeImportFile } from '../../integration/fixtures/import-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-reader-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (text: string | Buffer) => {
  const file = path.join(dir, `f${n++}.json`);
  fs.writeFileSync(file, text);
  return file;
};

async function readAll(source: ImportSource) {
  const header = await source.header();
  const items: unknown[] = [];
  for await (const batch of source.items()) {
    for (const { index, value } of batch) {
      expect(index).toBe(items.length);
      items.push(value);
    }
  }
  return { header, items };
}

/** What the reader should give for a document JSON.parse reads as `parsed`. */
function expected(parsed: unknown) {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const evidence = Object.prototype.hasOwnProperty.call(parsed, 'evidence') ? (parsed as Record<string, unknown>).evidence : undefined;
  if (!Array.isArray(evidence)) return { root: parsed, items: [] as unknown[], kind: evidence === undefined ? 'absent' : 'value' };
  return { root: { ...(parsed as object), evidence: [] }, items: evidence, kind: 'array' };
}

// JSON values with the characters that matter to a scanner: quotes, backslashes, brackets in strings, multi-byte text
const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', ' ', '\n', 'a', 'é', '“', '😀', '\u2028', '/') });
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(tricky, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** JSON text with white space of its own between tokens (JSON.stringify with an indent, or compact). */
const documentArb = fc
  .record({
    before: fc.dictionary(fc.oneof(tricky, fc.constantFrom('framework', 'framework_code', '__proto__')), value, { maxKeys: 3 }),
    evidence: fc.oneof({ weight: 4, arbitrary: fc.array(value, { maxLength: 12 }) }, { weight: 1, arbitrary: value }),
    after: fc.dictionary(tricky, value, { maxKeys: 2 }),
    indent: fc.constantFrom(0, 1, 2, '\t'),
  })
  .map(({ before, evidence, after, indent }) => {
    const parts = [
      ...Object.entries(before).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v, null, indent)}`),
      `"evidence" : ${JSON.stringify(evidence, null, indent)}`,
      ...Object.entries(after).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v, null, indent)}`),
    ];
    return indent ? `\n{\n${parts.join(',\n')}\n}\n` : `{${parts.join(',')}}`;
  });

describe('fileSource', () => {
  it('reads what JSON.parse reads, whatever the chunk size (a value split anywhere across chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, fc.integer({ min: 1, max: 64 }), async (text, chunkBytes) => {
        const file = write(text);
        const want = expected(JSON.parse(text));
        const got = await readAll(fileSource(file, { chunkBytes }));
        expect(got.header.evidence.kind).toBe(want!.kind);
        expect(got.header.root).toEqual(want!.root);
        expect(Object.keys(got.header.root as object)).toEqual(Object.keys(want!.root as object));
        expect(got.items).toEqual(want!.items);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a file much larger than a chunk item by item: the same items as JSON.parse, framework keys after the array included', async () => {
    const file = path.join(dir, 'large.json');
    writeImportFile(file, { count: 3000, pretty: true, tail: { framework_code: 'QUAD-2025' } });
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(100 * 4096);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    const got = await readAll(fileSource(file, { chunkBytes: 4096 }));
    expect(got.header.root).toEqual({ framework_code: 'QUAD-2025', evidence: [] });
    expect(got.items).toEqual(parsed.evidence);
  });

  it('resolves repeated keys as JSON.parse does, and keeps "__proto__" an own key', async () => {
    const text = '{"framework_code":"A","evidence":[1],"__proto__":{"x":1},"framework_code":"B","evidence":[2,3]}';
    const got = await readAll(fileSource(write(text), { chunkBytes: 5 }));
    const parsed = JSON.parse(text);
    expect(got.header.root).toEqual({ ...parsed, evidence: [] });
    expect(Object.getPrototypeOf(got.header.root)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(got.header.root, '__proto__')).toBe(true);
    expect(got.items).toEqual([2, 3]);
  });

  it('gives a top level that is not an object to the validator as what it is', async () => {
    for (const text of ['[1, 2]', '"text"', '12', 'null']) {
      const got = await readAll(fileSource(write(text)));
      expect(Array.isArray(got.header.root) || typeof got.header.root !== 'object' || got.header.root === null).toBe(true);
      expect(got.items).toEqual([]);
    }
  });

  it.each([
    ['', /the file is empty/],
    ['{"evidence": [1, 2', /unexpected end of the file|expected "," or "\]"/],
    ['{"evidence": [1, 2,]}', /unexpected "\]"/],
    ['{"evidence": [1 2]}', /expected "," or "\]"/],
    ['{"a": 1,}', /expected a key/],
    ['{"a": 1} x', /after the end of the document at byte 9/],
    ['{"a": "unterminated}', /unterminated string at byte 6/],
    ['{"a" 1}', /expected ":"/],
    ['{"a": tru}', /the value of "a"/],
    ['\uFEFF{"a": 1}', /not valid JSON/],
  ])('fails %j with the place named', async (text, message) => {
    await expect(readAll(fileSource(write(text), { chunkBytes: 3 }))).rejects.toThrow(message);
    await expect(readAll(fileSource(write(text), { chunkBytes: 3 }))).rejects.toBeInstanceOf(ImportFileError);
  });

  it('names the item whose JSON is broken, and its byte', async () => {
    const text = '{"framework_code":"F","evidence":[{"ref":"a"},\n{"ref":"b",}]}';
    await expect(readAll(fileSource(write(text), { chunkBytes: 7 }))).rejects.toThrow(/evidence\[1\] \(at byte 47\)/);
  });

  it('refuses an item larger than the reader accepts, without reading it whole', async () => {
    const file = path.join(dir, 'huge-item.json');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, '{"framework_code":"F","evidence":[{"ref":"a","summary":"');
    const block = 'x'.repeat(1 << 20);
    for (let i = 0; i < 17; i += 1) fs.writeSync(fd, block);
    fs.writeSync(fd, '"}]}');
    fs.closeSync(fd);
    await expect(readAll(fileSource(file))).rejects.toThrow(/evidence\[0\] \(at byte 34\) is larger than 16 MiB/);
  });
});

describe('memorySource', () => {
  it('reads a parsed value as fileSource reads its text', async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, async (text) => {
        const fromFile = await readAll(fileSource(write(text), { chunkBytes: 16 }));
        const fromMemory = await readAll(memorySource(JSON.parse(text)));
        expect(fromMemory).toEqual(fromFile);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fileSpill', () => {
  it('gives back every line in order, across its buffer and read chunks, and removes its file', async () => {
    const spill = fileSpill();
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ i, text: `ünïcödé “${'x'.repeat(i % 300)}” \u2028 😀` }));
    for (const line of lines) spill.add(line);
    const back: string[] = [];
    for await (const batch of spill.lines()) back.push(...batch);
    expect(back).toEqual(lines);
    const again: string[] = [];
    for await (const batch of spill.lines()) again.push(...batch);
    expect(again.length).toBe(lines.length);
    await spill.dispose();
    const empty = fileSpill();
    const none: string[] = [];
    for await (const batch of empty.lines()) none.push(...batch);
    expect(none).toEqual([]);
    await empty.dispose();
  });
});
