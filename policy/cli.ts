/**
 * `kenneki`: the server and its admin commands. Every command reads the same config file (or the
 * embedded defaults), so `kenneki admin create` and `kenneki serve` always agree on the store.
 */
import { Command, Option } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { AccountService } from './auth/accounts.js';
import { loadConfig } from './config/load.js';
import { TENANT_ID_PATTERN, type KennekiConfig } from './config/schema.js';
import { importDebianTracker } from './definitions/debian-tracker.js';
import { parseKennekiDefinitions } from './definitions/kenneki-format.js';
import { isKennekiError } from './errors.js';
import { createLogger } from './log.js';
import { openStore, startServer } from './server.js';
// The composition root is the one place in policy/ that knows the adapters (architecture.md).
import { startEnforcement } from '../gateway/start.js';
import { startRemoteGateway } from '../gateway/allowlist/remote-gateway.js';
import { GATEWAY_SECRET_MIN_LENGTH } from './config/allowlist.js';
import { cidrProblem } from './config/allowlist-rules.js';
import { loadOrCreateCa, signDeviceCsr } from './tnc/ca/index.js';
import { systemClock } from './service/clock.js';
import type { Role } from './store/repository.js';
import { packageVersion } from './util/package-root.js';

const CLI_ACTOR = { actor: process.env['USER'] ?? 'cli', actorKind: 'cli' as const };

function config(opts: { config?: string }): KennekiConfig {
  return loadConfig(opts.config ? { file: opts.config } : {});
}

const program = new Command()
  .name('kenneki')
  .description('Kenneki (検疫): network access control with endpoint posture assessment')
  .version(packageVersion())
  .showHelpAfterError();

const withConfig = (c: Command) => c.option('-c, --config <file>', 'YAML configuration file (default: embedded defaults, SQLite in ./data)');

