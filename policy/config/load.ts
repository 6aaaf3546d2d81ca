/**
 * Loads the server configuration: read the YAML file, parse it, validate it against the schema
 * (filling defaults), run the checks a schema cannot express, resolve secrets, and make paths
 * absolute. Every failure is a KennekiError whose message lists *all* problems as
 * `<key path>: <reason>` lines, so an operator fixes the file in one pass instead of one
 * restart per typo.
 *
 * Loading is synchronous on purpose: it happens once at start-up, before anything else can run,
 * and a synchronous API keeps the composition root simple.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { KennekiError } from '../errors.js';
import { ajvProblems, formatPath, problemsMessage, renderProblems, type Problem } from './errors-format.js';
import { redactSecrets, resolveSecrets } from './secrets.js';
import { ConfigSchema, type KennekiConfig, type RawConfig } from './schema.js';
import { directoryProblems } from '../identity/config-rules.js';
import { radiusProblems } from './radius-rules.js';
import { allowlistProblems } from './allowlist-rules.js';
import { dhcpProblems } from './dhcp-rules.js';
import { isRecord } from '../util/is-record.js';

export interface LoadConfigOptions {
  /** The YAML file. Absent: the built-in defaults. Relative paths are resolved against `cwd`. */
  file?: string;
  /** For `{ env }` secret references; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths (the file, data_dir, TLS files, secret files); defaults to `process.cwd()`. */
  cwd?: string;
}

/** YAML aliases can expand exponentially ("billion laughs"); a config file never needs many. */
const MAX_ALIAS_COUNT = 100;

let validator: ValidateFunction | undefined;

/**
 * Compiled once, lazily. `useDefaults` makes validation fill in defaults; `allErrors` reports
 * every problem at once; `verbose` lets the formatter describe the forms a secret may take.
 */
function validate(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true }).compile(ConfigSchema);
  return validator;
}

function invalid(source: string, lines: string[], extra: { cause?: unknown; details?: Record<string, unknown> } = {}): KennekiError {
  return new KennekiError('KENNEKI_ERR_CONFIG_INVALID', problemsMessage(`invalid configuration in ${source}`, lines), {
    details: { problems: lines, ...extra.details },
    ...(extra.cause === undefined ? {} : { cause: extra.cause }),
  });
}

/**
 * Parses YAML into plain data. Warnings (e.g. an unknown `!tag`) count as errors: a config
 * that means something other than what it looks like must not load. YAML's "pretty" errors
 * quote the source line, which may hold a secret, so only the bare message and position are used.
 */
function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const issues: YAMLError[] = [...doc.errors, ...doc.warnings];
  if (issues.length > 0) {
    const located = issues.map((e) => ({ e, pos: lineCounter.linePos(e.pos[0]) }));
    const lines = located.map(({ e, pos }) => `${pos.line}:${pos.col}: ${e.message.split('\n')[0] ?? ''}`);
    const first = located[0];
    throw invalid(source, [...new Set(lines)], {
      cause: first?.e,
      details: { line: first?.pos.line, col: first?.pos.col },
    });
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (cause) {
    // Unresolved or excessive aliases are only detected while building the value.
    throw invalid(source, [`${formatPath([])}: ${cause instanceof Error ? cause.message : String(cause)}`], { cause });
  }
}

/** What the CA accepts as a certificate DNS name (a leading `*.` wildcard allowed). */
const DNS_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Rules the schema cannot express. Written defensively against unvalidated data, so they run
 * alongside schema validation and all problems are reported together.
 */
function semanticProblems(data: unknown): Problem[] {
  if (!isRecord(data)) return [];
  const problems: Problem[] = [];
  if (Array.isArray(data.tenants)) {
    const seen = new Set<string>();
    data.tenants.forEach((t: unknown, i) => {
      if (!isRecord(t) || typeof t.id !== 'string') return;
      if (seen.has(t.id)) problems.push({ path: formatPath(['tenants', i, 'id']), reason: `duplicate tenant id ${JSON.stringify(t.id)}` });
      seen.add(t.id);
    });
  }
  const ptTls = isRecord(data.pt_tls) ? data.pt_tls : undefined;
  if (ptTls && typeof ptTls.tenant === 'string' && Array.isArray(data.tenants)) {
    const ids = data.tenants.flatMap((t: unknown) => (isRecord(t) && typeof t.id === 'string' ? [t.id] : []));
    if (!ids.includes(ptTls.tenant)) problems.push({ path: formatPath(['pt_tls', 'tenant']), reason: `must be one of the configured tenants (${ids.map((i) => JSON.stringify(i)).join(', ')})` });
  }
  if (ptTls && Array.isArray(ptTls.server_names)) {
    ptTls.server_names.forEach((n: unknown, i) => {
      if (typeof n === 'string' && n !== '' && isIP(n) === 0 && !DNS_NAME.test(n)) {
        problems.push({ path: formatPath(['pt_tls', 'server_names', i]), reason: 'must be a DNS name or an IP address' });
      }
    });
  }
  // A relative store path is "inside data_dir"; letting `../` escape it would surprise whoever
  // backs up or wipes data_dir. An absolute path states the intent explicitly.
  const storePath = isRecord(data.store) ? data.store.path : undefined;
  if (typeof storePath === 'string' && storePath !== '' && !isAbsolute(storePath)) {
    const rel = relative('/data', resolve('/data', storePath));
    if (rel === '' || rel.split(sep)[0] === '..') {
      problems.push({ path: formatPath(['store', 'path']), reason: 'must name a file inside data_dir when relative (use an absolute path to go elsewhere)' });
    }
  }
  const tenantIds = Array.isArray(data.tenants) ? data.tenants.flatMap((t: unknown) => (isRecord(t) && typeof t.id === 'string' ? [t.id] : [])) : ['default'];
  problems.push(...directoryProblems(data, tenantIds));
  problems.push(...radiusProblems(data, tenantIds));
  problems.push(...dhcpProblems(data, tenantIds));
  problems.push(...allowlistProblems(data, tenantIds));
  return problems;
}

