// What each locale needs beside app.css, served by pactwatch itself (it runs on air-gapped networks: no font
// service, no CDN): the Noto fonts for Arabic-script and Chinese text, from the @fontsource packages in
// node_modules, at /assets/fonts/<family>/<file>.woff2, and a stylesheet per locale at /assets/locale/<locale>.css
// with its @font-face rules, its body font and line height, and the strings CSS prints on paper (the band legend
// and page number in the page margins, the demo watermark), translated. PDFs are printed from self-contained HTML
// that can fetch nothing: their @font-face rules name the system's Noto fonts first (local(); Debian's
// fonts-noto-core and fonts-noto-cjk), and the print layout inlines the locale's stylesheet (localeCss).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors';
import { directionOf, formatNumber, isLocale, translate } from '../i18n/messages';

const require = createRequire(import.meta.url);

/** The font packages served, by the name used in URLs (the package's own). */
const FONT_PACKAGES = ['noto-naskh-arabic', 'noto-nastaliq-urdu', 'noto-sans-sc'] as const;
type FontPackage = (typeof FONT_PACKAGES)[number];

/** A font file's name: lower-case words and digits joined by hyphens, .woff2 (nothing else is served). */
const FONT_FILE = /^[a-z0-9]+(?:-[a-z0-9]+)*\.woff2$/;

function packageDir(name: FontPackage): string | null {
  try {
    return path.dirname(require.resolve(`@fontsource/${name}/package.json`));
  } catch {
    return null;
  }
}

interface FontDir {
  dir: string;
  /** the .woff2 files in its files/ folder: only these are served */
  files: ReadonlySet<string>;
}

const FONT_DIRS = new Map<string, FontDir>();
for (const name of FONT_PACKAGES) {
  const root = packageDir(name);
  if (!root) continue;
  const dir = path.join(root, 'files');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => FONT_FILE.test(f)) : [];
  FONT_DIRS.set(name, { dir, files: new Set(files) });
}

/** The path of a served font file, or null when the family or file is not one we serve. */
export function fontFilePath(family: string, file: string): string | null {
  if (!FONT_FILE.test(file)) return null;
  const found = FONT_DIRS.get(family);
  if (!found || !found.files.has(file)) return null;
  return path.join(found.dir, file);
}

// --- @font-face rules ----------------------------------------------------------------------------------------------

interface Face {
  file: string;
  weight: number;
  unicodeRange: string;
}

/** The faces of a fontsource stylesheet (e.g. 400.css) whose file name passes `keep`, with their unicode ranges. */
function facesOf(name: FontPackage, weight: number, keep: RegExp): Face[] {
  const root = packageDir(name);
  if (!root) return [];
  const cssPath = path.join(root, `${weight}.css`);
  if (!fs.existsSync(cssPath)) return [];
  const css = fs.readFileSync(cssPath, 'utf8');
  const faces: Face[] = [];
  for (const block of css.matchAll(/@font-face\s*\{([^}]*)\}/g)) {
    const file = /url\(\.\/files\/([a-z0-9-]+\.woff2)\)/.exec(block[1])?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block[1])?.[1]?.trim();
    if (!file || !range || !keep.test(file) || !/^[Uu0-9a-fA-F+,\- ?]+$/.test(range)) continue;
    if (!fontFilePath(name, file)) continue;
    // ASCII (some Chinese slices hold a few signs such as % or #) stays with the page's Latin font
    const ranges = range.split(',').map((r) => r.trim()).filter((r) => parseInt(r.replace(/^U\+/i, '').split('-').pop()!.replace(/\?/g, 'f'), 16) >= 0x80);
    if (ranges.length === 0) continue;
    faces.push({ file, weight, unicodeRange: ranges.join(',') });
  }
  return faces;
}

/** A font as installed on a system, named as local() finds it (full name or PostScript name), by weight. */
type LocalNames = Readonly<Record<number, readonly string[]>>;

interface Family {
  /** the name our @font-face rules give it (distinct from the system family, which stays usable as a fallback) */
  cssName: string;
  /** the system family (Debian's fonts-noto-core / fonts-noto-cjk), listed after ours in font-family */
  systemName: string;
  pkg: FontPackage;
  /** which of the package's files: the script's own slices, never its Latin or symbols (system fonts draw those) */
  keep: (weight: number) => RegExp;
  local: LocalNames;
}

