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
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      metrics.rejected.inc({ route, reason: err.code ?? String(err.statusCode) });
      // Fastify's own client errors: bad JSON, body too large, wrong content type.
      return reply.code(err.statusCode).send({ error: { code: err.code ?? 'KENNEKI_ERR_VALIDATION', message: err.message } });
    }
    req.log.error({ evt: 'HTTP_INTERNAL_ERROR', err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'KENNEKI_ERR_INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'KENNEKI_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));
}
