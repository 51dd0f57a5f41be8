import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../server.mjs';
import { CariosanProcess, createStorage, freePort, NetworkLink } from './harness';

// Screenshots for CI artifacts: <repo>/.artifacts/e2e (git-ignored).
const ARTIFACTS = fileURLToPath(new URL('../../../.artifacts/e2e/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let storage: Awaited<ReturnType<typeof createStorage>>;
let cariosan: CariosanProcess;
let backend: Awaited<ReturnType<typeof startBackend>>;
let browser: Browser;
const links: NetworkLink[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser suite needs Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  await mkdir(ARTIFACTS, { recursive: true });
  storage = await createStorage();
  cariosan = new CariosanProcess(await freePort(), storage.env);
  await cariosan.start();
  const credentials = await cariosan.createWorkspace('react-chat e2e');
  backend = await startBackend({
    cariosanUrl: cariosan.url,
    apiKey: credentials.api_key,
    apiSecret: credentials.api_secret,
    port: 0,
    staticDir: fileURLToPath(new URL('../dist', import.meta.url)),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  for (const link of links) await link.close();
  await backend?.close();
  await cariosan?.stop();
  await storage?.drop();
});

/** A user in their own browser context, reaching Cariosan through their own network link. */
async function openUser(userId: string): Promise<{ page: Page; link: NetworkLink }> {
  const link = new NetworkLink(cariosan.port);
  await link.start();
  links.push(link);
  const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${userId}] page error:`, error.message));
  await page.goto(`${backend.url}/?server=${encodeURIComponent(link.url)}`);
  await page.locator('input[name=user]').fill(userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await connectionOf(page).toBe('connected');
  return { page, link };
}

// Polling assertions over the live page (playwright-core has no expect of its own).
const POLL = { timeout: 15_000, interval: 100 };
const textsOf = (locator: Locator, timeout = POLL.timeout) =>
  expect.poll(() => locator.allTextContents(), { ...POLL, timeout });
const countOf = (locator: Locator) => expect.poll(() => locator.count(), POLL);
const connectionOf = (page: Page, timeout = POLL.timeout) =>
  expect.poll(() => page.getByTestId('connection').textContent(), { ...POLL, timeout });
const onlineOf = (page: Page, userId: string, timeout = POLL.timeout) =>
  expect.poll(() => page.locator(`[data-person=${userId}]`).getAttribute('data-online'), {
    ...POLL,
    timeout,
  });

const messageTexts = (page: Page) => page.locator('[data-testid=messages] li .text');
const channelButton = (page: Page, id: string) => page.locator(`[data-channel=${id}] button`);
const unreadBadge = (page: Page, id: string) =>
  page.locator(`[data-channel=${id}] [data-testid=unread]`);

async function say(page: Page, text: string): Promise<void> {
  await page.locator('input[name=message]').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('react-chat in Chromium against a real server', () => {
  let alice: { page: Page; link: NetworkLink };
  let bob: { page: Page; link: NetworkLink };

  it('two users exchange messages, see each other typing and online', async () => {
    alice = await openUser('alice');
    bob = await openUser('bob');
    // Bob signed in last: alice loaded her channel list before he was a member; both see
    // the demo channels.
    for (const user of [alice, bob]) {
      await channelButton(user.page, 'general').click();
      await channelButton(user.page, 'random').waitFor();
    }

    await say(alice.page, 'Hi Bob!');
    await textsOf(messageTexts(bob.page)).toEqual(['Hi Bob!']);
    await say(bob.page, 'Hi Alice, how are you?');
    await textsOf(messageTexts(alice.page)).toEqual(['Hi Bob!', 'Hi Alice, how are you?']);
    await countOf(alice.page.locator('[data-status=sent]')).toBe(2);

    await alice.page.locator('input[name=message]').pressSequentially('Fine', { delay: 30 });
    await textsOf(bob.page.getByTestId('typing')).toEqual(['alice is typing…']);
    await onlineOf(bob.page, 'alice').toBe('true');
    await shot(bob.page, '1-bob-sees-alice-typing');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await textsOf(messageTexts(bob.page)).toEqual(['Hi Bob!', 'Hi Alice, how are you?', 'Fine']);
    await textsOf(bob.page.getByTestId('typing')).toEqual(['']);
  });

  it('a user whose network drops gets what was sent meanwhile, with the right unread counts', async () => {
    bob.link.cut();
    await connectionOf(bob.page).toMatch(/reconnecting|disconnected/);
    await onlineOf(alice.page, 'bob', 30_000).toBe('false');
    await say(alice.page, 'Are you there?');
    await say(alice.page, 'Guess you dropped off');
    await channelButton(alice.page, 'random').click();
    await say(alice.page, 'Lunch at noon?');
    await say(alice.page, 'Tacos');
    await countOf(alice.page.locator('[data-status=sent]')).toBe(2);
    await shot(bob.page, '2-bob-offline');

    bob.link.restore();
    await connectionOf(bob.page, 30_000).toBe('connected');
    // The open channel catches up with no gap and no duplicate, and is read as it is shown.
    await textsOf(messageTexts(bob.page)).toEqual([
      'Hi Bob!',
      'Hi Alice, how are you?',
      'Fine',
      'Are you there?',
      'Guess you dropped off',
    ]);
    await textsOf(unreadBadge(bob.page, 'random')).toEqual(['2']);
    await countOf(unreadBadge(bob.page, 'general')).toBe(0);
    await shot(bob.page, '3-bob-back-with-unread');

    await channelButton(bob.page, 'random').click();
    await textsOf(messageTexts(bob.page)).toEqual(['Lunch at noon?', 'Tacos']);
    await countOf(unreadBadge(bob.page, 'random')).toBe(0);
    await textsOf(bob.page.locator('.total')).toEqual(['All read']);
  });

  it('both survive a server restart, and a message written while it was down is delivered once', async () => {
    await channelButton(bob.page, 'general').click();
    await channelButton(alice.page, 'general').click();
    await cariosan.stop();
    await connectionOf(alice.page).not.toBe('connected');
    await connectionOf(bob.page).not.toBe('connected');

    await say(alice.page, 'Sent while the server was down');
    await textsOf(alice.page.locator('[data-status=pending] .text')).toEqual([
      'Sent while the server was down',
    ]);
    await shot(alice.page, '4-alice-pending-while-server-down');

    await cariosan.start();
    for (const user of [alice, bob]) {
      await connectionOf(user.page, 30_000).toBe('connected');
    }
    const expected = [
      'Hi Bob!',
      'Hi Alice, how are you?',
      'Fine',
      'Are you there?',
      'Guess you dropped off',
      'Sent while the server was down',
    ];
    await textsOf(messageTexts(bob.page)).toEqual(expected);
    await textsOf(messageTexts(alice.page)).toEqual(expected);
    await countOf(alice.page.locator('[data-status=pending]')).toBe(0);

    await say(bob.page, 'Back!');
    await textsOf(messageTexts(alice.page)).toEqual([...expected, 'Back!']);
    await shot(alice.page, '5-example-app-after-restart');
    await shot(bob.page, '5-example-app-after-restart-bob');
  });
});
