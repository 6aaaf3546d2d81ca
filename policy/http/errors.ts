/**
 * One error shape for the whole API: `{ error: { code, message, problems? } }`. Validation failures
 * name the JSON path of each problem (`body.checks[2].action: must be equal to one of the allowed
 * values`), so an admin's script can be fixed from the response alone.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { KennekiMetrics } from './metrics.js';
import { ROOT_PATH, ajvProblems, renderProblems } from '../config/errors-format.js';
import { isKennekiError } from '../errors.js';

export function installErrorHandler(app: FastifyInstance, metrics: KennekiMetrics): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    if (err.validation) {
      metrics.rejected.inc({ route, reason: 'validation' });
      const where = err.validationContext ?? 'body';
      const data = where === 'body' ? req.body : where === 'querystring' ? req.query : where === 'params' ? req.params : req.headers;
      const located = ajvProblems(err.validation as never, data).map((p) => ({
        ...p,
        path: p.path === ROOT_PATH ? where : p.path.startsWith('[') ? `${where}${p.path}` : `${where}.${p.path}`,
      }));
      const problems = renderProblems(located);
      return reply.code(400).send({ error: { code: 'KENNEKI_ERR_VALIDATION', message: problems[0] ?? 'request is invalid', problems } });
    }
    if (isKennekiError(err)) {
      const located = err.statusCode === 400 && typeof err.details?.['path'] === 'string';
      if (located) metrics.rejected.inc({ route, reason: err.code });
      return reply.code(err.statusCode).send({
        error: { code: err.code, message: err.message, ...(located ? { problems: [err.message] } : {}), ...(err.details ? { details: err.details } : {}) },
      });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type) in Kenneki's
      // shape; the framework code stays visible in details for debugging.
      const code = err.statusCode === 413 ? 'KENNEKI_ERR_TOO_LARGE' : 'KENNEKI_ERR_VALIDATION';
      metrics.rejected.inc({ route, reason: code });
      return reply.code(err.statusCode).send({ error: { code, message: `body: ${err.message}`, problems: [`body: ${err.message}`], details: { cause: err.code } } });
    }
    req.log.error({ evt: 'HTTP_INTERNAL_ERROR', err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'KENNEKI_ERR_INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'KENNEKI_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));
}
