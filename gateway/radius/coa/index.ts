/** RFC 5176 Dynamic Authorization (CoA / Disconnect) client: the surface the RADIUS service uses. */
export { DynamicAuthClient, type DynamicAuthClientOptions } from './dynamic-auth-client.js';
export { IDENTIFIERS_PER_TARGET } from './identifiers.js';
export { identityAttributes, stepAttributes } from './request.js';
export * from './types.js';
