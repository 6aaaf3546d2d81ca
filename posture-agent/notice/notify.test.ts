import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { CommandResult, CommandSpec, HostProbe, Platform } from '../collect/contract.js';
import { FixtureHost } from '../collect/fixture-host.js';
import type { AssessmentOutcome } from '../outcome.js';
import { wellFormed } from './safe-text.js';
import {
  appleScriptString,
  isHeadless,
  linuxNotifyCommand,
  macosNotifyCommand,
  markupEscape,
  notificationText,
  notify,
  POWERSHELL_APP_ID,
  powerShellString,
  toastXml,
  windowsToastCommand,
  windowsToastScript,
  xmlEscape,
  type NotificationText,
} from './notify.js';

// ---- reference parsers: what the interpreters on the other side would read ------------------

/** Reads one AppleScript string literal at `s[at]`; returns its value and where it ended. */
function readAppleScriptLiteral(s: string, at: number): { value: string; end: number } {
  if (s[at] !== '"') throw new Error(`no literal at ${at}`);
  let value = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const n = s[++i];
      const map: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
      if (n === undefined || map[n] === undefined) throw new Error(`bad escape \\${n}`);
      value += map[n];
    } else value += c;
  }
  throw new Error('unterminated literal');
}

function parseAppleScriptLiteral(lit: string): string {
  const { value, end } = readAppleScriptLiteral(lit, 0);
  if (end !== lit.length) throw new Error('literal ended early');
  return value;
}

const PS_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);
/** Reads one PowerShell single-quoted literal (doubled quote characters are one). */
function readPowerShellLiteral(s: string, at: number): { value: string; end: number } {
  if (!PS_QUOTES.has(s[at] ?? '')) throw new Error(`no literal at ${at}`);
  let value = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i] ?? '';
    if (PS_QUOTES.has(c)) {
      if (PS_QUOTES.has(s[i + 1] ?? '')) {
        value += s[++i];
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
  }
  throw new Error('unterminated literal');
}

function parsePowerShellLiteral(lit: string): string {
  const { value, end } = readPowerShellLiteral(lit, 0);
  if (end !== lit.length) throw new Error('literal ended early');
  return value;
}

/** Unescapes XML text; throws on a bare `&` or an unknown entity. */
function xmlUnescape(s: string): string {
  return s.replace(/&([^;]*);|&/g, (whole, name: string | undefined) => {
    if (name === undefined) throw new Error('bare &');
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[name] !== undefined) return named[name];
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
    if (m === null) throw new Error(`unknown entity ${whole}`);
    return String.fromCodePoint(m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? '', 10));
  });
}

/** XML 1.0 Char, as code points (lone surrogates excluded). */
function isXmlChars(s: string): boolean {
  return /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u.test(s);
}

const decodeEncodedCommand = (cmd: CommandSpec): string => Buffer.from(cmd.args[cmd.args.length - 1] ?? '', 'base64').toString('utf16le');

// ---- fixtures ------------------------------------------------------------------------------

const isolated: AssessmentOutcome = {
  verdict: 'isolate',
  reason: '2 security updates are missing.',
  remediation: ['Install all updates.', 'Restart the computer.'],
  language: 'en',
  quarantineAllow: [{ host: 'deb.debian.org' }],
  assessedAt: '2026-11-23T17:26:00Z',
  server: 'nac.example.com:271',
};

const hostile: NotificationText = {
  title: 'a "quoted" \\ title',
  body: `x" & do shell script "rm -rf ~" & "\n$(whoami) \`id\` ' ’ </text></binding><script/> \\"`,
  urgency: 'critical',
  icon: 'security-low',
};

