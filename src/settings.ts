// Installation-wide settings kept in the database (shared by every app instance), e.g. the session secret.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema';

/** Returns the stored value, creating it with `make()` if absent; safe when several instances race. */
export async function getOrCreateSetting(db: Kysely<Database>, key: string, make: () => string): Promise<string> {
  await db.insertInto('settings').values({ key, value: make() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

export const randomSecret = () => crypto.randomBytes(48).toString('base64url');
