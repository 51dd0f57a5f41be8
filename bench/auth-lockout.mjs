// A verified backend's calls while random `pk_live_…:sk_live_…` pairs hammer the server from
// the same address (127.0.0.1, as behind a load balancer or NAT), against a baseline of the
// same calls without the attack, in one run. The attacker runs open-loop (a request every
// 1/rate s, whatever the answers take) in a worker thread, so its client work does not share
// the victim's event loop. Every few seconds a workspace never seen before makes its first
// call (one argon2 verification), to show first verifications are not refused either.
// Run: pnpm build && node bench/auth-lockout.mjs [--seconds 150] [--rate 50] [--baseline-seconds 30]
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

if (!isMainThread) {
  await attack(workerData);
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '150' },
      rate: { type: 'string', default: '50' },
      'baseline-seconds': { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const baselineSeconds = Number(values['baseline-seconds'] ?? Math.min(seconds, 30));
  const { cleanup, ms, startBenchServer, stopAfter, storage, summarize } = await import(
    './support.mjs'
  );
  const { createWorkspace } = await import('../apps/server/dist/index.js');
  stopAfter(Math.ceil((seconds + baselineSeconds) / 60) + 3);
  const store = await storage();
  const { server, authorization } = await startBenchServer(store.env);

  const freshPairs = [];
  for (let i = 0; i < Math.ceil((seconds + baselineSeconds) / 5) + 2; i++) {
    const created = await createWorkspace(
      { db: server.deps.database.db, masterKey: server.deps.masterKey },
      { name: `fresh-${i}` },
      'bench',
    );
    if (!created.ok) throw new Error(created.error.message);
    freshPairs.push(`Bearer ${created.value.api_key}:${created.value.api_secret}`);
  }

  async function call(auth) {
    const start = performance.now();
    const response = await fetch(`${server.url}/v1/workspace`, {
      headers: { authorization: auth },
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - start };
  }

  /** The victim calls back to back for `durationS`; a fresh workspace calls every 5 s. */
  async function victimPhase(durationS) {
    const samples = [];
    const statuses = new Map();
    const fresh = [];
    const end = performance.now() + durationS * 1000;
    let nextFresh = performance.now() + 2_500;
    while (performance.now() < end) {
      const result = await call(authorization);
      samples.push(result.ms);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      if (performance.now() >= nextFresh && freshPairs.length > 0) {
        fresh.push(await call(freshPairs.pop()));
        nextFresh += 5_000;
      }
    }
    return { samples, statuses, fresh };
  }

  // Warm up: the victim's pair verified, connections open, JIT warm.
  for (let i = 0; i < 200; i++) await call(authorization);

  const baseline = await victimPhase(baselineSeconds);

  const worker = new Worker(new URL(import.meta.url), {
    workerData: { url: server.url, rate, seconds },
  });
  const attackDone = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const attacked = await victimPhase(seconds);
  const attackStatuses = await attackDone;
  await worker.terminate();

  const row = (label, phase) => {
    const s = summarize(phase.samples);
    const tooMany = phase.statuses.get(429) ?? 0;
    const other = phase.samples.length - (phase.statuses.get(200) ?? 0) - tooMany;
    const freshS = phase.fresh.length > 0 ? summarize(phase.fresh.map((f) => f.ms)) : undefined;
    const freshOk = phase.fresh.filter((f) => f.status === 200).length;
    console.log(
      `${label.padEnd(16)} calls ${String(phase.samples.length).padStart(6)}  429 ${String(tooMany).padStart(3)}  other non-200 ${other}  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`,
    );
    console.log(
      `${''.padEnd(16)} first verifications ${freshOk}/${phase.fresh.length} × 200${freshS ? `, p50 ${ms(freshS.p50)} max ${ms(freshS.max)}` : ''}`,
    );
    return s;
  };
  console.log(
    `${store.label}; node ${process.version}; attack ${rate} random pairs/s for ${seconds} s, baseline ${baselineSeconds} s`,
  );
  const base = row('baseline', baseline);
  const hit = row('under attack', attacked);
  console.log(
    `attacker answers ${JSON.stringify(Object.fromEntries(attackStatuses))} (${[...attackStatuses.values()].reduce((a, b) => a + b, 0)} sent)`,
  );
  console.log(
    `ratio under attack / baseline   p50 ${(hit.p50 / base.p50).toFixed(2)}x  p99 ${(hit.p99 / base.p99).toFixed(2)}x`,
  );
  await cleanup();
}

/** Open-loop: one random pair every 1/rate s for `seconds`; posts the status counts back. */
async function attack({ url, rate, seconds }) {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const random = (length) =>
    Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  const statuses = new Map();
  const inflight = new Set();
  const start = performance.now();
  for (let sent = 0; sent < rate * seconds; sent++) {
    const due = start + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = fetch(`${url}/v1/workspace`, {
      headers: { authorization: `Bearer pk_live_${random(24)}:sk_live_${random(43)}` },
    })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 'error')
      .then((status) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        inflight.delete(request);
      });
    inflight.add(request);
  }
  await Promise.all(inflight);
  parentPort.postMessage(statuses);
}
