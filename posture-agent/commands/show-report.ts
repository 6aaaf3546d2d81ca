/** `kenneki-agent show-report`: collects and prints what would be sent; sends nothing. */
import { KENNEKI_VENDOR_ID } from '../../policy/tnc/pa/constants.js';
import type { AgentContext } from '../context.js';
import { previewReport, type ReportPreview } from '../report/preview.js';
import { isEnrolled, loadEnrollment } from '../state/enrollment.js';
import { loadRequested } from '../state/status.js';

function human(p: ReportPreview, vendorId: number): string {
  const lines = [
    'What kenneki-agent sends to the Kenneki server (nothing was sent now):',
    `  always: ${p.unprompted.join(', ')}`,
    `  because the server's policies asked for them at the last check: ${p.onRequest.length > 0 ? p.onRequest.join(', ') : '(nothing yet: run a check first)'}`,
    '',
    `PA-TNC attributes (IETF Operating System component; Kenneki component, vendor ${vendorId}):`,
  ];
  for (const a of p.attributes) lines.push(`  [${a.component}] ${a.name} (${a.bytes} bytes): ${JSON.stringify(a.value)}`);
  lines.push('', 'Facts, as the server will read and store them:');
  for (const [k, f] of Object.entries(p.facts)) {
    lines.push(`  ${k}: ${f.status === 'ok' ? JSON.stringify(f.value) : `${f.status} (${f.reason})`}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function showReportCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<string> {
  const vendorId = isEnrolled(ctx.paths) ? loadEnrollment(ctx.paths).vendorId : KENNEKI_VENDOR_ID;
  const preview = await previewReport(ctx.source, loadRequested(ctx.paths), vendorId, new Date());
  return opts.json ? `${JSON.stringify(preview, null, 2)}\n` : human(preview, vendorId);
}
