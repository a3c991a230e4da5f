import { describe, expect, it } from 'vitest';
import { directionOf, english, longDate, msg, negotiateLocale, translate } from '../../src/i18n/messages';
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

  it('negotiates the locale from Accept-Language (only English is served so far)', () => {
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('fr-FR, en;q=0.5')).toBe('en');
    expect(negotiateLocale('en-GB')).toBe('en');
    expect(negotiateLocale('zz;q=0, *')).toBe('en');
  });

  it('knows which languages are written right to left', () => {
    expect(['ur', 'fa', 'ps', 'ar', 'en', 'zh', 'ru'].map(directionOf)).toEqual(['rtl', 'rtl', 'rtl', 'rtl', 'ltr', 'ltr', 'ltr']);
  });

  it('writes dates in words per locale', () => {
    expect(longDate('en', '2026-06-30')).toBe('30 June 2026');
    expect(longDate('ru', '2026-06-30')).toMatch(/2026/);
  });
});
