/**
 * The agent's settings: `agent.json` in its state directory, written by the admin's software
 * deployment (or absent: the defaults fit a managed laptop). Validated with the same schema
 * tooling as the server's config, so a typo is an error naming the key, never a silent default.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { formatAjvErrors } from '../policy/config/errors-format.js';
import { Enum } from '../policy/util/schema.js';
import { REMEDIATION_ACTIONS } from './notice/remediation-actions.js';
import { readJson } from './state/files.js';

export const AgentConfigSchema = Type.Object(
  {
    /** Reassessment interval (posture-checks.md: "for example every 15 minutes"). */
    intervalMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
    /** en or ja; absent: the system locale. */
    language: Type.Optional(Enum(['en', 'ja'] as const)),
    /** Desktop notifications on a verdict change (a headless machine prints instead). */
    notify: Type.Boolean({ default: true }),
    /** Enforce the personal firewall while quarantined. */
    hostFirewall: Type.Boolean({ default: true }),
    /** Per server answer, and for the TLS connection. */
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
    remediation: Type.Object(
      {
        /** The user's consent to automatic remediation; off unless they (or policy) turned it on. */
        consent: Type.Boolean({ default: false }),
        /** Actions the admin enabled, run only with consent. */
        actions: Type.Array(Enum(REMEDIATION_ACTIONS), { default: [], maxItems: 8 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const check = ajv.compile(AgentConfigSchema);

/** The config at `path` (defaults when absent), or an error naming every problem. */
export function loadAgentConfig(path: string): AgentConfig {
  const raw = readJson<unknown>(path) ?? {};
  if (!check(raw)) throw new Error(`${path}: ${formatAjvErrors(check.errors, raw).join('; ')}`);
  return raw as AgentConfig;
}
