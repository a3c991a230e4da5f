// A refused review action or upload, said on the item's page (as a flash message) in the reader's language:
// each field problem as "field: problem", or the refusal's own message.

import { messageOf } from '../../errors';
import { msg, type Message } from '../../i18n/messages';
import type { FormRefusal } from '../../views/form-errors';
import { semicolonList } from '../form';

const FIELD_NAMES: Readonly<Record<string, Message>> = { reason: msg('reason'), file: msg('file') };

export function refusalSaid(refusal: FormRefusal): Message | string {
  if (refusal.problems.length === 0) return refusal.message;
  return semicolonList(
    refusal.problems.map((p) => {
      const said = messageOf(p);
      const problem = msg(said.key, said.params);
      if (!p.path) return problem;
      return msg('{field}: {problem}', { field: Object.hasOwn(FIELD_NAMES, p.path) ? FIELD_NAMES[p.path] : p.path, problem });
    }),
  );
}
