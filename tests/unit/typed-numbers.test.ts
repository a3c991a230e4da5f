// Numbers and dates typed into the evidence form in the reader's script and way of writing numbers.

import { describe, expect, it } from 'vitest';
import { asciiDigits, normaliseTypedNumbers, typedNumber } from '../../src/evidence/typed-numbers';

describe('asciiDigits', () => {
  it('turns Arabic-Indic and Persian digits into ASCII and leaves the rest', () => {
    expect(asciiDigits('٢٠٢٦-٠٣-١٥')).toBe('2026-03-15');
    expect(asciiDigits('۱۴۰۵-۰۱-۰۹')).toBe('1405-01-09');
    expect(asciiDigits('2026-03-15')).toBe('2026-03-15');
    expect(asciiDigits('abc ۳')).toBe('abc 3');
  });
});

describe('typedNumber', () => {
  it('reads plain numbers as they are', () => {
    expect(typedNumber('22')).toBe('22');
    expect(typedNumber(' -3.5 ')).toBe('-3.5');
  });

  it('reads the locale digits, decimal sign, thousands separators and minus', () => {
    expect(typedNumber('۱۲٫۵', 'fa')).toBe('12.5');
    expect(typedNumber('١٢٫٥', 'ur')).toBe('12.5');
    expect(typedNumber('۱٬۲۳۴', 'ps')).toBe('1234');
    expect(typedNumber('12,5', 'ru')).toBe('12.5');
    expect(typedNumber('1 234,5', 'ru')).toBe('1234.5');
    expect(typedNumber('1\u00a0234,5', 'ru')).toBe('1234.5');
    expect(typedNumber('1.234,5', 'ru')).toBe('1234.5');
    expect(typedNumber('12,5', 'fa')).toBe('12.5');
    expect(typedNumber('1,234.5', 'en')).toBe('1234.5');
    expect(typedNumber('1,234', 'zh-CN')).toBe('1234');
    expect(typedNumber('−3', 'en')).toBe('-3');
  });

  it('gives back what is not a number (digits made ASCII) for the rules to refuse', () => {
    expect(typedNumber('12,5', 'en')).toBe('12,5');
    expect(typedNumber('about ۱۲', 'fa')).toBe('about 12');
    expect(typedNumber('1,2,3', 'ru')).toBe('1,2,3');
    expect(typedNumber('')).toBe('');
  });
});

describe('normaliseTypedNumbers', () => {
  it('normalises dates, grades, stances and measured values, and no other field', () => {
    const body = { title: 'Report ۱۲', observed_on: '۲۰۲۶-۰۳-۱۵', credibility: '٢', finding_stance_0: '−1', finding_value_1: '۱۲٫۵', summary: '٣,٥' };
    expect(normaliseTypedNumbers(body, 'fa')).toEqual({
      title: 'Report ۱۲',
      observed_on: '2026-03-15',
      credibility: '2',
      finding_stance_0: '-1',
      finding_value_1: '12.5',
      summary: '٣,٥',
    });
  });
});
