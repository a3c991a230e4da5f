// Finds every message key the code and templates can say, for the catalogue test and for translators
// (`npx tsx src/i18n/extract.ts` prints the keys a locale lacks). A key is an English ICU template written as a
// literal where it is used:
//   templates: {{t "…"}}, (t "…")
//   code:      msg('…'), translate(locale, '…'), new AppError('CODE', '…'), { message: '…' } (field problems),
//              problem(path, '…'), conflict('…'), notFound('…'), forbidden('…'), { key: '…' },
//              and the fixed messages of ERROR_CODES
// Keys built at run time cannot be found, so code never builds one: it picks among literals.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface KeyUse {
  key: string;
  where: string;
}

const HBS_PATTERNS = [/\{\{~?\s*t\s+"((?:[^"\\]|\\.)*)"/g, /\(\s*t\s+"((?:[^"\\]|\\.)*)"/g, /\{\{~?\s*t\s+'((?:[^'\\]|\\.)*)'/g, /\(\s*t\s+'((?:[^'\\]|\\.)*)'/g];

const STRING = String.raw`(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|\x60((?:[^\x60\\$]|\\.|\$(?!\{))*)\x60)`;
const TS_PATTERNS = [
  new RegExp(String.raw`\bmsg\(\s*` + STRING, 'g'),
  new RegExp(String.raw`\btranslate\(\s*[\w.]+\s*,\s*` + STRING, 'g'),
  new RegExp(String.raw`new AppError\(\s*'[A-Z_]+'\s*,\s*` + STRING, 'g'),
  new RegExp(String.raw`\bmessage:\s*` + STRING, 'g'),
  new RegExp(String.raw`\{\s*key:\s*` + STRING, 'g'),
  new RegExp(String.raw`\bproblem\(\s*(?:'[^'\n]*'|\x60[^\x60\n]*\x60|[\w.]+)\s*,\s*` + STRING, 'g'),
  new RegExp(String.raw`\b(?:conflict|notFound|forbidden|validationError|unavailable)\(\s*` + STRING, 'g'),
];

function unescapeJs(s: string): string {
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.startsWith('u') && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e.startsWith('x') && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

function walk(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, ext, out);
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Every key used in views/ and src/ (the i18n folder itself excepted), with where it is used. */
export function extractKeys(root: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (key: string, where: string) => {
    if (!key.trim()) return;
    const list = found.get(key) ?? [];
    list.push(where);
    found.set(key, list);
  };
  for (const file of walk(join(root, 'views'), '.hbs')) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of HBS_PATTERNS) for (const m of text.matchAll(pattern)) add(unescapeJs(m[1]), `${relative(root, file)}:${lineOf(text, m.index!)}`);
  }
  for (const file of walk(join(root, 'src'), '.ts')) {
    if (file.includes(join('src', 'i18n'))) continue;
    const text = readFileSync(file, 'utf8');
    for (const pattern of TS_PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        const literal = m[1] ?? m[2] ?? m[3];
        if (literal !== undefined) add(unescapeJs(literal), `${relative(root, file)}:${lineOf(text, m.index!)}`);
      }
    }
  }
  return found;
}

// npx tsx src/i18n/extract.ts [locale]: the keys the locale's catalogue lacks (all keys without a locale)
if (process.argv[1] && process.argv[1].endsWith('extract.ts')) {
  const { readCatalog } = await import('./messages');
  const root = join(import.meta.dirname ?? '.', '..', '..');
  const keys = extractKeys(root);
  const locale = process.argv[2];
  const catalog = locale ? readCatalog(locale) : {};
  const missing = [...keys].filter(([k]) => !(k in catalog));
  for (const [key, where] of missing) console.log(`${JSON.stringify(key)}\t${where[0]}`);
  console.error(`${missing.length} of ${keys.size} keys${locale ? ` missing in ${locale}` : ''}`);
}
