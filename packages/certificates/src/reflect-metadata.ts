/**
 * The metadata half of the Reflect API (`getMetadata`, `getOwnMetadata`, `defineMetadata`),
 * installed only where it is missing. The X.509 library resolves its algorithms through a small
 * dependency-injection container that refuses to load without it; it stores and reads back
 * decorator metadata and nothing more, so a WeakMap-backed implementation is all it needs.
 * Imported before the X.509 library, in Node and in browsers alike.
 */
type MetadataKey = unknown;
type Target = object;

const reflect = Reflect as typeof Reflect & {
  getMetadata?: (key: MetadataKey, target: Target, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: MetadataKey, target: Target, property?: PropertyKey) => unknown;
  defineMetadata?: (key: MetadataKey, value: unknown, target: Target, property?: PropertyKey) => void;
};

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<PropertyKey | undefined, Map<MetadataKey, unknown>>>();
  const own = (key: MetadataKey, target: Target, property?: PropertyKey) =>
    store.get(target)?.get(property)?.get(key);
  reflect.getOwnMetadata = own;
  reflect.getMetadata = (key, target, property) => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const value = own(key, t, property);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target, property) => {
    let byProperty = store.get(target);
    if (!byProperty)
      store.set(target, (byProperty = new Map<PropertyKey | undefined, Map<MetadataKey, unknown>>()));
    let byKey = byProperty.get(property);
    if (!byKey) byProperty.set(property, (byKey = new Map<MetadataKey, unknown>()));
    byKey.set(key, value);
  };
}

export {};