describe('notificationText', () => {
  test('isolate, English', () => {
    expect(notificationText(isolated, 'en')).toEqual({
      title: 'Quarantined: network access is limited',
      body: '2 security updates are missing.\n1. Install all updates.\n2. Restart the computer.\nKenneki will check again automatically.',
      urgency: 'critical',
      icon: 'security-low',
    });
  });

  test('allow, Japanese: normal urgency, no re-check line', () => {
    expect(notificationText({ ...isolated, verdict: 'allow', reason: undefined, remediation: [] }, 'ja')).toEqual({
      title: 'ネットワーク接続が許可されました',
      body: '',
      urgency: 'normal',
      icon: 'security-high',
    });
  });

  test('more than three steps are cut, long bodies truncated, controls removed', () => {
    const n = notificationText({ ...isolated, reason: 'r\u0000\u001b[31m', remediation: ['1', '2', '3', '4', 'x'.repeat(1000)] }, 'en');
    expect(n.body.startsWith('r[31m\n1. 1\n2. 2\n3. 3\n...\n')).toBe(true);
    const long = notificationText({ ...isolated, reason: 'y'.repeat(2000) }, 'en');
    expect(long.body.length).toBe(500);
    expect(long.body.endsWith('...')).toBe(true);
  });
});

describe('notifier commands: exact argv', () => {
  const n = notificationText(isolated, 'en');

  test('Linux notify-send', () => {
    expect(linuxNotifyCommand(n)).toEqual({
      id: 'linux.notify-send',
      file: 'notify-send',
      args: [
        '--app-name',
        'Kenneki',
        '--urgency',
        'critical',
        '--icon',
        'security-low',
        '--',
        'Quarantined: network access is limited',
        '2 security updates are missing.\n1. Install all updates.\n2. Restart the computer.\nKenneki will check again automatically.',
      ],
      timeoutMs: 10_000,
    });
  });

  test('macOS osascript', () => {
    expect(macosNotifyCommand(n)).toEqual({
      id: 'macos.osascript-notification',
      file: 'osascript',
      args: [
        '-e',
        'display notification "2 security updates are missing.\\n1. Install all updates.\\n2. Restart the computer.\\nKenneki will check again automatically." with title "Kenneki" subtitle "Quarantined: network access is limited"',
      ],
      timeoutMs: 10_000,
    });
  });

  test('Windows toast: argv, and the script it encodes', () => {
    const cmd = windowsToastCommand({ title: 'T', body: 'B', urgency: 'normal', icon: 'security-high' });
    expect(cmd.id).toBe('windows.toast');
    expect(cmd.file).toBe('powershell.exe');
    expect(cmd.args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-EncodedCommand']);
    expect(cmd.args).toHaveLength(4);
    expect(decodeEncodedCommand(cmd)).toBe(
      [
        "$ErrorActionPreference = 'Stop'",
        '$null = [Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime]',
        '$null = [Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime]',
        '$xml = New-Object Windows.Data.Xml.Dom.XmlDocument',
        `$xml.LoadXml('<toast><visual><binding template="ToastText02"><text id="1">T</text><text id="2">B</text></binding></visual></toast>')`,
        '$toast = New-Object Windows.UI.Notifications.ToastNotification $xml',
        "[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe').Show($toast)",
      ].join('\n'),
    );
  });
});

describe('notifier commands: hostile texts', () => {
  test('Linux: texts arrive as single argv entries after --, body markup escaped', () => {
    const cmd = linuxNotifyCommand({ ...hostile, title: '--help' });
    expect(cmd.args.slice(0, 8)).toEqual(['--app-name', 'Kenneki', '--urgency', 'critical', '--icon', 'security-low', '--', '--help']);
    expect(cmd.args[8]).toBe(
      'x" &amp; do shell script "rm -rf ~" &amp; "\n$(whoami) `id` \' ’ &lt;/text&gt;&lt;/binding&gt;&lt;script/&gt; \\"',
    );
    expect(cmd.args).toHaveLength(9);
  });

  test('macOS: exact script; quotes and backslashes cannot end the literal', () => {
    expect(macosNotifyCommand(hostile).args).toEqual([
      '-e',
      'display notification "x\\" & do shell script \\"rm -rf ~\\" & \\"\\n$(whoami) `id` \' ’ </text></binding><script/> \\\\\\"" with title "Kenneki" subtitle "a \\"quoted\\" \\\\ title"',
    ]);
  });

  test('Windows: exact LoadXml line; no quote character survives unescaped', () => {
    const script = windowsToastScript(hostile);
    const line = script.split('\n').find((l) => l.startsWith('$xml.LoadXml('));
    expect(line).toBe(
      "$xml.LoadXml('<toast><visual><binding template=\"ToastText02\"><text id=\"1\">a &quot;quoted&quot; \\ title</text>" +
        '<text id="2">x&quot; &amp; do shell script &quot;rm -rf ~&quot; &amp; &quot;&#10;$(whoami) `id` &apos; ’’ &lt;/text&gt;&lt;/binding&gt;&lt;script/&gt; \\&quot;</text>' +
        "</binding></visual></toast>')",
    );
    // Seven statements, whatever the texts: nothing broke out onto a line of its own.
    expect(script.split('\n')).toHaveLength(7);
  });

  test('property: the macOS script parses back to exactly the title and body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (title, body) => {
        const script = macosNotifyCommand({ title, body, urgency: 'normal', icon: 'security-high' }).args[1] ?? '';
        const prefix = 'display notification ';
        expect(script.startsWith(prefix)).toBe(true);
        const b = readAppleScriptLiteral(script, prefix.length);
        const mid = ' with title "Kenneki" subtitle ';
        expect(script.slice(b.end, b.end + mid.length)).toBe(mid);
        const t = readAppleScriptLiteral(script, b.end + mid.length);
        expect(t.end).toBe(script.length);
        expect(b.value).toBe(body);
        expect(t.value).toBe(title);
        expect(script).not.toMatch(/[\n\r]/);
      }),
      { numRuns: 300 },
    );
  });

  test('property: the Windows script carries exactly the texts, in one PowerShell literal of well-formed XML', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (title, body) => {
        const script = windowsToastScript({ title, body, urgency: 'normal', icon: 'security-high' });
        const lines = script.split('\n');
        expect(lines).toHaveLength(7);
        const line = lines[4] ?? '';
        const open = '$xml.LoadXml(';
        expect(line.startsWith(open)).toBe(true);
        const lit = readPowerShellLiteral(line, open.length);
        expect(line.slice(lit.end)).toBe(')');
        expect(lit.value).toBe(toastXml({ title, body, urgency: 'normal', icon: 'security-high' }));
        const m = /^<toast><visual><binding template="ToastText02"><text id="1">([^<]*)<\/text><text id="2">([^<]*)<\/text><\/binding><\/visual><\/toast>$/.exec(lit.value);
        expect(m).not.toBeNull();
        const clean = (s: string): string => [...wellFormed(s)].map((c) => (isXmlChars(c) ? c : '\ufffd')).join('');
        expect(xmlUnescape(m?.[1] ?? '')).toBe(clean(title));
        expect(xmlUnescape(m?.[2] ?? '')).toBe(clean(body));
      }),
      { numRuns: 300 },
    );
  });
});

