// Request schemas of account administration. Every field is optional text of bounded length: what a field must
// hold (a known role, a well-formed e-mail) is the service's rule, reported beside the field on the form.

import { Type, type Static } from '@sinclair/typebox';
import { CsrfField, optionalText } from '../http/schemas';

export const InviteBody = Type.Object({ ...CsrfField, email: optionalText(320), name: optionalText(200), role: optionalText(32), delegation: optionalText(16) });
export type InviteBody = Static<typeof InviteBody>;

export const UserEditBody = Type.Object({ ...CsrfField, name: optionalText(200), role: optionalText(32), delegation: optionalText(16) });
export type UserEditBody = Static<typeof UserEditBody>;

/** A form with nothing to say but its CSRF token (disable, enable, reset a password, sign out, revoke). */
export const ActionBody = Type.Object({ ...CsrfField });
export type ActionBody = Static<typeof ActionBody>;
