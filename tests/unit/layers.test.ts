// The layering rule of .dependency-cruiser.cjs holds for src/, and it does catch an upward import: a fixture tree
// where the scoring engine, the database layer and a lower feature each reach upward must fail on every one.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string, tsConfig: string | null): Promise<string[]> {
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(['src'], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      ...(tsConfig ? { tsConfig: { fileName: tsConfig } } : { tsConfig: undefined, tsPreCompilationDeps: true }),
    });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  } finally {
    process.chdir(previous);
  }
}

describe('the layering of src/', () => {
  it('has no upward or circular import', async () => {
    expect(await violations(ROOT, 'tsconfig.json')).toEqual([]);
  }, 120_000);

  it('fails on upward imports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    try {
      write('src/scoring/engine.ts', "import { loadThing } from '../framework/repository';\nexport const x = loadThing;\n");
      write('src/db/connect.ts', "import { y } from '../evidence/service';\nexport const z = y;\n");
      write('src/framework/repository.ts', "import { y } from '../evidence/service';\nexport const loadThing = y;\n");
      write('src/evidence/service.ts', "import Fastify from 'fastify';\nimport { page } from './routes';\nexport const y = [Fastify, page];\n");
      write('src/evidence/routes.ts', "export const page = 1;\n");
      write('src/views/render.ts', "import { y } from '../evidence/service';\nexport const r = y;\n");
      const found = await violations(dir, null);
      expect(found).toEqual(expect.arrayContaining([
        expect.stringMatching(/^scoring-is-pure: src\/scoring\/engine\.ts -> src\/framework\/repository\.ts/),
        expect.stringMatching(/^db-below-domain: src\/db\/connect\.ts -> src\/evidence\/service\.ts/),
        expect.stringMatching(/^framework-not-to-evidence: src\/framework\/repository\.ts -> src\/evidence\/service\.ts/),
        expect.stringMatching(/^domain-not-to-web: src\/evidence\/service\.ts -> src\/evidence\/routes\.ts/),
        expect.stringMatching(/^views-know-only-views: src\/views\/render\.ts -> src\/evidence\/service\.ts/),
      ]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
