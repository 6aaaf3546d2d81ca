/**
 * Definitions import. Kenneki's own format (YAML or JSON text) or the Debian security tracker
 * JSON. The tracker feed is large (tens of MB), so this route alone accepts big bodies.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { importDebianTracker } from '../../definitions/debian-tracker.js';
import { parseKennekiDefinitions } from '../../definitions/kenneki-format.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const ImportBody = Type.Object(
  {
    format: Type.Unsafe<'kenneki' | 'debian-tracker'>({ type: 'string', enum: ['kenneki', 'debian-tracker'] }),
    /** Feed name; required for the Debian tracker, taken from the document for Kenneki's format. */
    feed: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    /** Debian suites to keep from the tracker (all when absent). */
    suites: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]{1,32}$' }), { maxItems: 32 })),
    /** Kenneki format: the YAML/JSON text. Debian tracker: the JSON document itself. */
    content: Type.Unknown(),
  },
  { additionalProperties: false, required: ['format', 'content'] },
);

export async function definitionRoutes(app: FastifyInstance, ctx: AppContext, opts: { importBodyLimit: number }): Promise<void> {
  app.get('/api/v1/definitions', { schema: { tags: ['definitions'] }, config: { access: 'viewer' } }, async (req) => ({
    items: await ctx.store.definitions.listFeeds(principalOf(req).tenantId),
  }));

  app.post(
    '/api/v1/definitions',
    { schema: { tags: ['definitions'], body: ImportBody }, config: { access: 'operator' }, bodyLimit: opts.importBodyLimit },
    async (req, reply) => {
      const body = req.body as Static<typeof ImportBody>;
      const { tenantId } = principalOf(req);
      if (body.format === 'kenneki') {
        if (typeof body.content !== 'string') return reply.code(400).send({ error: { code: 'KENNEKI_ERR_VALIDATION', message: 'body.content: must be the feed text (YAML or JSON)' } });
        const parsed = parseKennekiDefinitions(body.content);
        const feed = await ctx.changes.importDefinitions(
          tenantId,
          { name: body.feed ?? parsed.feed, format: 'kenneki', ...(parsed.published ? { publishedAt: parsed.published } : {}), advisories: parsed.advisories.length, forbidden: parsed.forbidden.length },
          { advisories: parsed.advisories, forbidden: parsed.forbidden, platforms: parsed.platforms },
          actorOf(req),
        );
        return reply.code(201).send(feed);
      }
      if (!body.feed) return reply.code(400).send({ error: { code: 'KENNEKI_ERR_VALIDATION', message: 'body.feed: is required for the debian-tracker format' } });
      const advisories = importDebianTracker(body.content, body.suites ? { suites: body.suites } : {});
      const feed = await ctx.changes.importDefinitions(
        tenantId,
        { name: body.feed, format: 'debian-tracker', advisories: advisories.length, forbidden: 0 },
        { advisories, forbidden: [], platforms: [] },
        actorOf(req),
      );
      return reply.code(201).send(feed);
    },
  );
}