const NASKH: Family = {
  cssName: 'pactwatch Naskh',
  systemName: 'Noto Naskh Arabic',
  pkg: 'noto-naskh-arabic',
  keep: (w) => new RegExp(`^noto-naskh-arabic-arabic-${w}-normal\\.woff2$`),
  local: { 400: ['Noto Naskh Arabic', 'Noto Naskh Arabic Regular', 'NotoNaskhArabic-Regular'], 700: ['Noto Naskh Arabic Bold', 'NotoNaskhArabic-Bold'] },
};

const NASTALIQ: Family = {
  cssName: 'pactwatch Nastaliq',
  systemName: 'Noto Nastaliq Urdu',
  pkg: 'noto-nastaliq-urdu',
  keep: (w) => new RegExp(`^noto-nastaliq-urdu-arabic-${w}-normal\\.woff2$`),
  local: { 400: ['Noto Nastaliq Urdu', 'Noto Nastaliq Urdu Regular', 'NotoNastaliqUrdu-Regular'], 700: ['Noto Nastaliq Urdu Bold', 'NotoNastaliqUrdu-Bold'] },
};

// the numbered slices are the Chinese characters split by frequency (a page loads the few it uses)
const SANS_SC: Family = {
  cssName: 'pactwatch Sans SC',
  systemName: 'Noto Sans CJK SC',
  pkg: 'noto-sans-sc',
  keep: (w) => new RegExp(`^noto-sans-sc-\\d+-${w}-normal\\.woff2$`),
  local: { 400: ['Noto Sans CJK SC', 'Noto Sans CJK SC Regular', 'NotoSansCJKsc-Regular', 'Noto Sans SC', 'Noto Sans SC Regular', 'NotoSansSC-Regular'], 700: ['Noto Sans CJK SC Bold', 'NotoSansCJKsc-Bold', 'Noto Sans SC Bold', 'NotoSansSC-Bold'] },
};

const WEIGHTS = [400, 700] as const;

function fontFaces(family: Family): string {
  const rules: string[] = [];
  for (const weight of WEIGHTS) {
    const locals = (family.local[weight] ?? []).map((n) => `local(${cssString(n)})`);
    for (const face of facesOf(family.pkg, weight, family.keep(weight))) {
      rules.push(
        [
          '@font-face {',
          `  font-family: ${cssString(family.cssName)};`,
          '  font-style: normal;',
          `  font-weight: ${face.weight};`,
          '  font-display: swap;',
          `  src: ${[...locals, `url(/assets/fonts/${family.pkg}/${face.file}) format("woff2")`].join(', ')};`,
          `  unicode-range: ${face.unicodeRange};`,
          '}',
        ].join('\n'),
      );
    }
  }
  return rules.join('\n');
}

// --- the locale stylesheet -------------------------------------------------------------------------------------------

/** app.css's font stack (Latin, Cyrillic and symbols come from the system's fonts, as in English). */
const BASE_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif';

/** A CSS string literal: quotes and backslashes escaped, controls and "<" (no "</style>" in an inline sheet) as hex. */
export function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\u0000-\u001f\u007f<>]/g, (c) => `\\${c.codePointAt(0)!.toString(16)} `)}"`;
}

/** "page {page} of {pages}" in the locale as CSS content: its words as strings around the page counters. */
function pageNumberContent(locale: string): string {
  const PAGE = '\u0001P\u0001';
  const PAGES = '\u0001Q\u0001';
  const text = translate(locale, 'page {page} of {pages}', { page: PAGE, pages: PAGES });
  // the counters in the digits the locale writes numbers in (Persian and Pashto: ۱۲۳)
  const zero = formatNumber(locale, 0);
  const style = zero === '۰' ? ', persian' : zero === '٠' ? ', arabic-indic' : '';
  const parts: string[] = [];
  for (const piece of text.split(/(\u0001[PQ]\u0001)/)) {
    if (piece === PAGE) parts.push(`counter(page${style})`);
    else if (piece === PAGES) parts.push(`counter(pages${style})`);
    else if (piece !== '') parts.push(cssString(piece));
  }
  return parts.join(' ');
}

/** What differs between locales: fonts, line height, and the font of the printed page margins. */
interface LocaleLook {
  faces: string;
  fontFamily: string | null;
  lineHeight: string | null;
  /** font shorthand of the page-margin texts (legend, page number) */
  marginFont: string;
  extra: string;
}

