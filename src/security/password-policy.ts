// What a password must be: 12 to 1024 characters, any Unicode used exactly as typed, and not a common or
// easily guessed password (zxcvbn strength 3 or more, counting the user's own e-mail and name as guessable).

import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { passwordLengthMessage } from './password';
import { english, msg, type Message } from '../i18n/messages';

// zxcvbn's warnings come back as their keys (not its English sentences), to be said in the reader's language
const WARNING_KEYS = Object.fromEntries(Object.keys(en.translations.warnings).map((k) => [k, k]));

// built on first use: ranking the dictionaries takes about half a second, which a server start need not wait for
let zxcvbn: ZxcvbnFactory | null = null;
const estimator = () =>
  (zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: { ...en.translations, warnings: { ...en.translations.warnings, ...WARNING_KEYS } },
  }));

/** Why zxcvbn finds a password weak, by its warning key. */
const WARNINGS: Record<string, Message> = {
  straightRow: msg('straight rows of keys on your keyboard are easy to guess'),
  keyPattern: msg('short keyboard patterns are easy to guess'),
  simpleRepeat: msg('repeated characters like "aaa" are easy to guess'),
  extendedRepeat: msg('repeated character patterns like "abcabcabc" are easy to guess'),
  sequences: msg('common character sequences like "abc" are easy to guess'),
  recentYears: msg('recent years are easy to guess'),
  dates: msg('dates are easy to guess'),
  topTen: msg('this is a heavily used password'),
  topHundred: msg('this is a frequently used password'),
  common: msg('this is a commonly used password'),
  similarToCommon: msg('this is similar to a commonly used password'),
  wordByItself: msg('single words are easy to guess'),
  namesByThemselves: msg('single names or surnames are easy to guess'),
  commonNames: msg('common names and surnames are easy to guess'),
  userInputs: msg('there should not be any personal or page related data'),
  pwned: msg('your password was exposed by a data breach on the Internet'),
};

// strength estimation is costly on very long input; the first 100 characters decide whether it is weak
const ESTIMATE_PREFIX = 100;

/** Null when the password is acceptable, else why not, as a message to say in the reader's language. */
export function passwordPolicyMessage(password: string, context: { email?: string | null; name?: string | null } = {}): Message | null {
  const length = passwordLengthMessage(password);
  if (length) return length;
  const inputs = [context.email ?? '', ...(context.email ?? '').split(/[@.]/), context.name ?? '', 'pactwatch'].filter((s) => s.length >= 3);
  const result = estimator().check([...password].slice(0, ESTIMATE_PREFIX).join(''), inputs);
  if (result.score < 3) {
    const why = (result.feedback.warning && WARNINGS[result.feedback.warning]) || msg('it is too easy to guess');
    return msg('is too easy to guess ({why}); use a longer passphrase of unrelated words', { why });
  }
  return null;
}

/** Null when the password is acceptable, else why not (in English). */
export function passwordPolicyProblem(password: string, context: { email?: string | null; name?: string | null } = {}): string | null {
  const m = passwordPolicyMessage(password, context);
  return m ? english(m.key, m.params) : null;
}
