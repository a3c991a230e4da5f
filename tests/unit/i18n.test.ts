import { describe, expect, it } from 'vitest';
import { dateTime, directionOf, enablePseudoLocale, english, formatNumber, formatPercent, isLocale, longDate, msg, negotiateLocale, solarHijriDate, translate } from '../../src/i18n/messages';
import { AppError, conflict, problem, validationError } from '../../src/errors';

describe('the translation seam', () => {
  it('renders an English template with its parameters, nested messages included', () => {
    expect(english('must be at most {max} characters (has {length})', { max: 200, length: 201 })).toBe('must be at most 200 characters (has 201)');
    expect(english('required ({rule})', { rule: msg('a date YYYY-MM-DD') })).toBe('required (a date YYYY-MM-DD)');
    // a value is not read as a template again, and an unknown placeholder shows instead of vanishing
    expect(english('unknown group {code}', { code: '"{max}"' })).toBe('unknown group "{max}"');
    expect(english('has {missing}', {})).toBe('has {missing}');
  });

  it('falls back to English for a locale without a catalogue', () => {
    expect(translate('fr', 'unknown benchmark {code}', { code: '"X"' })).toBe('unknown benchmark "X"');
  });

  it('keeps the key and parameters on field problems and errors, with the English rendering as the message', () => {
    const p = problem('name', 'must be at most {max} characters', { max: 200 });
    expect(p).toEqual({ path: 'name', message: 'must be at most 200 characters', key: 'must be at most {max} characters', params: { max: 200 } });
    expect(problem('email', 'is required')).toEqual({ path: 'email', message: 'is required' });
    const err = conflict({ key: 'already {state}', params: { state: 'verified' } });
    expect([err.message, err.key, err.params]).toEqual(['already verified', 'already {state}', { state: 'verified' }]);
    expect(new AppError('NOT_FOUND').key).toBe('Not found');
    expect(validationError([p]).fields).toEqual([p]);
  });

  it('negotiates the locale from Accept-Language', () => {
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('fr-FR, en;q=0.5')).toBe('en');
    expect(negotiateLocale('en-GB')).toBe('en');
    expect(negotiateLocale('zz;q=0, *')).toBe('en');
    expect(negotiateLocale('ru-RU,ru;q=0.9,en;q=0.5')).toBe('ru');
    expect(negotiateLocale('zh-TW')).toBe('zh-CN');
    expect(negotiateLocale('zh-Hans-CN')).toBe('zh-CN');
    expect(negotiateLocale('prs-AF')).toBe('fa');
    expect(negotiateLocale('fa-AF')).toBe('fa');
    expect(negotiateLocale('ps-AF, en;q=0.5')).toBe('ps');
    expect(negotiateLocale('en;q=0.4, ur-PK;q=0.8')).toBe('ur');
    // the pseudo-locale is never negotiated from a browser
    expect(negotiateLocale('en-XA')).toBe('en');
  });

  it('offers the pseudo-locale only when enabled, and transforms the words of a message, not its values', () => {
    enablePseudoLocale(false);
    expect(isLocale('en-XA')).toBe(false);
    enablePseudoLocale(true);
    try {
      expect(isLocale('en-XA')).toBe(true);
      expect(translate('en-XA', 'Saved {n, plural, one {# item} other {# items}} for {name}', { n: 2, name: 'Kabul' })).toBe('⟦Šåṽéđ 2 îţéɱš ƒöŕ Kabul⟧');
    } finally {
      enablePseudoLocale(false);
    }
  });

  it('translates from the catalogues with ICU plurals by the locale rules, falling back to English', () => {
    expect(translate('ru', 'Compliant')).toBe('Соблюдается');
    expect(translate('fa', 'as {why}', { why: 'x' })).toBe('چون x');
    // a key no catalogue has: English, but plurals chosen by the locale's own rules
    expect(translate('ru', '{n, plural, one {# item} other {# items}}', { n: 21 })).toBe('21 item');
    expect(translate('en', '{n, plural, one {# item} other {# items}}', { n: 21 })).toBe('21 items');
  });

  it('gives each set of values its own text when formatted answers are kept', () => {
    const key = '{n, plural, one {# item} other {# items}} by {who}';
    expect(english(key, { n: 1, who: 'a' })).toBe('1 item by a');
    expect(english(key, { n: 2, who: 'a' })).toBe('2 items by a');
    expect(english(key, { n: 1, who: 'a' })).toBe('1 item by a');
    // values holding the separators of the kept answers' keys do not collide
    expect(english('{x, select, a {A} other {O}}{y}', { x: 'b', y: '\u0001y\u0002s1\u0002z' })).toBe('O\u0001y\u0002s1\u0002z');
    expect(english('{x, select, a {A} other {O}}{y}', { x: 'b\u0001y\u0002s1\u0002z', y: '' })).toBe('O');
    // plain messages: parameters in place, an absent one left as written
    expect(english('{a} and {b}', { a: 'x', b: 2 })).toBe('x and 2');
    expect(english('{a} and {b}', { a: 'x' })).toBe('x and {b}');
  });

  it('writes numbers, percentages and dates the way each locale does', () => {
    expect(formatNumber('en', 1234.5, 1)).toBe('1234.5');
    expect(formatNumber('fa', 1234.5, 1)).toBe('۱٬۲۳۴٫۵');
    expect(formatNumber('ps', 42)).toBe('۴۲');
    expect(formatNumber('ur', 42)).toBe('42');
    expect(formatNumber('ru', 0.5, 1)).toBe('0,5');
    expect(formatPercent('en', 0.754)).toBe('75%');
    expect(formatPercent('ru', 0.754)).toBe('75\u00a0%');
    expect(formatPercent('fa', 0.754)).toBe('۷۵٪');
    expect(solarHijriDate('fa', '2026-12-01')).toBe('۱۰ قوس ۱۴۰۵');
    expect(solarHijriDate('fa', '2026-03-21')).toBe('۱ حمل ۱۴۰۵');
    expect(longDate('zh-CN', '2026-06-30')).toBe('2026年6月30日');
    expect(longDate('ru', '2026-06-30')).toBe('30 июня 2026 г.');
    expect(dateTime('en', '2026-11-25T14:03:09Z')).toBe('2026-11-25 14:03 UTC');
    expect(dateTime('fa', 'not a time')).toBe('');
  });

  it('knows which languages are written right to left', () => {
    expect(['ur', 'fa', 'ps', 'ar', 'en', 'zh', 'ru'].map(directionOf)).toEqual(['rtl', 'rtl', 'rtl', 'rtl', 'ltr', 'ltr', 'ltr']);
  });

  it('writes dates in words per locale', () => {
    expect(longDate('en', '2026-06-30')).toBe('30 June 2026');
    expect(longDate('ru', '2026-06-30')).toMatch(/2026/);
  });
});