function lookOf(locale: string): LocaleLook {
  // ours first (they cover only their script's letters: Latin, digits and symbols come from the usual stack, as in
  // English); the system's family of the same font last, for its script where ours could not be loaded
  const stack = (...families: Family[]) => [...families.map((f) => cssString(f.cssName)), BASE_STACK.replace(/, sans-serif$/, ''), ...families.map((f) => cssString(f.systemName)), 'sans-serif'].join(', ');
  const base = locale.split('-')[0];
  if (base === 'zh') {
    const family = stack(SANS_SC);
    return { faces: fontFaces(SANS_SC), fontFamily: family, lineHeight: null, marginFont: `7pt ${family}`, extra: '' };
  }
  if (base === 'ur') {
    // Nastaliq for reading; its tall letters need room between lines. Form controls and compact labels keep Naskh,
    // whose shorter letters fit their boxes.
    const naskh = stack(NASKH);
    return {
      faces: `${fontFaces(NASTALIQ)}\n${fontFaces(NASKH)}`,
      fontFamily: stack(NASTALIQ, NASKH),
      lineHeight: '2',
      marginFont: `7pt ${naskh}`,
      // printed, the one-page briefing and score tables set tight lines to fit A4: Naskh there too
      extra: `input, select, textarea, button, .band, .status, .tlp, .score-chart text { font-family: ${naskh}; line-height: 1.6; }\n@media print { .briefing, table { font-family: ${naskh}; } }\n`,
    };
  }
  if (base === 'fa' || base === 'ps') {
    const family = stack(NASKH);
    return { faces: fontFaces(NASKH), fontFamily: family, lineHeight: '1.7', marginFont: `7pt ${family}`, extra: '' };
  }
  return { faces: '', fontFamily: null, lineHeight: null, marginFont: '7pt sans-serif', extra: '' };
}

function buildStylesheet(locale: string): string {
  const look = lookOf(locale);
  const rtl = directionOf(locale) === 'rtl';
  const legend = cssString(translate(locale, '● compliant  ◕ largely compliant  ◑ partially compliant  ○ non-compliant  (dashed: insufficient evidence)'));
  const pages = pageNumberContent(locale);
  const watermark = cssString(translate(locale, 'ILLUSTRATIVE DEMO DATA'));
  const root = [look.fontFamily ? `font-family: ${look.fontFamily};` : '', look.lineHeight ? `line-height: ${look.lineHeight};` : ''].filter(Boolean).join(' ');
  // right to left: the legend starts at the right-hand margin, the page number moves to the left
  const [legendBox, pageBox] = rtl ? ['bottom-right', 'bottom-left'] : ['bottom-left', 'bottom-right'];
  const marginDir = rtl ? ' direction: rtl;' : '';
  return [
    `/* pactwatch: ${locale} (${rtl ? 'right to left' : 'left to right'}); fonts served from this server, none from elsewhere */`,
    look.faces,
    root ? `:root { ${root} }` : '',
    look.extra.trimEnd(),
    '@media print {',
    '  @page {',
    `    @${legendBox} { content: ${legend}; font: ${look.marginFont};${marginDir} }`,
    `    @${pageBox} { content: ${pages}; font: ${look.marginFont};${marginDir} }`,
    '  }',
    `  body.demo::before, body:has(.demo-banner)::before { content: ${watermark}; }`,
    '}',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n')
    .concat('\n');
}

const STYLESHEETS = new Map<string, string>();

/** The locale's stylesheet (built once per locale and process). */
export function localeStylesheet(locale: string): string {
  let css = STYLESHEETS.get(locale);
  if (css === undefined) {
    css = buildStylesheet(locale);
    STYLESHEETS.set(locale, css);
  }
  return css;
}

/** What a self-contained (printed) page needs for its locale: lang, dir and the locale stylesheet to inline. */
export const printLocale = (locale: string) => ({ locale, dir: directionOf(locale), localeCss: localeStylesheet(locale) });

// --- routes ---------------------------------------------------------------------------------------------------------------

const FONT_CACHE = 'public, max-age=31536000, immutable';

export function localeAssetRoutes(app: FastifyInstance) {
  app.get<{ Params: { locale: string } }>('/assets/locale/:locale.css', { config: { access: 'public' } }, async (request, reply) => {
    const { locale } = request.params;
    if (!isLocale(locale)) throw notFound();
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(localeStylesheet(locale));
  });

  app.get<{ Params: { family: string; file: string } }>('/assets/fonts/:family/:file', { config: { access: 'public' } }, async (request, reply) => {
    const file = fontFilePath(request.params.family, request.params.file);
    if (!file) throw notFound();
    const bytes = await fs.promises.readFile(file);
    return reply.type('font/woff2').header('cache-control', FONT_CACHE).send(bytes);
  });
}