describe('escapers', () => {
  test.each([
    ['', '""'],
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['a\nb\r\tc', '"a\\nb\\r\\tc"'],
    ['\\"', '"\\\\\\""'],
  ])('appleScriptString(%j) = %s', (s, lit) => {
    expect(appleScriptString(s)).toBe(lit);
  });

  test('property: an AppleScript literal reads back as the same string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(parseAppleScriptLiteral(appleScriptString(s))).toBe(s);
    }), { numRuns: 1000 });
  });

  test('property: XML escaping reads back as the same string, for every XML character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => {
        const s = [...raw].filter(isXmlChars).join('');
        const escaped = xmlEscape(s);
        expect(escaped).not.toMatch(/[<>"'\t\n\r]/);
        expect(xmlUnescape(escaped)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  test('property: XML escaping of anything yields only XML characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(isXmlChars(xmlUnescape(xmlEscape(s)))).toBe(true);
    }), { numRuns: 1000 });
  });

  test('property: a PowerShell literal reads back as the same string', () => {
    const withQuotes = fc.string({ unit: fc.constantFrom("'", '\u2018', '\u2019', '\u201a', '\u201b', '$', '`', '"', 'a', '\n') });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), withQuotes), (s) => {
        expect(parsePowerShellLiteral(powerShellString(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  test('xmlEscape and markupEscape examples', () => {
    expect(xmlEscape(`</text><x a='1'>&"\u0001\uffff`)).toBe('&lt;/text&gt;&lt;x a=&apos;1&apos;&gt;&amp;&quot;\ufffd\ufffd');
    expect(markupEscape('<a href="x">&</a>')).toBe('&lt;a href="x"&gt;&amp;&lt;/a&gt;');
    expect(powerShellString("it's ‘x’")).toBe("'it''s ‘‘x’’'");
  });
});

describe('notify', () => {
  const linuxDesktop = { DISPLAY: ':0' };

  test.each([
    ['linux', {}, undefined, true],
    ['linux', { DISPLAY: ':0' }, undefined, false],
    ['linux', { WAYLAND_DISPLAY: 'wayland-0' }, undefined, false],
    ['linux', { DISPLAY: '' }, undefined, true],
    ['linux', { DISPLAY: ':0' }, true, true],
    ['macos', {}, undefined, false],
    ['windows', {}, true, true],
  ] as [Platform, Record<string, string>, boolean | undefined, boolean][])('isHeadless(%s, %j, %s) = %s', (platform, env, flag, headless) => {
    expect(isHeadless(platform, env, flag)).toBe(headless);
  });

  test('headless flag: printed, nothing run', async () => {
    const host = new FixtureHost({ platform: 'linux', commands: { 'linux.notify-send': {} } });
    const why: string[] = [];
    expect(await notify(host, isolated, 'en', { headless: true, env: linuxDesktop, onFallback: (w) => why.push(w) })).toBe('printed');
    expect(host.ran).toEqual([]);
    expect(why).toEqual(['headless']);
  });

  test('Linux without a display: printed', async () => {
    const host = new FixtureHost({ platform: 'linux', commands: { 'linux.notify-send': {} } });
    expect(await notify(host, isolated, 'en', { env: {} })).toBe('printed');
    expect(host.ran).toEqual([]);
  });

  test.each([
    ['linux', 'linux.notify-send'],
    ['macos', 'macos.osascript-notification'],
    ['windows', 'windows.toast'],
  ] as [Platform, string][])('%s: notified through %s', async (platform, id) => {
    const host = new FixtureHost({ platform, commands: { [id]: { code: 0 } } });
    expect(await notify(host, isolated, 'ja', { env: linuxDesktop })).toBe('notified');
    expect(host.ran).toEqual([id]);
  });

  test('notifier not found or failing: printed, with the reason', async () => {
    const why: string[] = [];
    const missing = new FixtureHost({ platform: 'linux' });
    expect(await notify(missing, isolated, 'en', { env: linuxDesktop, onFallback: (w) => why.push(w) })).toBe('printed');
    const failing = new FixtureHost({ platform: 'macos', commands: { 'macos.osascript-notification': { code: 1, stderr: 'execution error: Not authorized\n' } } });
    expect(await notify(failing, isolated, 'en', { onFallback: (w) => why.push(w) })).toBe('printed');
    expect(why).toEqual(['notify-send: not found', 'osascript exited with 1: execution error: Not authorized']);
  });

  test('never throws: a host that rejects, a logger that throws', async () => {
    const host: HostProbe = {
      platform: 'windows',
      run: async (): Promise<CommandResult> => {
        throw new Error('spawn EPERM');
      },
      readFile: async () => undefined,
      mtime: async () => undefined,
      listDir: async () => undefined,
      now: () => new Date(),
    };
    const result = await notify(host, isolated, 'en', {
      onFallback: () => {
        throw new Error('log full');
      },
    });
    expect(result).toBe('printed');
  });

  test('the Windows default app id is PowerShell', () => {
    expect(windowsToastScript({ title: '', body: '', urgency: 'normal', icon: 'security-high' })).toContain(POWERSHELL_APP_ID);
  });
});
