import { describe, expect, it } from 'vitest';
import { VerificationQueue } from './verification-queue';

/** A queue whose tasks finish only when the test says so; `started` lists them in order. */
function harness(concurrency = 2, maxWaitingPerAddress = 2) {
  const queue = new VerificationQueue({ concurrency, maxWaitingPerAddress });
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const results = new Map<string, string>();
  const submit = (name: string, lane: string, address: string, maxWaitingInLane?: number) => {
    void queue
      .run({ lane, address, maxWaitingInLane }, async () => {
        started.push(name);
        await new Promise<void>((resolve) => finishers.set(name, resolve));
        return name;
      })
      .then((result) => results.set(name, result.ok ? 'ran' : result.error));
  };
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the task's promise chain settle and the next job start.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { queue, started, results, submit, finish };
}

describe('VerificationQueue', () => {
  it('runs at most `concurrency` jobs, at most one per lane and one per address', async () => {
    const { queue, started, submit, finish } = harness(3);
    submit('k1-a', 'k1', 'a');
    submit('k1-b', 'k1', 'b'); // same lane as a running job: waits
    submit('k2-a', 'k2', 'a'); // same address as a running job: waits
    submit('k3-c', 'k3', 'c');
    expect(started).toEqual(['k1-a', 'k3-c']);
    expect(queue.running).toBe(2);
    await finish('k1-a');
    // k2 was never served, k1 just was: k2 goes first.
    expect(started).toEqual(['k1-a', 'k3-c', 'k2-a', 'k1-b']);
  });

  it('gives a new lane the next turn after each busy lane, however long their queues', async () => {
    const { started, submit, finish } = harness(1, 100);
    for (let i = 0; i < 5; i++) submit(`flood-${i}`, 'attacked', `x${i}`);
    submit('victim', 'victim-key', 'x0');
    expect(started).toEqual(['flood-0']);
    await finish('flood-0');
    expect(started).toEqual(['flood-0', 'victim']);
    await finish('victim');
    expect(started).toEqual(['flood-0', 'victim', 'flood-1']);
  });

  it('lets addresses within a lane take turns, so one address cannot starve another', async () => {
    const { started, submit, finish } = harness(1, 100);
    for (let i = 0; i < 4; i++) submit(`attacker-${i}`, 'k', 'attacker');
    submit('owner', 'k', 'owner');
    await finish('attacker-0');
    expect(started).toEqual(['attacker-0', 'owner']);
  });

  it('turns away only the address that already has maxWaitingPerAddress jobs waiting in that lane', async () => {
    const { results, submit, queue } = harness(1, 2);
    submit('a-0', 'k', 'a'); // runs
    submit('a-1', 'k', 'a');
    submit('a-2', 'k', 'a');
    submit('a-3', 'k', 'a'); // third waiting from a in lane k: refused
    submit('b-0', 'k', 'b');
    submit('a-other-lane', 'k2', 'a');
    await Promise.resolve();
    expect(results.get('a-3')).toBe('queue_full');
    expect(results.has('b-0')).toBe(false);
    expect(results.has('a-other-lane')).toBe(false);
    expect(queue.waiting('k')).toBe(3);
  });

  it('bounds a lane over all addresses when asked to', async () => {
    const { results, submit, finish } = harness(1, 5);
    submit('u-0', 'unknown', 'a', 2); // runs
    submit('u-1', 'unknown', 'b', 2);
    submit('u-2', 'unknown', 'c', 2);
    submit('u-3', 'unknown', 'd', 2);
    await Promise.resolve();
    expect(results.get('u-3')).toBe('queue_full');
    await finish('u-0');
    submit('u-4', 'unknown', 'e', 2);
    await Promise.resolve();
    expect(results.has('u-4')).toBe(false);
  });

  it('passes a failing task’s error to its caller and keeps serving', async () => {
    const queue = new VerificationQueue({ concurrency: 1, maxWaitingPerAddress: 1 });
    await expect(
      queue.run({ lane: 'k', address: 'a' }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await queue.run({ lane: 'k', address: 'a' }, async () => 1)).toEqual({
      ok: true,
      value: 1,
    });
    expect(queue.running).toBe(0);
  });
});