withConfig(program.command('serve'))
  .description('run the policy server: admin API, posture ingestion, re-evaluation and retention')
  .action(async (opts: { config?: string }) => {
    const cfg = config(opts);
    const log = createLogger(cfg.log.level);
    const server = await startServer(cfg, { log, defaultsOnly: opts.config === undefined, enforcement: startEnforcement });
    const admin = server.bootstrap.createdAdmin;
    if (admin?.password) {
      // Printed once to the terminal, never to the log: only the hash is stored.
      process.stdout.write(
        `\nFirst start: created admin "${admin.username}" in tenant "${admin.tenantId}".\n` +
          `One-time password (shown only now): ${admin.password}\n` +
          `Log in: curl -s -X POST ${server.url}/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"${admin.username}","password":"<password>"}'\n\n`,
      );
    }
    process.stdout.write(`Kenneki ${packageVersion()} listening on ${server.url} (API docs: ${server.url}/docs, store: ${cfg.store.path})\n`);
    const shutdown = (signal: string) => {
      log.info({ evt: 'SERVER_STOPPING', signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

withConfig(program.command('migrate'))
  .description('apply the store migrations and exit (serve also applies them at start)')
  .action(async (opts: { config?: string }) => {
    const cfg = config(opts);
    await openStore(cfg).close();
    process.stdout.write(`store migrated: ${cfg.store.path}\n`);
  });

const admin = program.command('admin').description('manage admin accounts');
withConfig(admin.command('create'))
  .description('create an admin account; prints a generated password unless --password-file is given')
  .requiredOption('-u, --username <name>', 'account name')
  .option('-t, --tenant <id>', 'tenant', 'default')
  .addOption(new Option('-r, --role <role>', 'role').choices(['admin', 'operator', 'viewer']).default('admin'))
  .option('--password-file <file>', 'read the password from this file instead of generating one')
  .action(async (opts: { config?: string; username: string; tenant: string; role: Role; passwordFile?: string }) => {
    const cfg = config(opts);
    const store = openStore(cfg);
    try {
      await ensureTenant(store, cfg, opts.tenant);
      const password = opts.passwordFile ? readFileSync(opts.passwordFile, 'utf8').replace(/[\r\n]+$/, '') : undefined;
      if (password !== undefined && password.length < 12) throw new Error('--password-file: the password must be at least 12 characters');
      const created = await new AccountService(store, systemClock).createAdmin(opts.tenant, { username: opts.username, role: opts.role, ...(password ? { password } : {}) }, { ...CLI_ACTOR, action: '', targetType: '' });
      process.stdout.write(`created ${opts.role} "${opts.username}" in tenant "${opts.tenant}"\n`);
      if (created.password) process.stdout.write(`password (shown only now): ${created.password}\n`);
    } finally {
      await store.close();
    }
  });

const token = program.command('token').description('manage API tokens');
withConfig(token.command('create'))
  .description('issue an API token for an account (shown once)')
  .requiredOption('-u, --username <name>', 'account the token acts as')
  .option('-t, --tenant <id>', 'tenant', 'default')
  .option('-n, --name <name>', 'token label', 'cli')
  .addOption(new Option('-r, --role <role>', 'role, at most the account role').choices(['admin', 'operator', 'viewer']))
  .option('--ttl-hours <hours>', 'expiry in hours (default: no expiry)', (v) => Number(v))
  .action(async (opts: { config?: string; username: string; tenant: string; name: string; role?: Role; ttlHours?: number }) => {
    const cfg = config(opts);
    const store = openStore(cfg);
    try {
      const account = await store.accounts.findForLogin(opts.tenant, opts.username);
      if (!account) throw new Error(`no account "${opts.username}" in tenant "${opts.tenant}"`);
      const { token: secret } = await new AccountService(store, systemClock).issueToken(
        account,
        { name: opts.name, ...(opts.role ? { role: opts.role } : {}), ...(opts.ttlHours ? { ttlHours: opts.ttlHours } : {}) },
        { ...CLI_ACTOR, action: '', targetType: '' },
      );
      process.stdout.write(`${secret}\n`);
    } finally {
      await store.close();
    }
  });

const tenant = program.command('tenant').description('manage tenants');
withConfig(tenant.command('create'))
  .description('create a tenant (ISP customers); give it an admin with `kenneki admin create --tenant`')
  .requiredOption('--id <id>', 'tenant id: lowercase letters, digits and dashes')
  .requiredOption('--name <name>', 'display name')
  .action(async (opts: { config?: string; id: string; name: string }) => {
    if (!new RegExp(TENANT_ID_PATTERN).test(opts.id)) throw new Error(`--id: must match ${TENANT_ID_PATTERN}`);
    const cfg = config(opts);
    const store = openStore(cfg);
    try {
      await store.tenants.ensure({ id: opts.id, name: opts.name });
      await store.audit.append(opts.id, { ...CLI_ACTOR, action: 'tenant.create', targetType: 'tenant', targetId: opts.id, after: { id: opts.id, name: opts.name } });
      process.stdout.write(`tenant "${opts.id}" ready\n`);
    } finally {
      await store.close();
    }
  });

const ca = program.command('ca').description("Kenneki's certificate authority (data_dir/ca): PT-TLS server and device certificates");
withConfig(ca.command('cert'))
  .description('print the CA certificate (PEM) that NEA clients must trust; creates the CA on first use')
  .action(async (opts: { config?: string }) => {
    const authority = await loadOrCreateCa(config(opts).data_dir);
    process.stdout.write(authority.certPem);
  });
withConfig(ca.command('sign'))
  .description('sign a device CSR (PKCS#10, PEM) for PT-TLS mutual TLS; the certificate CN is the device id')
  .requiredOption('--csr <file>', 'the device CSR in PEM (e.g. from: openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...)')
  .requiredOption('--device-id <id>', 'device id to certify (the endpoint is filed under it)')
  .option('--days <n>', 'validity in days', (v) => Number(v))
  .option('-o, --out <file>', 'write the certificate here instead of stdout')
  .option('-t, --tenant <id>', 'tenant whose audit log records the signing', 'default')
  .action(async (opts: { config?: string; csr: string; deviceId: string; days?: number; out?: string; tenant: string }) => {
    if (opts.days !== undefined && (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3650)) throw new Error('--days: must be an integer from 1 to 3650');
    const cfg = config(opts);
    const authority = await loadOrCreateCa(cfg.data_dir);
    const certPem = await signDeviceCsr(authority, readFileSync(opts.csr, 'utf8'), { deviceId: opts.deviceId, ...(opts.days !== undefined ? { validityDays: opts.days } : {}) });
    const store = openStore(cfg);
    try {
      await ensureTenant(store, cfg, opts.tenant);
      await store.audit.append(opts.tenant, { ...CLI_ACTOR, action: 'ca.sign-device', targetType: 'device', targetId: opts.deviceId });
    } finally {
      await store.close();
    }
    if (opts.out !== undefined) writeFileSync(opts.out, certPem, { mode: 0o644 });
    else process.stdout.write(certPem);
  });

const collect = (v: string, prev: string[]) => [...prev, v];
program
  .command('gateway')
  .description('enforce the allow-list on this host (a branch or VPN gateway): an nftables table fed by the policy server')
  .requiredOption('--server <url>', 'the policy server, https://host:port (http:// only to a loopback address)')
  .requiredOption('--credential-file <file>', "this gateway's credential (allowlist.gateways[].secret on the server)")
  .option('--ca-file <file>', "PEM the server's certificate must chain to (default: the system trust store)")
  .option('--client-network <cidr>', 'an endpoint network this gateway stands in front of (repeat for more)', collect, [])
  .option('--direct-interface <ifname>', 'a directly attached segment: allowed hosts must match IP and MAC there (repeat for more)', collect, [])
  .option('--table <name>', 'nft table (family inet) this gateway owns', 'kenneki')
  .option('--portal-redirect-port <port>', 'redirect HTTP from quarantined hosts to a redirector on this port', (v) => Number(v))
  .option('--portal-redirect-address <ip>', "this host's address redirected HTTP goes to (default: the first address of its interfaces)")
  .option('--reconcile-seconds <n>', 'check the table for drift this often', (v) => Number(v), 60)
  .option('--nft <path>', 'the nft binary', 'nft')
  .option('--metrics <host:port>', 'serve Prometheus /metrics here')
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'))
  .action(async (opts: { server: string; credentialFile: string; caFile?: string; clientNetwork: string[]; directInterface: string[]; table: string; portalRedirectPort?: number; portalRedirectAddress?: string; reconcileSeconds: number; nft: string; metrics?: string; logLevel: string }) => {
    const credential = readFileSync(opts.credentialFile, 'utf8').trim();
    if (credential.length < GATEWAY_SECRET_MIN_LENGTH) throw new Error(`--credential-file: the credential must be at least ${GATEWAY_SECRET_MIN_LENGTH} characters`);
    if (opts.clientNetwork.length === 0) throw new Error('--client-network: at least one endpoint network this gateway stands in front of (10.20.0.0/16)');
    for (const c of opts.clientNetwork) {
      const problem = cidrProblem(c);
      if (problem !== undefined) throw new Error(`--client-network ${c}: ${problem}`);
    }
    if (opts.portalRedirectPort !== undefined && !(Number.isInteger(opts.portalRedirectPort) && opts.portalRedirectPort >= 1 && opts.portalRedirectPort <= 65535)) throw new Error('--portal-redirect-port: must be a port from 1 to 65535');
    if (!Number.isInteger(opts.reconcileSeconds) || opts.reconcileSeconds < 5) throw new Error('--reconcile-seconds: must be an integer of at least 5');
    const m = opts.metrics === undefined ? undefined : /^(.+):(\d{1,5})$/.exec(opts.metrics);
    if (opts.metrics !== undefined && !m) throw new Error('--metrics: must be host:port (127.0.0.1:9464)');
    const log = createLogger(opts.logLevel as KennekiConfig['log']['level']);
    const gw = await startRemoteGateway({
      serverUrl: opts.server,
      credential,
      ...(opts.caFile !== undefined ? { ca: readFileSync(opts.caFile, 'utf8') } : {}),
      local: { table: opts.table, clientNetworks: opts.clientNetwork, directInterfaces: opts.directInterface, ...(opts.portalRedirectPort !== undefined ? { portalRedirectPort: opts.portalRedirectPort } : {}), ...(opts.portalRedirectAddress !== undefined ? { portalRedirectAddress: opts.portalRedirectAddress } : {}) },
      nft: opts.nft,
      reconcileSeconds: opts.reconcileSeconds,
      log,
      ...(m ? { metricsListen: { host: m[1]!, port: Number(m[2]) } } : {}),
    });
    process.stdout.write(`Kenneki gateway ${packageVersion()}: nft table inet ${opts.table} in force, following ${opts.server}${gw.metricsPort !== undefined ? ` (metrics on port ${gw.metricsPort})` : ''}\n`);
    const shutdown = (signal: string) => {
      // The table stays: what was enforced stays enforced until a new gateway process takes over.
      log.info({ evt: 'GATEWAY_STOPPING', signal }, 'stopping; the nft table stays in force');
      gw.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

withConfig(program.command('definitions').command('check'))
  .description('parse a definitions file and print what it holds, without importing it')
  .argument('<file>', 'definitions file')
  .addOption(new Option('-f, --format <format>', 'feed format').choices(['kenneki', 'debian-tracker']).default('kenneki'))
  .action(async (file: string, opts: { format: string }) => {
    const text = readFileSync(file, 'utf8');
    if (opts.format === 'kenneki') {
      const d = parseKennekiDefinitions(text);
      process.stdout.write(`feed ${d.feed}: ${d.advisories.length} advisories, ${d.forbidden.length} forbidden rules, ${d.platforms.length} platform rules\n`);
    } else {
      process.stdout.write(`${importDebianTracker(JSON.parse(text)).length} advisories\n`);
    }
  });

async function ensureTenant(store: ReturnType<typeof openStore>, cfg: KennekiConfig, id: string): Promise<void> {
  if (await store.tenants.get(id)) return;
  const configured = cfg.tenants.find((t) => t.id === id);
  if (!configured) throw new Error(`tenant "${id}" does not exist; create it with: kenneki tenant create --id ${id} --name ...`);
  await store.tenants.ensure(configured);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  // Config and input errors are the operator's to fix: print them plainly, no stack.
  const message = isKennekiError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kenneki: ${message}\n`);
  process.exit(isKennekiError(err, 'KENNEKI_ERR_CONFIG_INVALID') ? 78 : 1);
});
