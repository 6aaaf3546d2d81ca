/** A plain JSON object (not null, not an array): what config sections and wire messages are parsed as. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
