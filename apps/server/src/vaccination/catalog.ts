import type { Db } from '../db/database.ts';
import {
  ACCEPT_UNHELD_LOT_KEY,
  facilityInfo,
  lotsById,
  productCatalog,
  readSetting,
  type CatalogProduct,
  type FacilityInfo,
  type LotInfo,
} from './repository.ts';

const PRODUCTS_TTL_MS = 5_000;
const SETTING_TTL_MS = 5_000;
// A lot's product, number, expiry and vial size never change once created; a facility's name rarely.
const LOT_TTL_MS = 60_000;
const FACILITY_TTL_MS = 60_000;

/**
 * Reference data every dose needs, kept in memory for a few seconds: products, lots, facilities
 * and the programme's switches. Each process sees a change within its TTL; the process that
 * changes a switch sees it at once.
 */
export function vaccinationCatalog(read: Db) {
  let products: { at: number; value: Promise<CatalogProduct[]> } | undefined;
  let acceptUnheld: { at: number; value: Promise<boolean> } | undefined;
  const lots = new Map<number, { at: number; value: Promise<LotInfo | undefined> }>();
  const facilities = new Map<number, { at: number; value: Promise<FacilityInfo | undefined> }>();

  function cached<K, V>(
    map: Map<K, { at: number; value: Promise<V> }>,
    key: K,
    ttl: number,
    load: () => Promise<V>,
  ) {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && now - hit.at < ttl) return hit.value;
    if (map.size > 50_000) map.clear();
    const value = load();
    map.set(key, { at: now, value });
    value.catch(() => map.delete(key));
    return value;
  }

  return {
    products(): Promise<CatalogProduct[]> {
      const now = Date.now();
      if (!products || now - products.at > PRODUCTS_TTL_MS) {
        const value = productCatalog(read);
        products = { at: now, value };
        value.catch(() => (products = undefined));
      }
      return products.value;
    },
    lot(id: number): Promise<LotInfo | undefined> {
      return cached(lots, id, LOT_TTL_MS, async () => (await lotsById(read, [id]))[0]);
    },
    async lots(ids: readonly number[]): Promise<Map<number, LotInfo>> {
      const found = await Promise.all([...new Set(ids)].map((id) => this.lot(id)));
      return new Map(found.filter((l): l is LotInfo => !!l).map((l) => [l.id, l]));
    },
    facility(id: number): Promise<FacilityInfo | undefined> {
      return cached(facilities, id, FACILITY_TTL_MS, () => facilityInfo(read, id));
    },
    acceptUnheldLots(): Promise<boolean> {
      const now = Date.now();
      if (!acceptUnheld || now - acceptUnheld.at > SETTING_TTL_MS) {
        const value = readSetting(read, ACCEPT_UNHELD_LOT_KEY).then((v) => v === true);
        acceptUnheld = { at: now, value };
        value.catch(() => (acceptUnheld = undefined));
      }
      return acceptUnheld.value;
    },
    forgetSettings() {
      acceptUnheld = undefined;
    },
  };
}

export type VaccinationCatalog = ReturnType<typeof vaccinationCatalog>;
