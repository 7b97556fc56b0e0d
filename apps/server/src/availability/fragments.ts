/**
 * Serialised pieces of responses, kept on the session or facility they describe. A district's
 * sessions are reloaded every second, but a reload keeps the objects of sessions that did not
 * change, so rebuilding a response after one booking re-serialises one session, not all of them.
 * Pieces are dropped when the reference data they were made with is replaced.
 */
const pieces = new WeakMap<object, { epoch: object; texts: Map<string, string> }>();

export function remembered(owner: object, epoch: object, key: string, make: () => string): string {
  let m = pieces.get(owner);
  if (!m || m.epoch !== epoch) {
    m = { epoch, texts: new Map() };
    pieces.set(owner, m);
  }
  let text = m.texts.get(key);
  if (text === undefined) {
    text = make();
    m.texts.set(key, text);
  }
  return text;
}

/** `[a,b,c]` from already serialised items. */
export const jsonArray = (items: string[]) => `[${items.join(',')}]`;
