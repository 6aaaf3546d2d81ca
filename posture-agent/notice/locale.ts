/**
 * The agent's language. Only the languages the agent has texts for exist: English and Japanese;
 * any other locale falls back to English, the language every admin can read.
 *
 * Order: an explicit override (config `language`, flag `--lang`) wins; then the POSIX locale
 * variables for messages, in POSIX precedence — the first non-empty of LC_ALL, LC_MESSAGES, LANG
 * decides, even when it is `C` (LC_ALL=C LANG=ja_JP.UTF-8 is English, as for every other tool);
 * then the OS locale the caller detected (Windows `Get-Culture` → `ja-JP`, macOS
 * `defaults read -g AppleLocale` → `ja_JP`), because a GUI session on those systems often has no
 * locale variables at all; then English.
 *
 * Only the language part counts: `en_JP` (English, region Japan) is English.
 */
import type { AgentLanguage } from '../outcome.js';

export const AGENT_LANGUAGES: readonly AgentLanguage[] = ['en', 'ja'];

export type LanguageSource = 'override' | 'LC_ALL' | 'LC_MESSAGES' | 'LANG' | 'os' | 'default';

export interface LanguageInputs {
  /** Config or flag value, already validated with `parseLanguageOverride`. */
  override?: AgentLanguage;
  /** The process environment (only LC_ALL, LC_MESSAGES, LANG are read). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The OS locale the caller detected, e.g. `ja-JP` or `ja_JP`; empty or absent when unknown. */
  osLocale?: string;
}

export interface ResolvedLanguage {
  language: AgentLanguage;
  /** Where it came from, for `kenneki-agent status --verbose` and the log. */
  source: LanguageSource;
}

const POSIX_ORDER = ['LC_ALL', 'LC_MESSAGES', 'LANG'] as const;

/**
 * The language of a locale name: `ja_JP.UTF-8`, `ja_JP.eucJP@modifier`, `ja-JP`, `ja` → ja;
 * `C`, `POSIX`, `C.UTF-8`, `en_US`, `fr_FR` → en. Undefined for an empty or blank value (not set).
 */
export function languageOfLocale(locale: string | undefined): AgentLanguage | undefined {
  const trimmed = locale?.trim() ?? '';
  if (trimmed === '') return undefined;
  const code = trimmed.split(/[_.@-]/, 1)[0]?.toLowerCase();
  return code === 'ja' ? 'ja' : 'en';
}

/**
 * A config or flag value: `en`/`ja`, any case, or a locale name whose language is one of them
 * (`ja_JP`, `en-US`). Undefined when it names another language, so the CLI can refuse it
 * ("unsupported language 'fr': use en or ja") instead of quietly showing English.
 */
export function parseLanguageOverride(value: string): AgentLanguage | undefined {
  const code = value.trim().split(/[_.@-]/, 1)[0]?.toLowerCase();
  return code === 'en' || code === 'ja' ? code : undefined;
}

export function resolveLanguage(inputs: LanguageInputs = {}): ResolvedLanguage {
  if (inputs.override !== undefined) return { language: inputs.override, source: 'override' };
  const env = inputs.env ?? {};
  for (const name of POSIX_ORDER) {
    const language = languageOfLocale(env[name]);
    if (language !== undefined) return { language, source: name };
  }
  const os = languageOfLocale(inputs.osLocale);
  if (os !== undefined) return { language: os, source: 'os' };
  return { language: 'en', source: 'default' };
}
