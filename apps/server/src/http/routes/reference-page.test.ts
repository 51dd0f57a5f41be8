import { ROUTES } from '@cariosan/protocol';
import { buildOpenApiDocument } from '@cariosan/protocol/openapi';
import { type HTMLElement, type HTMLInputElement, Window } from 'happy-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REFERENCE_CSP, renderReferencePage } from './reference-page';

const doc = buildOpenApiDocument();
const html = renderReferencePage(doc);
let window: Window | undefined;

afterEach(async () => {
  await window?.happyDOM.close();
});

/** Loads the page in a DOM, with `fetch('openapi.json')` answered by `doc`, and runs its script. */
async function open() {
  window = new Window({
    url: 'http://localhost:8080/v1/reference',
    // Only our own page script runs in it, so the VM's lack of isolation does not matter.
    settings: {
      enableJavaScriptEvaluation: true,
      suppressInsecureJavaScriptEnvironmentWarning: true,
    },
  });
  const fetched: string[] = [];
  Object.assign(window, {
    fetch: async (url: string) => {
      fetched.push(url);
      return { json: async () => structuredClone(doc) };
    },
  });
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  window.document.write(html.replace(/<script>[\s\S]*<\/script>/, ''));
  window.eval(script);
  // The script renders once its fetch resolves: wait for the operations, not a fixed time.
  const { document } = window;
  await vi.waitFor(
    () => {
      if (document.querySelectorAll('details.op').length === 0) throw new Error('not yet');
    },
    { timeout: 10_000, interval: 5 },
  );
  return { document, fetched };
}

describe('renderReferencePage', () => {
  it('lists every operation in the static navigation, escaped', () => {
    for (const route of Object.values(ROUTES)) {
      expect(html).toContain(`href="#op-${route.operationId}"`);
    }
    const hostile = structuredClone(doc);
    hostile.info.title = '<img src=x onerror=alert(1)>';
    expect(renderReferencePage(hostile)).not.toContain('<img src=x');
  });

  it('renders every operation, its parameters, bodies and the schemas from openapi.json', async () => {
    const { document, fetched } = await open();
    expect(fetched).toEqual(['openapi.json']);
    const ops = [...document.querySelectorAll('details.op')];
    expect(ops.map((op) => op.id).sort()).toEqual(
      Object.values(ROUTES)
        .map((r) => `op-${r.operationId}`)
        .sort(),
    );
    const send = document.getElementById('op-sendMessage')!;
    expect(send.querySelector('summary')!.textContent).toContain(
      '/v1/channels/{channel_id}/messages',
    );
    expect(send.textContent).toContain('Request body');
    expect(send.textContent).toContain('client_id');
    expect(send.textContent).toContain('429');
    // The body is named after its request body component; headers that matter are shown.
    expect(send.textContent).toContain('Schema: SendMessageBody');
    expect(send.textContent).toContain('headers: Retry-After');
    expect(send.textContent).toContain('Allow: GET, HEAD, POST');
    const history = document.getElementById('op-listMessages')!;
    expect(history.textContent).toContain('before');
    expect(history.textContent).toContain('Page size, 1–100');
    expect(document.getElementById('op-upsertUser')!.textContent).toContain('server key only');
    expect(document.getElementById('schema-Message')!.textContent).toContain('reactions');
    expect(document.querySelector('a[href="#schema-Message"]')).not.toBeNull();
  });

  it('filters operations by the search box', async () => {
    const { document } = await open();
    const filter = document.getElementById('filter') as HTMLInputElement;
    // Not 'reaction': webhook operations list the `reaction.new` event type.
    filter.value = 'reactions';
    filter.dispatchEvent(new window!.Event('input'));
    const visible = [...document.querySelectorAll('details.op')].filter(
      (op) => !(op as HTMLElement).hidden,
    );
    expect(visible.map((op) => op.id).sort()).toEqual(['op-addReaction', 'op-removeReaction']);
  });

  it('allows only its own inline style and script', () => {
    expect(REFERENCE_CSP).toContain("default-src 'none'");
    expect(REFERENCE_CSP).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(REFERENCE_CSP).not.toContain('unsafe-inline');
  });
});
