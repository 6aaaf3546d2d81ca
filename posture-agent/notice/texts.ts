/**
 * The agent's own words, in English and Japanese, as data. Server texts (reason, remediation
 * steps) arrive already in the user's language and are shown as they are; these are the frame
 * around them. Placeholders are `{name}`, filled by `fill`; both languages must use the same ones
 * (texts.test.ts checks it, and that no key is missing in either language).
 *
 * The Japanese is written as an IT department writes to staff: polite (です/ます), short, and with
 * the usual terms (検疫, 情報システム部門).
 */
import type { AgentLanguage, Verdict } from '../outcome.js';

export type StatusColour = 'green' | 'yellow' | 'red';

/** Why a status is not green, most serious first in `statusOf`. */
export type StatusReasonCode = 'never-assessed' | 'isolated' | 'denied' | 'warnings' | 'stale' | 'server-unreachable';

export interface NoticeTexts {
  /** The headline of a notice, per verdict. */
  headline: Record<Verdict, string>;
  /** Allowed, but the server listed things to fix (grace period, soon-required updates). */
  headlineAllowWithWarnings: string;
  /** Short state tag shown in brackets before the headline. */
  stateTag: Record<Verdict, string>;
  why: string;
  howToFix: string;
  /** Allowed with warnings: the steps are advice, not yet a condition of access. */
  howToFixSoon: string;
  noReason: string;
  /** Isolated or denied and the server gave no step: whom to ask. */
  noSteps: string;
  stillReachable: string;
  recheck: string;
  serverUnreachable: string;
  /** `{time}` when the RESULT arrived, `{server}` the PT-TLS server that decided. */
  assessed: string;
  notAssessed: string;
  /** Status words for `kenneki-agent status`, shown in brackets (the colour is not the only cue). */
  status: Record<StatusColour, string>;
  statusReason: Record<StatusReasonCode, string>;
  /** `{time}` of the last assessment, in the status line. */
  lastChecked: string;
  /** Joins status reasons. */
  joiner: string;
  /** Between the headline and the reasons in the status line. */
  dash: string;
  /** Around the last-checked time in the status line. */
  parenOpen: string;
  parenClose: string;
  /** Label/value separator: ": " or "：". */
  colon: string;
  duration: { seconds: string; minutes: string; hours: string };
}

export const TEXTS: Readonly<Record<AgentLanguage, NoticeTexts>> = {
  en: {
    headline: {
      allow: 'Access allowed',
      isolate: 'Quarantined: network access is limited',
      deny: 'Access denied',
    },
    headlineAllowWithWarnings: 'Access allowed, with items to fix',
    stateTag: { allow: 'ALLOWED', isolate: 'QUARANTINED', deny: 'DENIED' },
    why: 'Why',
    howToFix: 'How to fix it',
    howToFixSoon: 'Please fix these soon',
    noReason: 'The server gave no reason.',
    noSteps: 'Please contact your IT department.',
    stillReachable: 'You can still reach:',
    recheck: 'Kenneki will check again automatically.',
    serverUnreachable: 'Server unreachable',
    assessed: 'Checked {time} by {server}',
    notAssessed: 'Not checked yet',
    status: { green: 'OK', yellow: 'WARNING', red: 'ACTION NEEDED' },
    statusReason: {
      'never-assessed': 'this device has not been checked yet',
      isolated: 'this device is quarantined',
      denied: 'network access is denied',
      warnings: 'there are items to fix',
      stale: 'the last check is more than {interval} old',
      'server-unreachable': 'the server could not be reached at the last attempt',
    },
    lastChecked: 'last checked {time}',
    joiner: '; ',
    dash: ' - ',
    parenOpen: ' (',
    parenClose: ')',
    colon: ': ',
    duration: { seconds: '{n} s', minutes: '{n} min', hours: '{n} h' },
  },
  ja: {
    headline: {
      allow: 'ネットワーク接続が許可されました',
      isolate: '検疫のため、ネットワーク接続が制限されました',
      deny: 'ネットワーク接続が拒否されました',
    },
    headlineAllowWithWarnings: 'ネットワーク接続が許可されました（対応が必要な項目があります）',
    stateTag: { allow: '許可', isolate: '隔離中', deny: '拒否' },
    why: '理由',
    howToFix: '対処方法',
    howToFixSoon: '早めに対応してください',
    noReason: 'サーバーから理由は通知されていません。',
    noSteps: '情報システム部門にお問い合わせください。',
    stillReachable: '隔離中も次の接続先は利用できます：',
    recheck: '対処後、Kenneki が自動的に再チェックします。',
    serverUnreachable: 'サーバーに接続できません',
    assessed: '確認日時：{time}（サーバー：{server}）',
    notAssessed: 'まだチェックされていません',
    status: { green: '正常', yellow: '注意', red: '要対応' },
    statusReason: {
      'never-assessed': 'この端末はまだチェックされていません',
      isolated: 'この端末は隔離されています',
      denied: 'ネットワーク接続が拒否されています',
      warnings: '対応が必要な項目があります',
      stale: '前回のチェックから{interval}以上経過しています',
      'server-unreachable': '前回のチェック時にサーバーに接続できませんでした',
    },
    lastChecked: '最終チェック：{time}',
    joiner: '、',
    dash: ' - ',
    parenOpen: '（',
    parenClose: '）',
    colon: '：',
    duration: { seconds: '{n}秒', minutes: '{n}分', hours: '{n}時間' },
  },
};

export function textsFor(lang: AgentLanguage): NoticeTexts {
  return TEXTS[lang];
}

/**
 * Fills `{name}` placeholders. A placeholder without a value is left as it is, so a missing
 * variable shows up in a test instead of silently becoming an empty string.
 */
export function fill(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The placeholder names a template uses, sorted: both languages must agree on them. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1] ?? '').sort();
}
