/**
 * Kenneki's own definitions feed format, `kenneki-definitions/1`, in JSON or YAML.
 *
 * It exists for what the upstream feeds lack: release dates (grace periods count from them),
 * forbidden software, and platforms the built-in table does not know. Unknown fields are
 * rejected, because in a hand-written feed a misspelt `fixed_version:` for `fixed:` would
 * otherwise silently drop a fix.
 */
import { parse as parseYaml } from 'yaml';
import { isKennekiError } from '../errors.js';
import { assertVersion, isVersionScheme, VERSION_SCHEMES } from './compare.js';
import {
  definitionsError,
  expectArray,
  expectIsoDate,
  expectNonEmptyString,
  expectRecord,
  expectString,
  own,
  type JsonPath,
} from './feed-validation.js';
import { schemeForPlatform, type PlatformRule } from './platforms.js';
import type { Advisory, ForbiddenRule, VersionScheme } from './view.js';

export const KENNEKI_FORMAT = 'kenneki-definitions/1';

export interface KennekiDefinitions {
  feed: string;
  published: string;
  advisories: Advisory[];
  forbidden: ForbiddenRule[];
  platforms: PlatformRule[];
}

type Urgency = NonNullable<Advisory['urgency']>;
const URGENCIES: readonly Urgency[] = ['unimportant', 'low', 'medium', 'high', 'critical', 'unknown'];

const TOP_FIELDS = ['format', 'feed', 'published', 'advisories', 'forbidden', 'platforms'];
const ADVISORY_FIELDS = ['id', 'platform', 'package', 'fixed', 'released', 'cves', 'urgency'];
const FORBIDDEN_FIELDS = ['name', 'reason', 'platform', 'below_version'];
const PLATFORM_FIELDS = ['key', 'product', 'version_prefix', 'scheme'];

function rejectUnknown(obj: Record<string, unknown>, allowed: readonly string[], path: JsonPath): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw definitionsError([...path, key], `unknown field (expected one of: ${allowed.join(', ')})`);
  }
}

// YAML reads `fixed: 2.0` as the number 2 and `version_prefix: 22.10` as 22.1; say how to fix it.
function expectVersionString(v: unknown, path: JsonPath): string {
  if (typeof v === 'number') throw definitionsError(path, 'must be a string (quote it: YAML reads unquoted versions as numbers)');
  return expectNonEmptyString(v, path);
}

function checkVersion(scheme: VersionScheme, version: string, path: JsonPath): void {
  try {
    assertVersion(scheme, version);
  } catch (e) {
    const reason = isKennekiError(e) ? e.message : 'unparsable';
    throw definitionsError(path, `not a valid ${scheme} version (${reason})`, e);
  }
}

function parsePlatform(value: unknown, path: JsonPath): PlatformRule {
  const obj = expectRecord(value, path);
  rejectUnknown(obj, PLATFORM_FIELDS, path);
  const scheme = own(obj, 'scheme');
  if (!isVersionScheme(scheme)) throw definitionsError([...path, 'scheme'], `must be one of: ${VERSION_SCHEMES.join(', ')}`);
  const rule: PlatformRule = {
    key: expectNonEmptyString(own(obj, 'key'), [...path, 'key']),
    product: expectNonEmptyString(own(obj, 'product'), [...path, 'product']),
    scheme,
  };
  const prefix = own(obj, 'version_prefix');
  if (prefix !== undefined) rule.versionPrefix = expectVersionString(prefix, [...path, 'version_prefix']);
  return rule;
}

