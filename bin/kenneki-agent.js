#!/usr/bin/env node
// The posture agent arrives with the agent issue; until then this says so instead of pretending.
process.stderr.write('kenneki-agent: not implemented yet in this version; report posture with POST /api/v1/posture\n');
process.exit(2);
