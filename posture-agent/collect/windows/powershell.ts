/**
 * How every Windows collector runs PowerShell: one process per command, no profile (a user's
 * profile script must not change what we read), non-interactive (a prompt would hang until the
 * timeout), and the execution policy bypassed for this process only, as `-Command` text is not a
 * script file but some hardened images still refuse it otherwise.
 */
import type { CommandSpec } from '../contract.js';

/**
 * Prepended to every script.
 * - UTF-8 without BOM on stdout: the console's OEM code page would mangle non-ASCII product names
 *   (a Japanese DisplayName) before we ever see them, and RealHost decodes stdout as UTF-8.
 * - Errors stop the script, so powershell.exe exits 1 with the error on stderr, and stdoutOf turns
 *   it into a FactUnavailable naming the first line.
 * - No progress records: with redirected output they arrive as CLIXML noise on stderr.
 */
const PRELUDE =
  "[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false; $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; ";

/** PowerShell's cold start alone can take 2–5 s on a busy laptop, hence budgets above the default. */
export const DEFAULT_PS_TIMEOUT_MS = 15_000;

export function powershell(name: string, script: string, timeoutMs = DEFAULT_PS_TIMEOUT_MS): CommandSpec {
  return {
    id: `windows.${name}`,
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', PRELUDE + script],
    timeoutMs,
  };
}
