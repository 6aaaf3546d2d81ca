/**
 * Security Center's `productState`, decoded. Microsoft never documented it (vendors get the WSC
 * API under NDA); this is the layout established by observation and used by every inventory
 * tool (e.g. the PowerShell team's tip "Identifying Antivirus Engine State"; values from 34
 * products across 10,000 endpoints on Stack Overflow q. 4700897):
 *
 *   bits 16–23  security provider (WSC_SECURITY_PROVIDER flags: 0x04 antivirus, 0x02 auto-update…)
 *   bits 12–15  product state: 0 off, 1 on, 2 snoozed, 3 expired
 *   bits  8–11  owner: 1 = Windows (Defender), 0 = third party
 *   bits  4–7   signatures: 0 up to date, 1 out of date
 *
 *   397568 = 0x061100  Defender, on, up to date
 *   393472 = 0x060100  Defender, off (passive beside another product), up to date
 *   266240 = 0x041000  third party, on, up to date
 *   266256 = 0x041010  third party, on, signatures out of date
 */
export type ScannerState = 'off' | 'on' | 'snoozed' | 'expired' | 'unknown';

export interface ProductState {
  provider: number;
  scanner: ScannerState;
  microsoft: boolean;
  signaturesUpToDate: boolean;
}

const SCANNER: Readonly<Record<number, ScannerState>> = { 0: 'off', 1: 'on', 2: 'snoozed', 3: 'expired' };

export function decodeProductState(state: number): ProductState {
  return {
    provider: (state >>> 16) & 0xff,
    scanner: SCANNER[(state >>> 12) & 0xf] ?? 'unknown',
    microsoft: ((state >>> 8) & 0xf) === 1,
    signaturesUpToDate: ((state >>> 4) & 0xf) === 0,
  };
}
