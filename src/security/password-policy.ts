// What a password must be: 12 to 1024 characters, any Unicode used exactly as typed, and not a common or
// easily guessed password (zxcvbn strength 3 or more, counting the user's own e-mail and name as guessable).

import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { passwordProblem as lengthProblem } from './password';

// built on first use: ranking the dictionaries takes about half a second, which a server start need not wait for
let zxcvbn: ZxcvbnFactory | null = null;
const estimator = () =>
  (zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  }));

// strength estimation is costly on very long input; the first 100 characters decide whether it is weak
const ESTIMATE_PREFIX = 100;

export function passwordPolicyProblem(password: string, context: { email?: string | null; name?: string | null } = {}): string | null {
  const length = lengthProblem(password);
  if (length) return length;
  const inputs = [context.email ?? '', ...(context.email ?? '').split(/[@.]/), context.name ?? '', 'pactwatch'].filter((s) => s.length >= 3);
  const result = estimator().check([...password].slice(0, ESTIMATE_PREFIX).join(''), inputs);
  if (result.score < 3) {
    const why = result.feedback.warning ? result.feedback.warning.replace(/\.$/, '').toLowerCase() : 'it is too easy to guess';
    return `is too easy to guess (${why}); use a longer passphrase of unrelated words`;
  }
  return null;
}
