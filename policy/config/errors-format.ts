/**
 * Turns ajv validation errors into lines an operator can act on: `<path>: <reason>`, where the
 * path is the key path as written in the YAML file (`tenants[1].id`, `http.tlss`).
 *
 * ajv's own messages are written for schema authors ("must NOT have additional properties",
 * JSON pointers, one error per anyOf branch); an operator editing a config file needs the key
 * they got wrong and what to write instead. No reason ever includes the offending *value*: the
 * value may be a secret, and the operator can see it in their own file anyway.
 */
import type { ErrorObject } from 'ajv';

/** A path segment: object key or array index. */
export type PathSegment = string | number;

/** Shown for errors about the document itself (e.g. the file holds a list, not a mapping). */
export const ROOT_PATH = '(root)';

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['tenants', 1, 'id']` → `tenants[1].id`; odd keys are quoted: `http["a b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}

/**
 * A JSON pointer names array indexes and numeric-looking object keys the same way, so the data
 * is walked alongside to tell them apart.
 */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      segments.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segments.push(key);
      cur = cur !== null && typeof cur === 'object' && Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

export interface Problem {
  path: string;
  reason: string;
}

/** Compares with digit runs as numbers, so `tenants[2]` sorts before `tenants[10]`. */
function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i] as string;
    const y = tb[i] as string;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** Deduplicated, sorted by path (then reason), rendered as `<path>: <reason>`. */
export function renderProblems(problems: readonly Problem[]): string[] {
  const sorted = [...problems].sort((p, q) => naturalCompare(p.path, q.path) || naturalCompare(p.reason, q.reason));
  return [...new Set(sorted.map((p) => `${p.path}: ${p.reason}`))];
}

/** An error located by JSON pointer, optionally naming a child key (unknown or missing key). */
interface Issue {
  instancePath: string;
  child?: string;
  reason: string;
}

