import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher';

describe('createBatcher', () => {
  it('flushes the first item at once and batches what arrives meanwhile', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const add = createBatcher<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = add(1);
    const rest = [add(2), add(3), add(4)];
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects the items of a failed flush and goes on with the next', async () => {
    let calls = 0;
    const add = createBatcher<number>(async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    });
    await expect(add(1)).rejects.toThrow('database down');
    await expect(add(2)).resolves.toBeUndefined();
  });

  it('waits lingerMs for company before the first flush', async () => {
    const batches: number[][] = [];
    const add = createBatcher<number>(async (items) => void batches.push(items), { lingerMs: 20 });
    const first = add(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = add(2);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('caps the size of a batch', async () => {
    const sizes: number[] = [];
    let release: () => void = () => {};
    const add = createBatcher<number>(
      async (items) => {
        sizes.push(items.length);
        if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { maxBatch: 2 },
    );
    const all = [add(0), add(1), add(2), add(3), add(4)];
    release();
    await Promise.all(all);
    expect(sizes).toEqual([1, 2, 2]);
  });
});
