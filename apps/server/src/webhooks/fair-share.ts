/** What fair-share picking needs of a due delivery. */
export interface LaneItem {
  workspace_id: string;
  webhook_id: string;
  channel_id: string | null;
}

/** An endpoint's deliveries go out one at a time per lane: its channel (or none). */
export function laneKey(item: LaneItem): string {
  return `${endpointKey(item)}\u0000${item.channel_id ?? ''}`;
}

function endpointKey(item: LaneItem): string {
  return `${item.workspace_id}\u0000${item.webhook_id}`;
}

/**
 * Picks up to `limit` of `due` (oldest first) so that no endpoint has more than `perEndpoint`
 * busy lanes: a lane already busy takes more (they queue behind it and go out back to back),
 * a new lane only while its endpoint has room. So a slow endpoint keeps to its share of the
 * attempts in flight and never holds up the others. `held` says whether something due was
 * left for its endpoint's share (it then waits for a completion, not for the next poll).
 *
 * @example
 * const { picked, held } = pickFairShare(due, 32, 16, new Set([laneKey(inFlight)]));
 */
export function pickFairShare<T extends LaneItem>(
  due: readonly T[],
  limit: number,
  perEndpoint: number,
  busyLanes: Iterable<string>,
): { picked: T[]; held: boolean } {
  const lanes = new Set(busyLanes);
  const lanesPerEndpoint = new Map<string, number>();
  for (const lane of lanes) {
    const endpoint = lane.slice(0, lane.lastIndexOf('\u0000'));
    lanesPerEndpoint.set(endpoint, (lanesPerEndpoint.get(endpoint) ?? 0) + 1);
  }
  const picked: T[] = [];
  let held = false;
  for (const item of due) {
    if (picked.length >= limit) break;
    const lane = laneKey(item);
    if (!lanes.has(lane)) {
      const endpoint = endpointKey(item);
      const busy = lanesPerEndpoint.get(endpoint) ?? 0;
      if (busy >= perEndpoint) {
        held = true;
        continue;
      }
      lanes.add(lane);
      lanesPerEndpoint.set(endpoint, busy + 1);
    }
    picked.push(item);
  }
  return { picked, held };
}
