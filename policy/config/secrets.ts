/**
 * Secret fields in the config. A secret may be written inline, or referenced as
 * `{ file: "/run/secrets/x" }` (docker/k8s secret mounts, systemd credentials) or
 * `{ env: "NAME" }`, so that the config file itself can be world-readable and version-controlled.
 *
 * Secret values never appear in error messages or error details: a config error is printed to
 * the terminal and the log, which are far less protected than the secret's source.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { KennekiError } from '../errors.js';
import { formatPath, problemsMessage, renderProblems, type Problem } from './errors-format.js';
import { ConfigSchema, type KennekiConfig, type RawConfig } from './schema.js';

/**
 * Every secret field of the config. Adding a secret is one line here plus a `SecretRef` field in
 * schema.ts (a test checks that the two agree). `*` stands for every element of an array.
 */
export const SECRET_PATHS: readonly (readonly string[])[] = [
  ['admin', 'bootstrap_password'],
  ['identity', 'directories', '*', 'bind_password'],
  ['radius', 'clients', '*', 'secret'],
  ['allowlist', 'gateways', '*', 'secret'],
];

/** The concrete paths a SECRET_PATHS entry names in this config (`*` expanded over arrays). */
function concretePaths(root: unknown, path: readonly string[]): (string | number)[][] {
  const star = path.indexOf('*');
  if (star < 0) return [[...path]];
  const head = path.slice(0, star);
  let cur: unknown = root;
  for (const key of head) cur = cur !== null && typeof cur === 'object' && Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(cur)) return [];
  return cur.flatMap((_, i) => concretePaths(root, [...head, String(i), ...path.slice(star + 1)]).map((rest) => [...head, i, ...rest.slice(head.length + 1)]));
}

export const REDACTED = '[redacted]';

/** Secret files are small; refusing large ones keeps a mistaken `/dev/zero` from eating memory. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface ResolveSecretsOptions {
  /** Where `{ env }` references are looked up; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative `{ file }` references; defaults to `process.cwd()`. */
  cwd?: string;
  /** The config file, named in error messages. */
  source?: string;
}

type Resolution =
  | { ok: true; value: string; origin: string }
  | { ok: false; reason: string; unresolved: boolean; cause?: unknown };

/** The object holding the last segment of `path`, if every step on the way is an object. */
function parentOf(root: unknown, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let cur: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>) : undefined;
}

/** The length rule of a secret field, read from its literal-string branch in the schema. */
export function secretMinLength(path: readonly (string | number)[]): number {
  let schema: unknown = ConfigSchema;
  for (const key of path) {
    const s = schema as { properties?: Record<string, unknown>; items?: unknown } | undefined;
    schema = key === '*' || typeof key === 'number' ? s?.items : s?.properties?.[key];
  }
  const branches = (schema as { anyOf?: unknown[] } | undefined)?.anyOf ?? [];
  const literal = branches.find((b): b is { minLength?: number } => (b as { type?: unknown }).type === 'string');
  return literal?.minLength ?? 0;
}

/** Strips trailing CR/LF by hand: a `/[\r\n]+$/` regex is quadratic on newline-heavy input. */
function trimTrailingNewlines(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '\n' || s[end - 1] === '\r')) end--;
  return s.slice(0, end);
}

function readSecretFile(file: string, cwd: string): Resolution {
  const abs = resolve(cwd, file);
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { ok: false, reason: `secret file ${abs} is not a regular file`, unresolved: true };
    if (st.size > MAX_SECRET_FILE_BYTES) {
      return { ok: false, reason: `secret file ${abs} is larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB`, unresolved: true };
    }
    const value = trimTrailingNewlines(readFileSync(abs, 'utf8'));
    if (value === '') return { ok: false, reason: `secret file ${abs} is empty`, unresolved: true };
    return { ok: true, value, origin: `secret file ${abs}` };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, reason: `cannot read secret file ${abs} (${code})`, unresolved: true, cause };
  }
}

function resolveOne(ref: unknown, env: NodeJS.ProcessEnv, cwd: string): Resolution {
  if (typeof ref === 'string') return { ok: true, value: ref, origin: 'value' };
  if (ref !== null && typeof ref === 'object') {
    const r = ref as { file?: unknown; env?: unknown };
    if (typeof r.file === 'string') return readSecretFile(r.file, cwd);
    if (typeof r.env === 'string') {
      const value = env[r.env];
      if (value === undefined) return { ok: false, reason: `environment variable ${r.env} is not set`, unresolved: true };
      if (value === '') return { ok: false, reason: `environment variable ${r.env} is empty`, unresolved: true };
      return { ok: true, value, origin: `environment variable ${r.env}` };
    }
  }
  // Unreachable after schema validation; kept so a caller skipping validation gets a clear error.
  return { ok: false, reason: 'must be a string, { file: ... } or { env: ... }', unresolved: false };
}

/**
 * Replaces every secret reference in a validated config with the secret's value. Returns a copy;
 * `raw` is not modified. Throws KENNEKI_ERR_SECRET_UNRESOLVED when a file or variable is missing
 * or unreadable, KENNEKI_ERR_CONFIG_INVALID when a resolved secret breaks the field's rules.
 * All secret problems are collected and reported together.
 */
export function resolveSecrets(raw: RawConfig, opts: ResolveSecretsOptions = {}): KennekiConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const out: unknown = structuredClone(raw);
  const problems: Problem[] = [];
  let unresolved = false;
  let cause: unknown;
  for (const path of SECRET_PATHS.flatMap((p) => concretePaths(out, p))) {
    const parent = parentOf(out, path);
    const key = path[path.length - 1] as string;
    if (parent === undefined || parent[key] === undefined) continue;
    const r = resolveOne(parent[key], env, cwd);
    if (!r.ok) {
      problems.push({ path: formatPath(path), reason: r.reason });
      unresolved ||= r.unresolved;
      cause ??= r.cause;
      continue;
    }
    const min = secretMinLength(path);
    if (r.origin !== 'value' && [...r.value].length < min) {
      problems.push({ path: formatPath(path), reason: `${r.origin} must hold at least ${min} characters` });
      continue;
    }
    parent[key] = r.value;
  }
  if (problems.length > 0) {
    const lines = renderProblems(problems);
    const where = opts.source === undefined ? 'configuration' : `configuration in ${opts.source}`;
    throw new KennekiError(
      unresolved ? 'KENNEKI_ERR_SECRET_UNRESOLVED' : 'KENNEKI_ERR_CONFIG_INVALID',
      problemsMessage(unresolved ? `cannot resolve secrets of ${where}` : `invalid ${where}`, lines),
      { details: { problems: lines }, ...(cause === undefined ? {} : { cause }) },
    );
  }
  return out as KennekiConfig;
}

/** A copy of `cfg` with every present secret replaced by `[redacted]`, for logs and printing. */
export function redactSecrets<T>(cfg: T): T {
  const out = structuredClone(cfg);
  for (const path of SECRET_PATHS.flatMap((p) => concretePaths(out, p))) {
    const parent = parentOf(out, path);
    const key = path[path.length - 1] as string;
    if (parent !== undefined && parent[key] !== undefined) parent[key] = REDACTED;
  }
  return out;
}
