/**
 * FreeRADIUS 3.2 as the side-by-side MAB peer: the reference site (shared/bench/peers/
 * freeradius-site-mab: `files` then `pap` in authorize, PAP in authenticate) on a free port, in a
 * throwaway raddb holding only a radiusd.conf and a users file. Dictionaries and modules come from
 * the Debian package (freeradius); a missing binary fails with the package name.
 *
 * Differences from the reference site, each to make FreeRADIUS do the same work Kenneki does:
 * - the NAS client has `require_message_authenticator = yes` (Kenneki always requires it), so
 *   FreeRADIUS verifies the request's HMAC-MD5 too;
 * - post-auth adds Message-Authenticator to the reply (3.2.1 does not by default; Kenneki always
 *   signs its answers), so both compute the reply HMAC as well as the Response Authenticator;
 * - the users file replies what Kenneki replies for the same verdict (VLAN attributes, and for the
 *   quarantine VLAN Session-Timeout 300 + Termination-Action RADIUS-Request).
 *
 * Stock radiusd.conf threading (thread pool 5..32) and `cleanup_delay = 5` (Kenneki's duplicate
 * window is 5 s too); `max_requests` raised from 16384 so that 5 s of answered requests at ~25k/s
 * are not refused as "too many".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { radiusdBase, requireFreeradius, startRadiusd, type Radiusd } from './radiusd.js';



export interface UsersEntry {
  /** The bare MAC as the NAS sends it in User-Name and User-Password (e.g. 024b00000001). */
  user: string;
  vlan: string;
  /** Quarantine placement: Session-Timeout + Termination-Action as Kenneki sends them. */
  quarantine: boolean;
}

export function usersFile(entries: UsersEntry[], quarantineSessionTimeout: number): string {
  return entries
    .map((e) =>
      [
        `${e.user}\tCleartext-Password := "${e.user}"`,
        '\tTunnel-Type:0 = VLAN,',
        '\tTunnel-Medium-Type:0 = IEEE-802,',
        e.quarantine ? `\tTunnel-Private-Group-Id:0 = "${e.vlan}",\n\tSession-Timeout = ${quarantineSessionTimeout},\n\tTermination-Action = RADIUS-Request` : `\tTunnel-Private-Group-Id:0 = "${e.vlan}"`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

function radiusdConf(dir: string, port: number, secret: string): string {
  return `${radiusdBase({ dir, secret, maxRequests: 1_048_576 })}modules {
  files {
    filename = ${join(dir, 'users')}
  }
  pap {
  }
}
# shared/bench/peers/freeradius-site-mab, port replaced; post-auth signs the reply.
server mab {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${port}
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	post-auth {
		update reply {
			&Message-Authenticator := 0x00
		}
	}
}
`;
}

export type FreeradiusMab = Radiusd;

/** Writes the raddb into `dir` (which the caller removes) and starts radiusd in the foreground, threaded. */
export async function startFreeradiusMab(o: { dir: string; port: number; secret: string; users: string }): Promise<FreeradiusMab> {
  requireFreeradius();
  writeFileSync(join(o.dir, 'radiusd.conf'), radiusdConf(o.dir, o.port, o.secret));
  writeFileSync(join(o.dir, 'users'), o.users);
  return startRadiusd(o);
}
