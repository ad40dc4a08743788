/** IRIS console-log severities, the `Severity` argument of `%SYS.System.WriteToConsoleLog`. */
export const AUDIT_SEVERITY = { info: 0, warning: 1, severe: 2 } as const;
export type AuditSeverity = keyof typeof AUDIT_SEVERITY;
export type AuditLevel = (typeof AUDIT_SEVERITY)[AuditSeverity];
export type AuditFieldValue = string | number | boolean | null;
export type AuditFields = Readonly<Record<string, AuditFieldValue | undefined>>;

/**
 * Longest message sent to IRIS, in UTF-16 code units. IRIS documents no limit for WriteToConsoleLog that we
 * could find; 4000 keeps one audit event a readable line of messages.log and of the structured log.
 */
export const AUDIT_MESSAGE_MAX_CHARS = 4000;

/** Stable dotted names: `job.submitted`, `pipeline.step.started`. */
export const AUDIT_EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const EVENT_NAME_MAX = 100;

/** The event logged in place of one whose name is not a stable dotted name; the name is kept as a field. */
export const INVALID_EVENT = 'audit.invalid_event';

/** Keys the client writes itself; a field of the same name is kept with a `_` prefix. */
const RESERVED = new Set(['event', 'source', 'at']);

/** One formatted audit event. */
export interface AuditMessage {
  readonly event: string;
  readonly fields: Readonly<Record<string, AuditFieldValue>>;
  /** One line of JSON: event first, then the fields, `source` and `at`. */
  readonly message: string;
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls and the JS line separators, which some
// readers of IRIS's console log treat as line breaks.
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029]/g;

function escapeRest(json: string): string {
  return json.replace(UNESCAPED_BY_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fieldValue(value: unknown): AuditFieldValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  // Callers are typed, but a value from untyped code must not make logging throw.
  try {
    return typeof value === 'object' ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function cleanFields(
  event: unknown,
  fields: unknown,
): { event: string; fields: Record<string, AuditFieldValue> } {
  const clean: Record<string, AuditFieldValue> = {};
  const valid = typeof event === 'string' && event.length <= EVENT_NAME_MAX && AUDIT_EVENT_NAME.test(event);
  if (!valid) clean.invalid_event = fieldValue(event);
  if (fields !== null && typeof fields === 'object') {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      clean[RESERVED.has(key) || (!valid && key === 'invalid_event') ? `_${key}` : key] = fieldValue(value);
    }
  }
  return { event: valid ? event : INVALID_EVENT, fields: clean };
}

function render(event: string, fields: Record<string, AuditFieldValue>, source: string, at: string): string {
  return escapeRest(JSON.stringify({ event, ...fields, source, at }));
}

function marker(removed: number): string {
  return `…[truncated ${removed} chars]`;
}

/** Cuts `value` to at most `keep` code units without splitting a surrogate pair. */
function cut(value: string, keep: number): string {
  let end = Math.max(0, keep);
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end);
}

/**
 * Formats one audit event as a single line of JSON. A name that is not a stable dotted name is logged as
 * `audit.invalid_event` with the original in `invalid_event`; a message longer than `maxChars` has its longest
 * text fields cut, each ending in `…[truncated N chars]`, so it stays valid JSON and is never dropped.
 */
export function formatAuditMessage(
  input: { event: unknown; fields?: unknown; source: string; at: string },
  maxChars: number = AUDIT_MESSAGE_MAX_CHARS,
): AuditMessage {
  const { event, fields } = cleanFields(input.event, input.fields);
  let message = render(event, fields, input.source, input.at);
  const cutKeys = new Set<string>();
  while (message.length > maxChars) {
    const longest = Object.entries(fields)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !cutKeys.has(entry[0]))
      .sort((a, b) => b[1].length - a[1].length)[0];
    if (longest === undefined) break;
    const [key, value] = longest;
    const excess = message.length - maxChars;
    // Escaping only lengthens text, so removing n raw characters shortens the line by at least n; the
    // marker of the longest possible count makes room for the marker itself.
    const kept = cut(value, value.length - excess - marker(value.length).length);
    fields[key] = kept + marker(value.length - kept.length);
    cutKeys.add(key);
    message = render(event, fields, input.source, input.at);
  }
  if (message.length > maxChars) {
    // Too many small fields: keep the event and say how much was left out.
    const summary = { truncated: marker(message.length) };
    message = render(event, summary, input.source, input.at);
    return { event, fields: summary, message };
  }
  return { event, fields, message };
}
