/**
 * The DHCP peer harness proven against a real server someone else wrote (ISC Kea), so that when
 * it is pointed at Kenneki's DHCP server a failure means Kenneki, not the harness. Real udhcpc,
 * dhclient, dhcrelay and perfdhcp in namespaces of the test's own; nothing is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDhcpTopology, locateBinary, runPerfdhcp, startDhclient, startDhcrelay, startUdhcpc, type DhcpTopology } from './helpers/dhcp-peers.js';
import { startKea, type Kea } from './helpers/dhcp-kea.js';

describe('DHCP peers, direct segment, against Kea', () => {
  let topo: DhcpTopology;
  let kea: Kea;
  beforeAll(async () => {
    topo = createDhcpTopology({ relay: false, clientMac: '02:15:00:00:00:01' });
    kea = await startKea(topo);
  });
  afterAll(async () => {
    await kea?.stop();
    topo?.remove();
  });

  it('udhcpc gets a lease with the expected options, renews by unicast, and releases', async () => {
    const c = startUdhcpc(topo, { hostname: 'kkd-udhcpc' });
    try {
      const lease = await c.waitForLease();
      expect(lease).toMatchObject({ router: kea.expected.router, dns: [kea.expected.dns], domain: kea.expected.domain, leaseTime: 60, serverId: kea.expected.serverId, prefix: 24 });
      expect(lease.ip).toMatch(/^10\.215\.1\.1\d\d$/);
      expect(lease.errors).toEqual([]);
      // The hook applied it: the renewal below is a unicast from this address.
      expect(topo.clientAddresses()).toEqual([`${lease.ip}/24`]);

      const renewed = await c.renew();
      expect(renewed).toMatchObject({ event: 'renew', ip: lease.ip, serverId: kea.expected.serverId });
      expect(c.process.output()).toMatch(/sending renew to server 10\.215\.1\.1/);

      const from = c.mark();
      await c.release();
      await c.waitForEvent((e) => e.event === 'deconfig', 5_000, from);
      expect(topo.clientAddresses()).toEqual([]);
      await kea.process.waitFor(new RegExp(`DHCP4_RELEASE .*${lease.ip!.replace(/\./g, '\\.')} was released`));
    } finally {
      await c.stop();
    }
  });

  it('dhclient gets a lease and releases it with dhclient -r', async () => {
    topo.setClientMac('02:15:00:00:00:02'); // another machine: Kea must not just hand back the udhcpc lease's state
    const c = startDhclient(topo, { hostname: 'kkd-dhclient' });
    try {
      const lease = await c.waitForLease();
      expect(c.mac).toBe('02:15:00:00:00:02');
      expect(lease).toMatchObject({ router: kea.expected.router, dns: [kea.expected.dns], domain: kea.expected.domain, leaseTime: 60, serverId: kea.expected.serverId, prefix: 24, hostname: 'kkd-dhclient' });
      expect(topo.clientAddresses()).toEqual([`${lease.ip!}/24`]);
      await kea.process.waitFor(/DHCP4_LEASE_ALLOC \[hwtype=1 02:15:00:00:00:02\]/);

      const released = await c.release();
      expect(released.event).toBe('release');
      expect(topo.clientAddresses()).toEqual([]);
      await kea.process.waitFor(/DHCP4_RELEASE \[hwtype=1 02:15:00:00:00:02\]/);
    } finally {
      await c.stop();
    }
  });
});

describe('DHCP peers through a relay, against Kea', () => {
  let topo: DhcpTopology;
  let kea: Kea;
  beforeAll(async () => {
    topo = createDhcpTopology({ relay: true, clientMac: '02:15:00:00:00:03' });
    // Clients whose relay added option 82 with circuit-id kdr0 get another domain name.
    kea = await startKea(topo, { circuitDomain: { circuitId: topo.interfaces.relayDown!, domain: 'circuit.kenneki.test' } });
  });
  afterAll(async () => {
    await kea?.stop();
    topo?.remove();
  });

  it('udhcpc gets a lease from the giaddr-chosen subnet through dhcrelay -a, and renews through it', async () => {
    const relay = await startDhcrelay(topo, { agentInfo: true });
    const c = startUdhcpc(topo);
    try {
      const lease = await c.waitForLease();
      // From 10.215.2.0/24: the giaddr chose the scope; the circuit's domain: option 82 reached Kea.
      expect(lease.ip).toMatch(/^10\.215\.2\.1\d\d$/);
      expect(lease).toMatchObject({ router: '10.215.2.1', serverId: '10.215.3.1', leaseTime: 60, domain: 'circuit.kenneki.test' });
      // The renewal is unicast to 10.215.3.1, forwarded by the relay namespace, and answered
      // over the server's route back: the whole routed path works.
      const renewed = await c.renew();
      expect(renewed, kea.process.output()).toMatchObject({ event: 'renew', ip: lease.ip });
    } finally {
      await c.stop();
      await relay.stop();
    }
  });

  it('perfdhcp as the relay completes DORAs with at most 2.5 % drops', async () => {
    const r = await runPerfdhcp(topo, { rate: 200, clients: 40, seconds: 3, relayed: true });
    console.log(`perfdhcp: ${r.doraCompleted} DORA in 3 s (${r.doraPerSecond.toFixed(0)}/s), drops ${r.dropsPercent} %, exchanges ${JSON.stringify(r.exchanges)}`);
    expect(r.exitCode, kea.process.output().slice(-3000)).toBe(0);
    expect(r.doraCompleted).toBeGreaterThan(400);
    expect(r.dropsPercent).toBeLessThanOrEqual(2.5);
    expect(r.exchanges['REQUEST-ACK']!.rejectedLeases).toBe(0);
  });
});

describe('DHCP peer binaries', () => {
  it('a missing binary fails with the Debian package name', () => {
    expect(() => locateBinary('kkd-no-such-dhcp-peer', 'kkd-fake-package')).toThrow(/install the Debian package kkd-fake-package/);
  });
});
