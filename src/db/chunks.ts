// Bounded lists of values: an `IN (...)` list never binds more than ID_CHUNK values, however many rows a page,
// export or import reads (both databases limit the parameters of a statement, and long lists plan badly).

/** Values per `IN (...)` list. */
export const ID_CHUNK = 500;

export function chunks<T>(list: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
