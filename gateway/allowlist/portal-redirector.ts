/**
 * The portal redirector: nft sends HTTP (port 80) from quarantined hosts here, whatever address
 * they asked for, and every request gets a redirect to the portal, which says why the device is
 * confined and how to fix it. Browsers and OS captive-portal checks (which fetch a known http URL)
 * then show the portal instead of a timeout.
 *
 * It must stay cheap and unbreakable, since anything on a quarantined segment can reach it: no
 * body is read, headers are bounded and slow clients are cut off; nothing is logged per request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class PortalRedirector {
  private server: Server | undefined;
  private portalUrl: string | undefined;
  private served = 0;

  constructor(portalUrl?: string) {
    this.portalUrl = portalUrl;
  }

  /** The policy server may change the portal's address; takes effect for the next request. */
  setPortalUrl(url: string | undefined): void {
    this.portalUrl = url;
  }

  get requests(): number {
    return this.served;
  }

  async start(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer({ maxHeaderSize: 8 * 1024, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 1_000 }, (req, res) => {
      this.served++;
      req.resume();
      const url = this.portalUrl;
      // no-store: a redirect cached for http://example.com/ would outlive the quarantine.
      const headers = { 'cache-control': 'no-store', connection: 'close', 'content-type': 'text/html; charset=utf-8' };
      if (url === undefined) {
        res.writeHead(403, headers).end('<!doctype html><title>Network access restricted</title><p>This device is quarantined: it may only reach remediation servers until it is compliant.</p>\n');
        return;
      }
      res.writeHead(302, { ...headers, location: url }).end(`<!doctype html><title>Network access restricted</title><p>This device is quarantined. See <a href="${encodeURI(url)}">the portal</a>.</p>\n`);
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
