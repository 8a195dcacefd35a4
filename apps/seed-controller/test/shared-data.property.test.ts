import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedData } from '../src/controller/shared-data.ts';

const data = fc.dictionary(fc.constantFrom('a', 'b', 'dashboard.json'), fc.constantFrom('x', 'y', '{"title":"t"}', ''));

describe('SharedData', () => {
  it('leaves every data value as it was, whatever objects came before', () => {
    fc.assert(
      fc.property(fc.array(fc.option(data, { nil: undefined })), (datas) => {
        const shared = new SharedData();
        for (const value of datas) {
          const object = { kind: 'ConfigMap', metadata: { name: 'n' }, ...(value ? { data: { ...value } } : {}) };
          shared.share(object);
          expect(object).toEqual({ kind: 'ConfigMap', metadata: { name: 'n' }, ...(value ? { data: value } : {}) });
        }
      }),
    );
  });
});
