/**
 * `kenneki-agent`: the posture agent's command line. Commands print for people by default and
 * JSON with --json; exit codes follow monitoring conventions (see each command).
 */
import { Command, Option } from 'commander';
import { agentContext, type GlobalOptions } from './context.js';
import { stderrLog } from './log.js';
import { AGENT_VERSION } from './version.js';

// Each command's module is imported when that command runs, not at start-up: the bundle keeps
// them in one file, but esbuild evaluates a dynamically imported module only on first use. The
// daemon (`run`) then never evaluates enrollment's X.509 stack, which is most of its resident
// memory otherwise (BENCHMARKS.md, Agent).

const color = (): boolean => process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function buildAgentCli(): Command {
  const program = new Command('kenneki-agent')
    .description('Kenneki posture agent: reports this device\'s security posture to the Kenneki server and applies its verdict')
    .version(AGENT_VERSION)
    .option('--state-dir <dir>', 'where the enrollment and state live (default: /var/lib/kenneki-agent, %ProgramData%\\Kenneki\\Agent, /Library/Application Support/Kenneki/Agent)')
    .option('--lang <en|ja>', 'language of the notices (default: the system locale)')
    .addOption(new Option('--host-fixture <file>', 'collect from a recorded host profile instead of this machine (testing and demos)').hideHelp())
    .showHelpAfterError();
  const g = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command('enroll')
    .description('enroll this device with a one-time token from the Kenneki admin')
    .requiredOption('--server <host[:port]>', 'the Kenneki PT-TLS server (port 271 by default)')
    .requiredOption('--token <token>', 'the one-time enrollment token (it pins the server\'s CA)')
    .option('--vendor-id <pen>', 'the server\'s pt_tls.vendor_id, when it is not the default')
    .action(async (o: { server: string; token: string; vendorId?: string }) => {
      const { enrollCommand } = await import('./commands/enroll.js');
      out(await enrollCommand(agentContext(g()), o));
    });

  program
    .command('check')
    .description('assess this device once and print the verdict (exit 0 allowed, 2 quarantined, 3 denied, 1 error)')
    .option('--json', 'print the outcome as JSON')
    .option('--no-firewall', 'do not apply the personal firewall')
    .option('--notify', 'also show a desktop notification')
    .action(async (o: { json?: boolean; firewall?: boolean; notify?: boolean }) => {
      const { checkCommand } = await import('./commands/check.js');
      const ctx = agentContext(g());
      const r = await checkCommand(ctx, { ...o, color: color() }, stderrLog(false));
      out(r.text);
      process.exitCode = r.exitCode;
    });

  program
    .command('run')
    .description('run as a daemon: reassess on an interval, on network changes and when the server asks')
    .option('--interval-seconds <n>', 'override the configured interval', (v) => Number(v))
    .option('--no-firewall', 'do not apply the personal firewall')
    .action(async (o: { intervalSeconds?: number; firewall?: boolean }) => {
      const { runCommand } = await import('./commands/run.js');
      const ctx = agentContext(g());
      const daemon = await runCommand(ctx, o, stderrLog(true));
      const stop = (): void => {
        void daemon.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });

  program
    .command('status')
    .description('green, yellow or red, with the reasons (exit 0, 1, 2)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const { statusCommand } = await import('./commands/status.js');
      const r = statusCommand(agentContext(g()), { ...o, color: color() });
      out(r.text);
      process.exitCode = r.exitCode;
    });

  program
    .command('show-report')
    .description('print exactly what would be sent to the server, and send nothing')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const { showReportCommand } = await import('./commands/show-report.js');
      out(await showReportCommand(agentContext(g()), o));
    });

  const fw = program.command('firewall').description('the personal firewall');
  fw.command('status')
    .description('the rules applied, and whether the live rules still match (exit 2 when not)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const { firewallStatusCommand } = await import('./commands/firewall.js');
      const r = await firewallStatusCommand(agentContext(g()), o);
      out(r.text);
      process.exitCode = r.exitCode;
    });

  return program;
}

/** Runs the CLI; every failure is one clear line on stderr and exit code 1, never a stack trace. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildAgentCli().parseAsync(argv);
  } catch (e) {
    // By name: importing the class here would load the enrollment module for every command.
    const msg = e instanceof Error && e.name === 'EnrollmentRefused' ? `enrollment refused: ${e.message}` : e instanceof Error ? e.message : String(e);
    process.stderr.write(`kenneki-agent: ${msg}\n`);
    process.exitCode = 1;
  }
}
