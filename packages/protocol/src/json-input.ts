/**
 * Deepest nesting of arrays and objects accepted anywhere in an input (a REST body, a frame, a
 * `custom` object, `attachments`). Real payloads stay in single digits; the bound keeps every
 * later serializer and size check far from the call stack's limit.
 */
export const MAX_JSON_DEPTH = 32;

/** The first problem found in an input, with the dot path of the field that holds it. */
export interface JsonInputIssue {
  /** Dot path, e.g. `custom.tags.2`; empty for the whole input. */
  field: string;
  message: string;
}

/**
 * A NUL (PostgreSQL refuses it in text and jsonb) or a UTF-16 surrogate without its partner
 * (not encodable as UTF-8). Linear: each alternative looks at most one character around.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Node {
  value: unknown;
  depth: number;
  parent: Node | undefined;
  key: string | number | undefined;
}

/**
 * Walks a parsed JSON value without recursion and returns the first thing no field may hold:
 * nesting deeper than `maxDepth`, or a string (value or key) with a NUL or a lone surrogate.
 * Cost is linear in the input; the path is built only for the issue it returns.
 *
 * @example
 * jsonInputIssue({ name: 'a\u0000b' }); // { field: 'name', message: 'must not contain NUL (\\u0000)' }
 * jsonInputIssue(JSON.parse('['.repeat(40) + ']'.repeat(40))); // { field: '0.0.0…', message: 'is nested too deeply …' }
 */
export function jsonInputIssue(
  value: unknown,
  maxDepth: number = MAX_JSON_DEPTH,
): JsonInputIssue | undefined {
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const current = node.value;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return { field: pathOf(node), message: problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (node.depth >= maxDepth) {
      return { field: pathOf(node), message: `is nested too deeply (at most ${maxDepth} levels)` };
    }
    const depth = node.depth + 1;
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], depth, parent: node, key: index });
      }
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const problem = stringProblem(key);
      if (problem) return { field: pathOf(node), message: `a key ${problem}` };
      stack.push({ value: child, depth, parent: node, key });
    }
  }
  return undefined;
}

/**
 * Bytes of `value` as UTF-8 JSON, or undefined when it is nested deeper than MAX_JSON_DEPTH (so
 * serializing it could exhaust the stack). For size checks in schemas.
 *
 * @example
 * jsonByteLength({ a: 'é' }); // 10
 */
export function jsonByteLength(value: unknown): number | undefined {
  if (exceedsDepth(value, MAX_JSON_DEPTH)) return undefined;
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}

function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [current, depth] = entry;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function stringProblem(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'must not contain NUL (\\u0000)'
    : 'must not contain a lone UTF-16 surrogate';
}

function pathOf(node: Node): string {
  const keys: Array<string | number> = [];
  for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}