function parseAdvisory(value: unknown, path: JsonPath, platforms: readonly PlatformRule[]): Advisory {
  const obj = expectRecord(value, path);
  rejectUnknown(obj, ADVISORY_FIELDS, path);
  const platform = expectNonEmptyString(own(obj, 'platform'), [...path, 'platform']);
  const scheme = schemeForPlatform(platform, platforms);
  const fixedVersion = expectVersionString(own(obj, 'fixed'), [...path, 'fixed']);
  checkVersion(scheme, fixedVersion, [...path, 'fixed']);
  const advisory: Advisory = {
    id: expectNonEmptyString(own(obj, 'id'), [...path, 'id']),
    platform,
    package: expectNonEmptyString(own(obj, 'package'), [...path, 'package']),
    fixedVersion,
    scheme,
    cves: [],
  };
  const cves = own(obj, 'cves');
  if (cves !== undefined) {
    advisory.cves = expectArray(cves, [...path, 'cves']).map((c, i) => expectNonEmptyString(c, [...path, 'cves', i]));
  }
  const released = own(obj, 'released');
  if (released !== undefined) advisory.releasedAt = expectIsoDate(released, [...path, 'released']);
  const urgency = own(obj, 'urgency');
  if (urgency !== undefined) {
    if (!(URGENCIES as readonly unknown[]).includes(urgency)) {
      throw definitionsError([...path, 'urgency'], `must be one of: ${URGENCIES.join(', ')}`);
    }
    advisory.urgency = urgency as Urgency;
  }
  return advisory;
}

function parseForbidden(value: unknown, path: JsonPath, platforms: readonly PlatformRule[]): ForbiddenRule {
  const obj = expectRecord(value, path);
  rejectUnknown(obj, FORBIDDEN_FIELDS, path);
  const rule: ForbiddenRule = {
    name: expectNonEmptyString(own(obj, 'name'), [...path, 'name']),
    reason: expectNonEmptyString(own(obj, 'reason'), [...path, 'reason']),
  };
  const platform = own(obj, 'platform');
  if (platform !== undefined) rule.platform = expectNonEmptyString(platform, [...path, 'platform']);
  const below = own(obj, 'below_version');
  if (below !== undefined) {
    rule.belowVersion = expectVersionString(below, [...path, 'below_version']);
    // Without a platform the scheme is only known per endpoint, so the check happens there.
    if (rule.platform !== undefined) checkVersion(schemeForPlatform(rule.platform, platforms), rule.belowVersion, [...path, 'below_version']);
  }
  return rule;
}

function optionalList<T>(doc: Record<string, unknown>, key: string, parse: (v: unknown, path: JsonPath) => T): T[] {
  const list = own(doc, key);
  if (list === undefined || list === null) return [];
  return expectArray(list, [key]).map((item, i) => parse(item, [key, i]));
}

function parseText(text: string): unknown {
  if (typeof text !== 'string') throw definitionsError([], 'feed text must be a string');
  const trimmed = text.trimStart();
  try {
    // JSON first when it looks like JSON: its error messages are more precise for JSON input.
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(text);
    // logLevel 'error' keeps YAML warnings off the console; errors still throw.
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : 'unparsable';
    throw definitionsError([], `not valid JSON or YAML: ${message}`, e);
  }
}

/** Parses and validates a `kenneki-definitions/1` document; errors name the path. */
export function parseKennekiDefinitions(text: string): KennekiDefinitions {
  const doc = expectRecord(parseText(text), []);
  rejectUnknown(doc, TOP_FIELDS, []);
  const format = expectString(own(doc, 'format'), ['format']);
  if (format !== KENNEKI_FORMAT) throw definitionsError(['format'], `must be "${KENNEKI_FORMAT}"`);
  const feed = expectNonEmptyString(own(doc, 'feed'), ['feed']);
  const published = expectIsoDate(own(doc, 'published'), ['published']);
  // Platforms first: the schemes they declare decide how advisories' versions are validated.
  const platforms = optionalList(doc, 'platforms', parsePlatform);
  const advisories = optionalList(doc, 'advisories', (v, p) => parseAdvisory(v, p, platforms));
  const forbidden = optionalList(doc, 'forbidden', (v, p) => parseForbidden(v, p, platforms));
  return { feed, published, advisories, forbidden, platforms };
}
