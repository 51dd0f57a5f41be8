import { describe, expect, it } from 'vitest';
import { laneKey, pickFairShare } from './fair-share';

const item = (webhook: string, channel: string | null, workspace = 'ws_1') => ({
  workspace_id: workspace,
  webhook_id: webhook,
  channel_id: channel,
});

describe('pickFairShare', () => {
  it('gives an endpoint at most its share of new lanes and says that some were held', () => {
    const due = [
      item('slow', 'a'),
      item('slow', 'b'),
      item('slow', 'c'),
      item('fast', 'a'),
      item('slow', 'd'),
    ];
    const { picked, held } = pickFairShare(due, 10, 2, []);
    expect(picked).toEqual([item('slow', 'a'), item('slow', 'b'), item('fast', 'a')]);
    expect(held).toBe(true);
  });

  it('lets a busy lane take more, counting it against its endpoint', () => {
    const busy = [laneKey(item('slow', 'a')), laneKey(item('slow', 'b'))];
    const due = [item('slow', 'a'), item('slow', 'c'), item('slow', 'b'), item('fast', null)];
    const { picked, held } = pickFairShare(due, 10, 2, busy);
    expect(picked).toEqual([item('slow', 'a'), item('slow', 'b'), item('fast', null)]);
    expect(held).toBe(true);
  });

  it('keeps endpoints of different workspaces apart and stops at the limit', () => {
    const due = [item('wh', 'a', 'ws_1'), item('wh', 'a', 'ws_2'), item('wh', 'b', 'ws_1')];
    expect(pickFairShare(due, 2, 1, []).picked).toEqual([
      item('wh', 'a', 'ws_1'),
      item('wh', 'a', 'ws_2'),
    ]);
    expect(pickFairShare(due, 10, 2, []).held).toBe(false);
  });
});
