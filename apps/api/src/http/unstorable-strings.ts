import type { FieldIssue } from '@ct/shared';

// Postgres text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 form: jsonb refuses
// its escape, and a text column would silently get U+FFFD instead. Either is the client's mistake.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why Postgres could not store `text` as it is, or null when it can. */
export function unstorableReason(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it has an unpaired UTF-16 surrogate)';
  return null;
}

interface Node {
  value: unknown;
  key: string | null;
  parent: Node | null;
}

/**
 * Every string of a request part (a body, a query object, a parameter) that Postgres could not store, field
 * names included, each named by its path as the validation errors name fields (`tags.owner`); `where` names
 * the part itself when it is a bare string. Iterative, and paths are built only for what is reported: a
 * deeply nested body must neither exhaust the stack nor take quadratic time.
 */
export function unstorableStrings(value: unknown, where: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const report = (node: Node, message: string) => issues.push({ path: pathOf(node, where), message });
  const queue: Node[] = [{ value, key: null, parent: null }];
  for (let next = 0; next < queue.length; next++) {
    const node = queue[next] as Node;
    const current = node.value;
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) report(node, reason);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, element] of Object.entries(current)) {
        const child = { value: element, key, parent: node };
        const keyReason = Array.isArray(current) ? null : unstorableReason(key);
        if (keyReason) report(child, `field name ${keyReason}`);
        queue.push(child);
      }
    }
  }
  return issues;
}

function pathOf(node: Node, where: string): string {
  const keys: string[] = [];
  for (let at: Node | null = node; at?.key != null; at = at.parent) keys.push(at.key);
  return keys.length > 0 ? keys.reverse().join('.') : where;
}
