// What a text search looks for, cut the way the text indexes cut the items (migration 0013): words (runs of
// letters, digits and marks, in any script that separates its words) are found as words or word prefixes, case
// folded; runs of CJK characters (han, kana, hangul), which are written without spaces, are found as substrings.
// Everything else (punctuation, symbols, spaces) only separates terms. Every term must be found (AND). Terms are
// folded as the indexes store the text (search-fold.ts: Arabic-script letter variants, diacritics, zero-width
// non-joiners, Arabic-Indic digits), so a word is found however it was keyed.

import { searchFold } from './search-fold';

export type SearchTerm = { kind: 'word'; text: string } | { kind: 'cjk'; text: string };

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/gu;
const TERM_CHARS = /[\p{L}\p{N}\p{M}]+/gu;

/** The terms of a search, at most `max` of them (a longer search is cut: its first terms decide). */
export function searchTerms(q: string, max = 16): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const run of searchFold(q.normalize('NFC')).match(TERM_CHARS) ?? []) {
    let at = 0;
    for (const cjk of run.matchAll(CJK)) {
      if (cjk.index! > at) terms.push({ kind: 'word', text: run.slice(at, cjk.index) });
      terms.push({ kind: 'cjk', text: cjk[0] });
      at = cjk.index! + cjk[0].length;
    }
    if (at < run.length) terms.push({ kind: 'word', text: run.slice(at) });
  }
  const seen = new Set<string>();
  return terms.filter((t) => /[\p{L}\p{N}]/u.test(t.text) && !seen.has(`${t.kind}:${t.text.toLowerCase()}`) && seen.add(`${t.kind}:${t.text.toLowerCase()}`)).slice(0, max);
}
