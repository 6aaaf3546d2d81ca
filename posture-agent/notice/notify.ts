/**
 * Desktop notifications: `notify-send` on Linux, `osascript` on macOS, a PowerShell toast on
 * Windows. Each command is built by a pure function (tested for exact argv) and run through
 * `host.run`, which never uses a shell — but the texts still reach an interpreter on macOS
 * (AppleScript source) and Windows (PowerShell source, toast XML), and a notification server may
 * read Linux bodies as markup. The reason and the steps come from the server, so every one of
 * those layers escapes: AppleScript string literals, XML text, PowerShell single-quoted literals,
 * Pango markup.
 *
 * A notification is a convenience, never the only channel: headless sessions, a missing notifier
 * or a failing one all end in 'printed', and the caller prints `renderOutcome` instead.
 */
import type { CommandSpec, HostProbe, Platform } from '../collect/contract.js';
import type { AgentLanguage, AssessmentOutcome } from '../outcome.js';
import { displayText, truncate, wellFormed } from './safe-text.js';
import { textsFor } from './texts.js';

export type NotifyResult = 'notified' | 'printed';

export interface NotificationText {
  title: string;
  body: string;
  /** critical for isolate/deny: stays on screen until dismissed where the desktop supports it. */
  urgency: 'normal' | 'critical';
  /** Freedesktop status icon: security-high (allowed), -medium (allowed with warnings), -low. */
  icon: 'security-high' | 'security-medium' | 'security-low';
}

export const APP_NAME = 'Kenneki';
const MAX_TITLE = 120;
const MAX_BODY = 500;
const MAX_STEPS_SHOWN = 3;
/**
 * Windows shows toasts only for a registered AppUserModelID. Until the installer registers
 * Kenneki's own, Windows PowerShell's is the one that is always there.
 */
export const POWERSHELL_APP_ID = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe';

/** Title and body of the notification for an outcome, in the agent's language. */
export function notificationText(outcome: AssessmentOutcome, lang: AgentLanguage): NotificationText {
  const t = textsFor(lang);
  const restricted = outcome.verdict !== 'allow';
  const warned = !restricted && outcome.remediation.length > 0;
  const title = restricted ? t.headline[outcome.verdict] : warned ? t.headlineAllowWithWarnings : t.headline.allow;
  const lines: string[] = [];
  const reason = outcome.reason === undefined ? '' : displayText(outcome.reason).trim();
  if (reason !== '') lines.push(reason);
  else if (restricted) lines.push(t.noReason);
  const steps = outcome.remediation.map((s) => displayText(s).trim()).filter((s) => s !== '');
  steps.slice(0, MAX_STEPS_SHOWN).forEach((s, i) => lines.push(`${i + 1}. ${s}`));
  if (steps.length > MAX_STEPS_SHOWN) lines.push('...');
  if (restricted || warned) lines.push(t.recheck);
  return {
    title: truncate(title, MAX_TITLE),
    body: truncate(lines.join('\n'), MAX_BODY),
    urgency: restricted ? 'critical' : 'normal',
    icon: restricted ? 'security-low' : warned ? 'security-medium' : 'security-high',
  };
}

// ---- escaping -------------------------------------------------------------------------------

/**
 * An AppleScript string literal: `"…"` with `\` and `"` escaped, and line breaks and tabs as
 * `\n`, `\r`, `\t` so the source stays on one line. Nothing else is special inside the quotes.
 */
