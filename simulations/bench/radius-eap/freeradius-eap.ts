/**
 * FreeRADIUS 3.2 as the side-by-side EAP-TLS peer, from a throwaway raddb holding one radiusd.conf
 * (dictionaries and modules from the Debian package freeradius; a missing binary fails with the
 * package name):
 * - one auth listener on 127.0.0.1:PORT, the NAS client 127.0.0.1 with
 *   `require_message_authenticator = yes` (Kenneki always requires it);
 * - the eap module (from /etc/freeradius/3.0/mods-available/eap) cut down to `tls` only:
 *   tls-config with the bench's server key/chain and CA, TLS 1.2 only (Kenneki's EAP speaks
 *   TLS 1.2 only), the session cache off (`cache { enable = no }`: every authentication a full
 *   handshake), fragment_size 1000 as Kenneki's radius.eap.fragment_bytes;
 * - authorize runs eap, authenticate `Auth-Type EAP { eap }` (sites-available/default);
 * - post-auth adds what Kenneki answers an unknown MAC (quarantine VLAN 99, Session-Timeout 300,
 *   Termination-Action RADIUS-Request), so both Accepts carry the same attributes.
 * Stock radiusd.conf thread pool (5..32 threads).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { radiusdBase, requireFreeradius, startRadiusd, type Radiusd } from '../radius/radiusd.js';

export { requireFreeradius };



export interface FreeradiusEapOptions {
  dir: string;
  port: number;
  secret: string;
  certChain: string;
  key: string;
  ca: string;
  fragmentBytes: number;
  quarantineVlan: string;
  quarantineSessionTimeout: number;
}

export function radiusdConf(o: FreeradiusEapOptions): string {
  return `${radiusdBase({ dir: o.dir, secret: o.secret, maxRequests: 65_536 })}modules {
  # mods-available/eap, tls only
  eap {
    default_eap_type = tls
    timer_expire = 60
    ignore_unknown_eap_types = no
    cisco_accounting_username_bug = no
    max_sessions = 65536
    tls-config tls-common {
      private_key_file = ${o.key}
      certificate_file = ${o.certChain}
      ca_file = ${o.ca}
      fragment_size = ${o.fragmentBytes}
      cipher_list = "DEFAULT"
      cipher_server_preference = no
      tls_min_version = "1.2"
      tls_max_version = "1.2"
      ecdh_curve = ""
      cache {
        enable = no
      }
      verify {
      }
      ocsp {
        enable = no
      }
    }
    tls {
      tls = tls-common
    }
  }
}
server eaptls {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${o.port}
  }
  authorize {
    eap {
      ok = return
    }
  }
  authenticate {
    Auth-Type EAP {
      eap
    }
  }
  post-auth {
    update reply {
      &Tunnel-Type:0 = VLAN
      &Tunnel-Medium-Type:0 = IEEE-802
      &Tunnel-Private-Group-Id:0 = "${o.quarantineVlan}"
      &Session-Timeout = ${o.quarantineSessionTimeout}
      &Termination-Action = RADIUS-Request
    }
  }
}
`;
}

export type FreeradiusEap = Radiusd;

/** Writes radiusd.conf into `dir` (which the caller removes) and starts radiusd in the foreground, threaded. */
export async function startFreeradiusEap(o: FreeradiusEapOptions): Promise<FreeradiusEap> {
  requireFreeradius();
  writeFileSync(join(o.dir, 'radiusd.conf'), radiusdConf(o));
  return startRadiusd(o);
}
