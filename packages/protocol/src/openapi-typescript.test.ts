import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredKeys } from './json-schema';
import { buildOpenApiDocument } from './openapi';
import { ROUTES, type RouteName, type RouteSpec } from './routes';

// Drives the document through a mainstream generator the way a customer would: the
// openapi-typescript CLI with its default settings, then tsc --strict over the generated
// types and a usage file whose assertions are types. What the server answers is written here
// from reading its routes and services, not from the generator's own tables.

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const binOf = (pkg: string, bin: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), bin);

const names = Object.keys(ROUTES) as RouteName[];
const spec = (name: RouteName) => ROUTES[name] as RouteSpec;

/** Success statuses: a repeated upsert, dm or `client_id` finds what the first call made. */
const SUCCESS: Partial<Record<RouteName, number[]>> = {
  upsertUser: [201, 200],
  createChannel: [201, 200],
  sendMessage: [201, 200],
  createWebhook: [201],
};
const CONFLICTING: RouteName[] = [
  'createChannel',
  'updateMessage',
  'addReaction',
  'createWebhook',
  'redeliverWebhookDelivery',
];

function expectedStatuses(name: RouteName): number[] {
  const route = spec(name);
  return [
    ...(SUCCESS[name] ?? [200]),
    401,
    405,
    429,
    500,
    503,
    ...(route.body ? [400, 413, 415] : []),
    ...(CONFLICTING.includes(name) ? [409] : []),
    ...(route.path.includes(':') ? [400, 403, 404] : []),
  ];
}

const union = (items: readonly (string | number)[]) =>
  items.length === 0 ? 'never' : [...new Set(items)].map((i) => JSON.stringify(i)).join(' | ');

/** The usage file: compiles only if the generated types say what the server does. */
function usageFile(): string {
  const lines = [
    "import type { components, operations } from './api';",
    'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
    'type Expect<T extends true> = T;',
    "type Query<O extends keyof operations> = NonNullable<operations[O]['parameters']['query']>;",
    "type Body<O extends keyof operations> = NonNullable<operations[O]['requestBody']>['content']['application/json'];",
    'type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];',
    "type Statuses<O extends keyof operations> = keyof operations[O]['responses'];",
    'type Includes<O extends keyof operations, S> = [S] extends [Statuses<O>] ? true : false;',
  ];
  for (const name of names) {
    const route = spec(name);
    const entries = Object.keys((route.query as unknown as { entries?: object })?.entries ?? {});
    for (const param of entries.filter((p) => ['limit', 'before', 'after'].includes(p))) {
      lines.push(
        `export type Q_${name}_${param} = Expect<Equal<Query<'${name}'>['${param}'], number | undefined>>;`,
      );
    }
    if (route.body) {
      const required = union(requiredKeys(route.body));
      lines.push(
        `export type B_${name} = Expect<Equal<RequiredKeys<Body<'${name}'>>, ${required}>>;`,
      );
    }
    lines.push(
      `export type S_${name} = Expect<Includes<'${name}', ${union(expectedStatuses(name))}>>;`,
    );
  }
  lines.push(
    // Bodies a client really sends: defaults left out.
    "export const send: Body<'sendMessage'> = { client_id: 'c1', user_id: 'alice' };",
    "export const members: Body<'updateMembers'> = {};",
    "export const channel: Body<'createChannel'> = { type: 'group' };",
    "export const history: Query<'listMessages'> = { before: 120, limit: 50 };",
    "export type H1 = Expect<Equal<components['headers']['Retry-After'], number>>;",
    "export type H2 = Expect<Equal<operations['getUser']['responses'][200]['headers']['X-Request-Id'], string>>;",
    "export type H3 = Expect<Equal<operations['getUser']['responses'][200]['headers']['X-RateLimit-Remaining'], number | undefined>>;",
    "export type E1 = Expect<Equal<operations['sendMessage']['responses'][400]['content']['application/json'], components['schemas']['ErrorBody']>>;",
    "export type E2 = Expect<Equal<components['schemas']['ErrorBody']['error']['field'], string | undefined>>;",
    // The assertions above are not vacuous: each of these must fail to compile.
    '// @ts-expect-error limit is a number, not a string',
    "export const badLimit: Query<'listMessages'> = { limit: '50' };",
    '// @ts-expect-error a channel needs its type',
    "export const badChannel: Body<'createChannel'> = {};",
    '// @ts-expect-error getUser takes no body, so it cannot be too large',
    "export type N1 = Expect<Includes<'getUser', 413>>;",
  );
  return `${lines.join('\n')}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cariosan-openapi-ts-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a client generated by openapi-typescript (default settings)', () => {
  it('compiles under tsc --strict with integer queries, optional defaults and every status', async () => {
    await writeFile(join(dir, 'openapi.json'), JSON.stringify(buildOpenApiDocument()));
    await run(
      process.execPath,
      [binOf('openapi-typescript', 'bin/cli.js'), 'openapi.json', '-o', 'api.ts'],
      { cwd: dir, timeout: 60_000 },
    );
    await writeFile(join(dir, 'usage.ts'), usageFile());
    // tsc's defaults plus `strict`, as a customer's project would have it.
    const compilerOptions = { strict: true, noEmit: true, target: 'es2022', module: 'esnext' };
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['usage.ts'] }),
    );
    const tsc = await run(process.execPath, [binOf('typescript', 'bin/tsc'), '-p', '.'], {
      cwd: dir,
      timeout: 120_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(tsc.stdout).toBe('');
  }, 180_000);

  it('checks every route, so a new one cannot slip past', () => {
    const file = usageFile();
    for (const name of names) expect(file).toContain(`export type S_${name} =`);
    expect(file.match(/export type Q_/g)?.length).toBeGreaterThanOrEqual(7);
    expect(file.match(/export type B_/g)?.length).toBe(names.filter((n) => spec(n).body).length);
  });
});