/** Paths become absolute once, here, so no later component depends on the working directory. */
function resolvePaths(cfg: KennekiConfig, cwd: string): KennekiConfig {
  const dataDir = resolve(cwd, cfg.data_dir);
  const tls = cfg.http.tls && { cert_file: resolve(cwd, cfg.http.tls.cert_file), key_file: resolve(cwd, cfg.http.tls.key_file) };
  return {
    ...cfg,
    data_dir: dataDir,
    http: { ...cfg.http, ...(tls ? { tls } : {}) },
    store: { ...cfg.store, path: resolve(dataDir, cfg.store.path) },
    // PT-TLS clients belong to the first tenant unless one is named.
    pt_tls: { ...cfg.pt_tls, tenant: cfg.pt_tls.tenant ?? cfg.tenants[0]?.id ?? 'default' },
    identity: {
      ...cfg.identity,
      directories: cfg.identity.directories.map((d) => ({
        ...d,
        tenant: d.tenant ?? cfg.tenants[0]?.id ?? 'default',
        tls: { ...d.tls, ...(d.tls.ca_file !== undefined ? { ca_file: resolve(cwd, d.tls.ca_file) } : {}) },
      })),
    },
    radius: {
      ...cfg.radius,
      clients: cfg.radius.clients.map((c) => ({ ...c, tenant: c.tenant ?? cfg.tenants[0]?.id ?? 'default' })),
      eap: {
        ...cfg.radius.eap,
        ...(cfg.radius.eap.cert_file !== undefined ? { cert_file: resolve(cwd, cfg.radius.eap.cert_file) } : {}),
        ...(cfg.radius.eap.key_file !== undefined ? { key_file: resolve(cwd, cfg.radius.eap.key_file) } : {}),
        client_ca_files: cfg.radius.eap.client_ca_files.map((f) => resolve(cwd, f)),
        crl_files: cfg.radius.eap.crl_files.map((f) => resolve(cwd, f)),
      },
    },
    // DHCP scopes belong to the first tenant unless one is named.
    dhcp: { ...cfg.dhcp, scopes: cfg.dhcp.scopes.map((s) => ({ ...s, tenant: s.tenant ?? cfg.tenants[0]?.id ?? 'default' })) },
  };
}

/**
 * Validates parsed data (filling defaults in place), then resolves secrets and paths.
 * Throws KENNEKI_ERR_CONFIG_INVALID or KENNEKI_ERR_SECRET_UNRESOLVED.
 */
function finish(data: unknown, source: string, env: NodeJS.ProcessEnv, cwd: string): KennekiConfig {
  const check = validate();
  const schemaProblems = check(data) ? [] : ajvProblems(check.errors, data);
  const problems = [...schemaProblems, ...semanticProblems(data)];
  if (problems.length > 0) throw invalid(source, renderProblems(problems));
  const resolved = resolveSecrets(data as RawConfig, { env, cwd, source });
  return resolvePaths(resolved, cwd);
}

/**
 * Loads and validates the configuration. Without `file`, returns the defaults.
 * Throws KennekiError: KENNEKI_ERR_CONFIG_UNREADABLE (file cannot be read),
 * KENNEKI_ERR_CONFIG_INVALID (YAML syntax, schema or semantic problems; `details.problems`
 * lists them), KENNEKI_ERR_SECRET_UNRESOLVED (a `{ file }` / `{ env }` secret is missing).
 */
export function loadConfig(opts: LoadConfigOptions = {}): KennekiConfig {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  if (opts.file === undefined) return finish({}, 'built-in defaults', env, cwd);
  const source = opts.file;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, source), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new KennekiError('KENNEKI_ERR_CONFIG_UNREADABLE', `cannot read configuration file ${source} (${code})`, {
      cause,
      details: { file: source },
    });
  }
  return finish(parseYaml(text, source), source, env, cwd);
}

/** The built-in defaults, with paths resolved against `cwd` (default `process.cwd()`). */
export function defaultConfig(opts: { cwd?: string } = {}): KennekiConfig {
  return loadConfig(opts.cwd === undefined ? {} : { cwd: opts.cwd });
}

/** A copy of `cfg` safe to log or print: every secret is replaced by `[redacted]`. */
export function redactedConfig(cfg: KennekiConfig): KennekiConfig {
  return redactSecrets(cfg);
}