export function appleScriptString(s: string): string {
  const body = s.replace(/[\\"\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`));
  return `"${body}"`;
}

/** Not an XML 1.0 Char (after lone surrogates become U+FFFD): C0 controls but tab/LF/CR, U+FFFE/U+FFFF. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * XML text and attribute content: the five markup characters as entities, tab/LF/CR as character
 * references (so the XML stays on one line and CRs survive parsing), and characters XML 1.0
 * cannot carry at all as U+FFFD — LoadXml would reject the whole toast otherwise.
 */
export function xmlEscape(s: string): string {
  return wellFormed(s)
    .replace(NOT_XML_CHAR, '\ufffd')
    .replace(/[&<>"'\t\n\r]/g, (c) => XML_ENTITIES[c] ?? c);
}
const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * A PowerShell single-quoted (verbatim) string. PowerShell takes the typographic quotes
 * U+2018–U+201B as single quotes too, so each of them is doubled as well as `'`; nothing else
 * (`$`, backtick, `"`) is special inside.
 */
export function powerShellString(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
}

/** Pango markup (what notification servers with body-markup read): only &, <, > matter in text. */
export function markupEscape(s: string): string {
  return s.replace(/[&<>]/g, (c) => XML_ENTITIES[c] ?? c);
}

// ---- commands -------------------------------------------------------------------------------

const NOTIFY_TIMEOUT_MS = 10_000;

export function linuxNotifyCommand(n: NotificationText): CommandSpec {
  return {
    id: 'linux.notify-send',
    file: 'notify-send',
    // `--` so a title starting with "-" is not read as an option.
    args: ['--app-name', APP_NAME, '--urgency', n.urgency, '--icon', n.icon, '--', n.title, markupEscape(n.body)],
    timeoutMs: NOTIFY_TIMEOUT_MS,
  };
}

export function macosNotifyCommand(n: NotificationText): CommandSpec {
  const script = `display notification ${appleScriptString(n.body)} with title ${appleScriptString(APP_NAME)} subtitle ${appleScriptString(n.title)}`;
  return { id: 'macos.osascript-notification', file: 'osascript', args: ['-e', script], timeoutMs: NOTIFY_TIMEOUT_MS };
}

/** The toast XML: the ToastText02 template (a bold first line, then up to two wrapped lines). */
export function toastXml(n: NotificationText): string {
  return (
    '<toast><visual><binding template="ToastText02">' +
    `<text id="1">${xmlEscape(n.title)}</text><text id="2">${xmlEscape(n.body)}</text>` +
    '</binding></visual></toast>'
  );
}

/** Windows PowerShell 5.1 source (the WinRT type syntax does not exist in PowerShell 7). */
export function windowsToastScript(n: NotificationText, appId: string = POWERSHELL_APP_ID): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    '$null = [Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime]',
    '$null = [Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime]',
    '$xml = New-Object Windows.Data.Xml.Dom.XmlDocument',
    `$xml.LoadXml(${powerShellString(toastXml(n))})`,
    '$toast = New-Object Windows.UI.Notifications.ToastNotification $xml',
    `[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier(${powerShellString(appId)}).Show($toast)`,
  ].join('\n');
}

/**
 * `-EncodedCommand` (base64 of UTF-16LE): the script reaches PowerShell byte for byte, with no
 * Windows command-line quoting in between.
 */
export function windowsToastCommand(n: NotificationText, appId: string = POWERSHELL_APP_ID): CommandSpec {
  const encoded = Buffer.from(windowsToastScript(n, appId), 'utf16le').toString('base64');
  return {
    id: 'windows.toast',
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded],
    timeoutMs: NOTIFY_TIMEOUT_MS,
  };
}

export function notifyCommand(platform: Platform, n: NotificationText, appId?: string): CommandSpec {
  if (platform === 'linux') return linuxNotifyCommand(n);
  if (platform === 'macos') return macosNotifyCommand(n);
  return windowsToastCommand(n, appId);
}

/**
 * No desktop to notify: the flag (service mode, `--no-notify`), or on Linux neither DISPLAY nor
 * WAYLAND_DISPLAY. macOS and Windows cannot tell from the environment; the caller sets the flag
 * when it runs as a LaunchDaemon or a service (session 0 shows no toasts).
 */
export function isHeadless(platform: Platform, env: Readonly<Record<string, string | undefined>>, flag?: boolean): boolean {
  if (flag === true) return true;
  if (platform !== 'linux') return false;
  return !env['DISPLAY'] && !env['WAYLAND_DISPLAY'];
}

export interface NotifyOptions {
  headless?: boolean;
  /** Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Windows AppUserModelID; default Windows PowerShell's. */
  appId?: string;
  /** Told why the notice fell back to printing (headless, `notify-send: not found`, exit 1), for the log. */
  onFallback?: (why: string) => void;
}

/** Shows the outcome as a desktop notification, or returns 'printed' for the caller to print. Never throws. */
export async function notify(host: HostProbe, outcome: AssessmentOutcome, lang: AgentLanguage, opts: NotifyOptions = {}): Promise<NotifyResult> {
  const fallback = (why: string): NotifyResult => {
    try {
      opts.onFallback?.(why);
    } catch {
      // A logging callback must not turn a notice into a crash.
    }
    return 'printed';
  };
  try {
    if (isHeadless(host.platform, opts.env ?? process.env, opts.headless)) return fallback('headless');
    const cmd = notifyCommand(host.platform, notificationText(outcome, lang), opts.appId);
    const r = await host.run(cmd);
    if (r.failure !== undefined) return fallback(`${cmd.file}: ${r.failure}`);
    if (r.code !== 0) return fallback(`${cmd.file} exited with ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]?.slice(0, 200)}` : ''}`);
    return 'notified';
  } catch (e) {
    return fallback(e instanceof Error ? e.message : String(e));
  }
}
