// Request schemas every feature shares (ids in paths, the CSRF field, paging). Feature-specific schemas live in
// their feature's schemas.ts; this module sits below every feature so any of them may import it.

import { Type, type Static } from '@sinclair/typebox';

export const IdParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,9}$' }) });
export type IdParams = Static<typeof IdParams>;

/** The CSRF token every form posts; checked by the CSRF hook, declared here so bodies can be closed objects. */
export const CsrfField = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };

export const optionalText = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
