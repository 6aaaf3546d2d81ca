/** The IMVs a TNCS session runs unless told otherwise: adding a verifier is one entry here. */
import { KENNEKI_VENDOR_ID } from '../pa/constants.js';
import type { Imv } from './contract.js';
import { kennekiImv } from './kenneki-imv.js';
import { osImv } from './os-imv.js';

/** `vendorId`: pt_tls.vendor_id, under which the Kenneki IMV listens. */
export const defaultImvs = (vendorId: number = KENNEKI_VENDOR_ID): Imv[] => [osImv, kennekiImv(vendorId)];
