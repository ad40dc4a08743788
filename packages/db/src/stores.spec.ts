import * as db from './index.js';
import { DATA_SOURCE_STORES } from './stores.js';

describe('DATA_SOURCE_STORES', () => {
  it('holds every store of the package but LogStore, which also takes a size cap', () => {
    const stores = Object.entries(db)
      .filter(([name]) => name.endsWith('Store') && name !== 'LogStore')
      .map(([, store]) => store);
    expect(stores.length).toBeGreaterThan(0);
    expect(DATA_SOURCE_STORES).toEqual(expect.arrayContaining(stores));
  });

  it('builds each of them over a data source alone', () => {
    for (const Store of DATA_SOURCE_STORES) expect(Store.length).toBe(1);
  });
});
