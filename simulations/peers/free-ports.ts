/** Free UDP ports for peers that must be told their port before they start (radiusd, hostapd's DAS). */
import { createSocket, type Socket } from 'node:dgram';

/** Free loopback UDP ports, all held at once so they differ, then released for radiusd. */
export async function freeUdpPorts(n: number, address = '127.0.0.1'): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, address, () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
