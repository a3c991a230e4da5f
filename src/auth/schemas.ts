// Request schemas of signing in, passwords and API tokens.

import { Type, type Static } from '@sinclair/typebox';
import { CsrfField, optionalText } from '../http/schemas';

export const LoginQuery = Type.Object({ next: optionalText(2000) });
export const LoginBody = Type.Object({ ...CsrfField, email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 4096 }), next: optionalText(2000) });
export type LoginBody = Static<typeof LoginBody>;

export const PasswordChangeBody = Type.Object({ ...CsrfField, current_password: optionalText(4096), new_password: optionalText(4096), confirm_password: optionalText(4096) });
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const CodeQuery = Type.Object({ code: optionalText(200) });
export const SetPasswordBody = Type.Object({ ...CsrfField, code: optionalText(200), password: optionalText(4096), confirm_password: optionalText(4096) });
export type SetPasswordBody = Static<typeof SetPasswordBody>;

export const TokenBody = Type.Object({ ...CsrfField, name: optionalText(200) });
