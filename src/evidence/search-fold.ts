// Search folding for the scripts our readers type (issue 14): what the text indexes store and what a search looks
// for are both folded the same way, so a word is found however it was keyed. Case is folded by the indexes
// themselves (SQLite unicode61, PostgreSQL lower() in to_tsvector); this folds what they do not:
// - Arabic-script letter variants that Persian, Dari, Pashto, Urdu and Arabic keyboards produce for the same
//   letter: Arabic yeh and alef maksura to Farsi yeh (ي ى ئ → ی), Arabic kaf to keheh (ك → ک), alef forms to
//   alef (أ إ آ ٱ → ا), waw with hamza to waw (ؤ → و), teh marbuta and heh with yeh to heh (ة ۀ → ه);
// - diacritics (harakat, superscript alef, Quranic marks) and the tatweel, which are left out as often as written;
// - zero-width joiners and non-joiners (Persian half-spaces): "می‌خواهم" and "میخواهم" are one word;
// - Arabic-Indic and Extended Arabic-Indic digits to ASCII digits (۱۴۰۵ finds 1405).
// The same table builds the SQL that folds in the database (migration 0015), so the three never disagree.

/** Characters replaced by another (one character each). */
export const FOLD_REPLACE: readonly (readonly [string, string])[] = [
  ['\u064A', '\u06CC'], // ي Arabic yeh -> ی Farsi yeh
  ['\u0649', '\u06CC'], // ى alef maksura -> ی
  ['\u0626', '\u06CC'], // ئ yeh with hamza above -> ی
  ['\u0643', '\u06A9'], // ك Arabic kaf -> ک keheh
  ['\u0623', '\u0627'], // أ alef with hamza above -> ا
  ['\u0625', '\u0627'], // إ alef with hamza below -> ا
  ['\u0622', '\u0627'], // آ alef with madda -> ا
  ['\u0671', '\u0627'], // ٱ alef wasla -> ا
  ['\u0624', '\u0648'], // ؤ waw with hamza -> و
  ['\u0629', '\u0647'], // ة teh marbuta -> ه
  ['\u06C0', '\u0647'], // ۀ heh with yeh above -> ه
  ...Array.from({ length: 10 }, (_, d) => [String.fromCharCode(0x0660 + d), String(d)] as const), // ٠-٩
  ...Array.from({ length: 10 }, (_, d) => [String.fromCharCode(0x06f0 + d), String(d)] as const), // ۰-۹
];

/** Characters removed: harakat and other Arabic marks, superscript alef, tatweel, zero-width (non-)joiners. */
export const FOLD_REMOVE: readonly string[] = [
  ...Array.from({ length: 0x065f - 0x064b + 1 }, (_, i) => String.fromCharCode(0x064b + i)), // fathatan .. wavy hamza below
  '\u0670', // superscript alef
  ...Array.from({ length: 0x06ed - 0x06d6 + 1 }, (_, i) => String.fromCharCode(0x06d6 + i)).filter((c) => !/\p{L}/u.test(c)), // Quranic annotation marks
  '\u0640', // tatweel
  '\u200C', // zero-width non-joiner
  '\u200D', // zero-width joiner
];

const REPLACE = new Map(FOLD_REPLACE);
const REMOVE = new Set(FOLD_REMOVE);
const TOUCHED = new RegExp(`[${[...REPLACE.keys(), ...REMOVE].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`, 'u');

/** Text as the search indexes store it (after NFC, which both the form and the import keep). */
export function searchFold(text: string): string {
  if (!TOUCHED.test(text)) return text;
  let out = '';
  for (const c of text) {
    if (REMOVE.has(c)) continue;
    out += REPLACE.get(c) ?? c;
  }
  return out;
}

/** The same folding as a SQLite expression over `expr` (nested replace(), no extension or function needed). */
export function sqliteFoldSql(expr: string): string {
  let sql = expr;
  for (const c of FOLD_REMOVE) sql = `replace(${sql}, char(${c.charCodeAt(0)}), '')`;
  for (const [from, to] of FOLD_REPLACE) sql = `replace(${sql}, char(${from.charCodeAt(0)}), char(${to.charCodeAt(0)}))`;
  return sql;
}

/** The same folding as a PostgreSQL expression over `expr`: translate() maps, and deletes what has no counterpart. */
export function postgresFoldSql(expr: string): string {
  const from = [...FOLD_REPLACE.map(([f]) => f), ...FOLD_REMOVE].join('');
  const to = FOLD_REPLACE.map(([, t]) => t).join('');
  const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return `translate(${expr}, ${literal(from)}, ${literal(to)})`;
}
