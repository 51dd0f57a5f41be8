// Authenticated request with the verification cache warm vs. cold (one argon2id verification),
// over real HTTP on 127.0.0.1 against an embedded-database server. Prints medians and ratios.
// Run: pnpm build && node bench/auth.mjs [iterations]
import { hashSecret, verifySecret } from '../apps/server/dist/index.js';
import { cleanup, startBenchServer, stopAfter, storage } from './support.mjs';

const iterations = Number(process.argv[2] ?? 2000);
const coldIterations = 40;
stopAfter(10);
const store = await storage();
const { server, apiSecret, authorization } = await startBenchServer(store.env);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const p99 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)];

async function time(fn, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function get(path, headers = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
}

// Warm up the connection pool, the JIT and the cache.
await time(() => get('/v1/workspace', { authorization }), 200);

const health = await time(() => get('/healthz'), iterations);
const warm = await time(() => get('/v1/workspace', { authorization }), iterations);
const cold = await time(async () => {
  server.deps.serverAuth.clear();
  await get('/v1/workspace', { authorization });
}, coldIterations);
const hash = await hashSecret(apiSecret);
const argon = await time(() => verifySecret(hash, apiSecret), coldIterations);

const ms = (value) => `${value.toFixed(3)} ms`;
console.log(`requests: ${iterations} warm, ${coldIterations} cold; node ${process.version}`);
console.log(
  `GET /healthz (no auth)            median ${ms(median(health))}  p99 ${ms(p99(health))}`,
);
console.log(`GET /v1/workspace, cache warm     median ${ms(median(warm))}  p99 ${ms(p99(warm))}`);
console.log(`GET /v1/workspace, cache cold     median ${ms(median(cold))}  p99 ${ms(p99(cold))}`);
console.log(`one argon2id verification         median ${ms(median(argon))}`);
console.log(`ratio cold / warm request         ${(median(cold) / median(warm)).toFixed(1)}x`);
console.log(`ratio argon2 / warm request       ${(median(argon) / median(warm)).toFixed(1)}x`);
console.log(`auth overhead, warm (vs healthz)  ${ms(median(warm) - median(health))}`);

await cleanup();
