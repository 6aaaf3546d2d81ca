/**
 * A RADIUS port's sockets. With worker processes, each worker should read a queue of its own:
 * processes polling one shared socket are all woken for every datagram, and all but one find
 * nothing (~7 µs of CPU per request per extra reader under MAB load, more with every worker).
 *
 * A port group is `readers` sockets bound to the same address and port with SO_REUSEPORT; the
 * kernel gives each datagram to one of them, chosen by the RADIUS Request Authenticator (see
 * native/udp-reuseport): a single NAS's requests are spread, and a retransmission reaches the
 * socket, and so the worker, that saw the original. Node 20's dgram cannot open such sockets, so
 * this takes Kenneki's small native module; where it is not built (or not Linux), the port is one
 * socket shared by every reader, which is correct, only slower.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { optionalNative } from '../../../policy/util/optional-native.js';

export interface PortGroupOptions {
  family: 'udp4' | 'udp6';
  host: string;
  port: number;
  /** Processes that will read the port: more than one asks for a group. */
  readers: number;
  bufferBytes: number;
  /**
   * An auth port whose workers hold EAP conversations: a request with a State goes to the socket
   * its first byte names (the tag of the worker that issued it), a new login by a hash of its
   * Calling-Station-Id (so a device starts on the worker holding its TLS session), anything else
   * by authenticator.
   */
  steerByState?: boolean;
}

export interface PortSockets {
  /** One socket per reader in a group; a single shared socket otherwise. */
  sockets: Socket[];
  /** Why the readers share one socket although there are several; absent otherwise. */
  shared?: string;
}

interface UdpReuseport {
  openGroup(address: string, port: number, count: number, steer?: boolean): number[];
}

/** The native module, or why it cannot be had. */
const nativeModule = (): UdpReuseport | string => optionalNative<UdpReuseport>('@kenneki/udp-reuseport');

/** The module that opens a group for these options, or why the readers must share one socket. */
function groupOpener(o: PortGroupOptions): UdpReuseport | string {
  if (process.platform !== 'linux') return 'port groups need Linux';
  // The native module takes literal addresses; dgram resolves a name itself.
  if (isIP(o.host) === 0) return `radius.host ${JSON.stringify(o.host)} is a name, not an address`;
  return nativeModule();
}

/** Errors that a plain bind would have raised too: the port itself is the problem. */
const BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'EMFILE', 'ENFILE']);

export async function openPort(o: PortGroupOptions): Promise<PortSockets> {
  const one = async (shared?: string): Promise<PortSockets> => ({ sockets: [await bindOne(o, (s) => s.bind(o.port, o.host))], ...(shared ? { shared } : {}) });
  if (o.readers <= 1) return one();
  const opener = groupOpener(o);
  if (typeof opener === 'string') return one(opener);
  let fds: number[];
  try {
    fds = opener.openGroup(o.host, o.port, o.readers, o.steerByState === true);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (BIND_ERRORS.has(code)) throw Object.assign(new Error(`bind ${code} ${o.host}:${o.port}`), { code });
    return one(`the kernel refused a port group: ${(err as Error).message}`);
  }
  const sockets: Socket[] = [];
  try {
    for (const fd of fds) sockets.push(await bindOne(o, (s) => s.bind({ fd })));
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
  return { sockets };
}

function bindOne(o: PortGroupOptions, bind: (s: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Bigger buffers ride out bursts (a switch stack rebooting re-authenticates every port at once).
    const s = createSocket({ type: o.family, recvBufferSize: o.bufferBytes, sendBufferSize: o.bufferBytes });
    s.once('error', reject);
    s.once('listening', () => {
      s.off('error', reject);
      resolve(s);
    });
    try {
      bind(s);
    } catch (err) {
      reject(err);
    }
  });
}