function plural(n: unknown, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  const named = types.map((t) => (t === 'null' ? 'null' : withArticle(t === 'object' ? 'mapping' : t === 'array' ? 'list' : t)));
  return joinOr(named);
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function singleIssue(e: ErrorObject): Issue {
  const p = e.params as Record<string, unknown>;
  const at = { instancePath: e.instancePath };
  switch (e.keyword) {
    case 'additionalProperties':
      return { ...at, child: String(p.additionalProperty), reason: 'unknown key' };
    case 'required':
      return { ...at, child: String(p.missingProperty), reason: 'is required' };
    case 'type':
      return { ...at, reason: `must be ${describeTypes(p.type)}` };
    case 'enum':
      return { ...at, reason: `must be one of: ${(p.allowedValues as unknown[]).map(describeValue).join(', ')}` };
    case 'discriminator':
      // The tag property picks the branch, so the problem is at the tag, not at the object.
      return { ...at, child: String(p.tag), reason: p.error === 'mapping' ? 'is not one of the accepted values' : 'must be a string' };
    case 'const':
      return { ...at, reason: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'pattern':
      return { ...at, reason: `must match ${String(p.pattern)}` };
    case 'format':
      return { ...at, reason: `must be a valid ${String(p.format)}` };
    case 'minLength':
      return { ...at, reason: `must be at least ${plural(p.limit, 'character')}` };
    case 'maxLength':
      return { ...at, reason: `must be at most ${plural(p.limit, 'character')}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { ...at, reason: `must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'multipleOf':
      return { ...at, reason: `must be a multiple of ${String(p.multipleOf)}` };
    case 'minItems':
      return { ...at, reason: `must have at least ${plural(p.limit, 'item')}` };
    case 'maxItems':
      return { ...at, reason: `must have at most ${plural(p.limit, 'item')}` };
    case 'uniqueItems':
      return { ...at, reason: `must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)` };
    case 'minProperties':
      return { ...at, reason: `must have at least ${plural(p.limit, 'key')}` };
    case 'maxProperties':
      return { ...at, reason: `must have at most ${plural(p.limit, 'key')}` };
    default:
      return { ...at, reason: e.message ?? 'is invalid' };
  }
}

const COMBINATORS = new Set(['anyOf', 'oneOf']);
/** Errors that mean "this branch is not even the right kind of value" for an anyOf/oneOf. */
const SHAPE_KEYWORDS = new Set(['type', 'required', 'const', 'enum']);

function isWithin(e: ErrorObject, c: ErrorObject): boolean {
  return (
    e !== c &&
    e.schemaPath.startsWith(`${c.schemaPath}/`) &&
    (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`))
  );
}

/** A short picture of what one anyOf branch accepts, e.g. `a string` or `{ file: ... }`. */
function describeBranch(schema: unknown): string {
  if (schema === null || typeof schema !== 'object') return 'a valid value';
  const s = schema as Record<string, unknown>;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map(describeValue).join(', ')}`;
  if (s.type === 'object' && Array.isArray(s.required) && s.required.length > 0) {
    return `{ ${s.required.map((k) => `${String(k)}: ...`).join(', ')} }`;
  }
  if (s.type !== undefined) return describeTypes(s.type);
  return 'a valid value';
}

/**
 * ajv reports every failing branch of an anyOf/oneOf plus the combinator itself. If exactly one
 * branch has the right shape (type matches, required keys present), the value was evidently
 * meant as that branch and only its errors are useful ("must be at least 16 characters");
 * otherwise one line lists the accepted forms. Needs ajv's `verbose` option to describe the
 * forms; without it the reason is generic.
 */
function combinatorIssues(c: ErrorObject, subs: ErrorObject[]): Issue[] {
  const branches = new Map<string, ErrorObject[]>();
  const count = Array.isArray(c.schema) ? c.schema.length : 0;
  for (let i = 0; i < count; i++) branches.set(String(i), []);
  for (const e of subs) {
    const idx = e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0] ?? '';
    const list = branches.get(idx) ?? [];
    list.push(e);
    branches.set(idx, list);
  }
  const plausible = [...branches.values()].filter(
    (errs) => !errs.some((e) => e.instancePath === c.instancePath && SHAPE_KEYWORDS.has(e.keyword)),
  );
  const only = plausible.length === 1 ? plausible[0] : undefined;
  if (only !== undefined && only.length > 0) return collapse(only);
  const forms = Array.isArray(c.schema) ? joinOr(c.schema.map(describeBranch)) : '';
  const ambiguous = c.keyword === 'oneOf' && (c.params as { passingSchemas?: unknown }).passingSchemas != null;
  const reason = forms === '' ? 'is not any of the accepted forms' : ambiguous ? `must be exactly one of ${forms}` : `must be ${forms}`;
  return [{ instancePath: c.instancePath, reason }];
}

function collapse(errors: ErrorObject[]): Issue[] {
  const combinators = errors.filter((e) => COMBINATORS.has(e.keyword));
  const outer = combinators.filter((c) => !combinators.some((o) => isWithin(c, o)));
  const consumed = new Set<ErrorObject>(outer);
  const issues: Issue[] = [];
  for (const c of outer) {
    const subs = errors.filter((e) => isWithin(e, c));
    subs.forEach((e) => consumed.add(e));
    issues.push(...combinatorIssues(c, subs));
  }
  for (const e of errors) if (!consumed.has(e)) issues.push(singleIssue(e));
  return issues;
}

/**
 * Converts ajv errors (from a validator built with `allErrors: true`, ideally `verbose: true`)
 * into problems. `data` is the validated value, used to tell array indexes from keys.
 */
export function ajvProblems(errors: readonly ErrorObject[] | null | undefined, data: unknown): Problem[] {
  return collapse([...(errors ?? [])]).map((issue) => {
    const segments = pointerToSegments(issue.instancePath, data);
    if (issue.child !== undefined) segments.push(issue.child);
    return { path: formatPath(segments), reason: issue.reason };
  });
}

/** `ajvProblems` rendered: deduplicated, sorted `<path>: <reason>` lines. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined, data: unknown): string[] {
  return renderProblems(ajvProblems(errors, data));
}

/** The message of a config error: a header naming the file, then one indented line per problem. */
export function problemsMessage(header: string, lines: readonly string[]): string {
  return [`${header}:`, ...lines.map((l) => `  ${l}`)].join('\n');
}
