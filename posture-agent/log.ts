/**
 * The agent's log: one JSON line per event on stderr (journald, the Windows service wrapper and
 * launchd all keep stderr), each with a stable `evt` name like the server's. Secrets are never
 * passed in; the device credential and key stay in their files.
 */
export type AgentLog = (evt: string, fields?: Record<string, unknown>) => void;

export function stderrLog(enabled: boolean): AgentLog {
  if (!enabled) return () => {};
  return (evt, fields = {}) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), evt, ...fields })}\n`);
  };
}
