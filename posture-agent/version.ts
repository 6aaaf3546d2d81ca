/** The agent's version, reported as the `agent` fact (the server's agent-version check reads it). Kept equal to package.json by a test. */
export const AGENT_NAME = 'kenneki-agent';
export const AGENT_VERSION = '0.1.0';
