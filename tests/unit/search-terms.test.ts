import { describe, expect, it } from 'vitest';
import { searchTerms } from '../../src/evidence/search-terms';

describe('what a text search looks for', () => {
  it('cuts words at punctuation and spaces, in any script', () => {
    expect(searchTerms('TTP-cell, x9')).toEqual([{ kind: 'word', text: 'TTP' }, { kind: 'word', text: 'cell' }, { kind: 'word', text: 'x9' }]);
    expect(searchTerms('в Бадахшане')).toEqual([{ kind: 'word', text: 'в' }, { kind: 'word', text: 'Бадахшане' }]);
    expect(searchTerms('اجتماع في بدخشان').map((t) => t.text)).toEqual(['اجتماع', 'فی', 'بدخشان']); // folded: Arabic yeh as Farsi yeh (search-fold.ts)
  });

  it('keeps runs of CJK characters apart from the words around them, to be found as substrings', () => {
    expect(searchTerms('巴达赫尚省 meeting')).toEqual([{ kind: 'cjk', text: '巴达赫尚省' }, { kind: 'word', text: 'meeting' }]);
    expect(searchTerms('中国abc人')).toEqual([{ kind: 'cjk', text: '中国' }, { kind: 'word', text: 'abc' }, { kind: 'cjk', text: '人' }]);
    expect(searchTerms('カタカナ 한국어').map((t) => t.kind)).toEqual(['cjk', 'cjk']);
  });

  it('has no terms for punctuation and symbols alone, drops repeats (case folded) and stops at a bound', () => {
    expect(searchTerms('% _ " * ( ) <> -')).toEqual([]);
    expect(searchTerms('Patrol patrol PATROL')).toEqual([{ kind: 'word', text: 'Patrol' }]);
    expect(searchTerms(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))).toHaveLength(16);
  });

  it('never lets a quote or an operator of the index syntaxes into a term', () => {
    for (const t of searchTerms(`"a" OR b* NEAR(c) 'd':* & e | !f <-> g`)) expect(t.text).toMatch(/^[\p{L}\p{N}\p{M}]+$/u);
  });
});
