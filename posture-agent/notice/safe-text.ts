/**
 * Text that came from the server (reason, remediation steps, host names) is shown in a terminal
 * and handed to notifiers, so it is untrusted: an ESC sequence could rewrite the user's terminal,
 * a bidi override could make "evil.example" read as something else, and a NUL cannot even be put
 * in an argv. Everything shown passes through `displayText` first.
 */

// C0 controls except \t and \n (CR is folded into \n before this runs), DEL, C1 controls, and the
// bidi embedding/override/isolate marks.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Lone surrogates become U+FFFD (String.prototype.toWellFormed, which ES2023 lib lacks). */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}

/** Server text made safe to show: newlines kept (as \n), tabs as a space, other controls removed. */
export function displayText(s: string): string {
  return wellFormed(s).replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(UNSAFE, '');
}

/** At most `max` UTF-16 units, with "..." when cut; never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 3);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut -= 1;
  return `${s.slice(0, cut)}...`;
}
