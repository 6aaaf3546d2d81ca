/**
 * Antivirus services the last step of the antivirus chain looks for, by service name: on Windows
 * Server there is no Security Center to list products, and when Defender cannot answer either
 * (removed, or disabled for a third-party product) the service table is what is left. Vendor
 * knowledge is data: a new product is one line here.
 */
export interface AvService {
  /** Service name as `Get-Service -Name` takes it (not the display name, which is localised). */
  service: string;
  product: string;
}

export const AV_SERVICES: readonly AvService[] = [
  { service: 'WinDefend', product: 'Microsoft Defender Antivirus' },
  { service: 'CSFalconService', product: 'CrowdStrike Falcon' },
  { service: 'SentinelAgent', product: 'SentinelOne' },
  { service: 'SepMasterService', product: 'Symantec Endpoint Protection' },
  { service: 'ekrn', product: 'ESET Endpoint Security' },
  { service: 'SAVService', product: 'Sophos Anti-Virus' },
  { service: 'mfemms', product: 'Trellix Endpoint Security' },
  { service: 'ntrtscan', product: 'Trend Micro Apex One' },
  { service: 'CylanceSvc', product: 'Cylance PROTECT' },
];

export function avServiceProduct(serviceName: string): string | undefined {
  const key = serviceName.toLowerCase();
  return AV_SERVICES.find((s) => s.service.toLowerCase() === key)?.product;
}
