/**
 * The language of the texts a standard client shows its user. The client states its preference in
 * PB-Language-Preference as an HTTP-style `Accept-Language:` header (RFC 5793 §4.10, RFC 3282);
 * Kenneki only has English and Japanese texts, so the first of those the client lists wins.
 */
import type { LocalizedText } from '../../verifiers/contract.js';

export type Language = 'en' | 'ja';

/**
 * The first supported language in the client's list, in the order sent (q-values are ignored:
 * strongSwan sends a single tag, and order is the client's own ranking). Undefined when the text
 * is not an Accept-Language header or names nothing we have, so the server default applies.
 */
export function languageFromPreference(text: string): Language | undefined {
  const m = /^\s*accept-language\s*:(.*)$/is.exec(text);
  if (!m || m[1] === undefined) return undefined;
  for (const item of m[1].split(',')) {
    const primary = (item.split(';')[0] ?? '').trim().toLowerCase().split('-')[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return undefined;
}

/** The text in `lang`, falling back to English (always present), with the tag of what was used. */
export function localize(t: LocalizedText, lang: Language): { text: string; lang: Language } {
  return lang === 'ja' && t.ja !== undefined ? { text: t.ja, lang: 'ja' } : { text: t.en, lang: 'en' };
}
