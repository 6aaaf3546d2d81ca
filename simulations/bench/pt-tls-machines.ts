/** The simulated machines' ids (ITA-HSR Device ID), shared by the bench and its load generator. */
export function machineId(i: number): string {
  return `be${i.toString(16).padStart(30, '0')}`;
}
