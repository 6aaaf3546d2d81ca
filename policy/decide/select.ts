/**
 * Policy selection: enabled policies in precedence order, first match wins. A policy with an empty
 * match is a catch-all. When nothing matches, there is no policy, and the engine fails closed.
 */
import type { Subject } from './exception.js';
import type { Policy } from './policy.js';

export interface Selection {
  policy: Policy;
  matchedBy: string;
}

export function selectPolicy(policies: readonly Policy[], subject: Subject): Selection | undefined {
  const groups = new Set(subject.groups.map((g) => g.toLowerCase()));
  const tags = new Set(subject.tags.map((t) => t.toLowerCase()));
  const ordered = [...policies].filter((p) => p.enabled).sort((a, b) => a.precedence - b.precedence || a.name.localeCompare(b.name));
  for (const policy of ordered) {
    const why = matches(policy, groups, tags);
    if (why !== undefined) return { policy, matchedBy: why };
  }
  return undefined;
}

function matches(policy: Policy, groups: Set<string>, tags: Set<string>): string | undefined {
  const { groups: wantGroups = [], deviceTags: wantTags = [] } = policy.match;
  const group = wantGroups.find((g) => groups.has(g.toLowerCase()));
  const tag = wantTags.find((t) => tags.has(t.toLowerCase()));
  if (wantGroups.length > 0 && group === undefined) return undefined;
  if (wantTags.length > 0 && tag === undefined) return undefined;
  const parts = [group !== undefined ? `group ${group}` : '', tag !== undefined ? `tag ${tag}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'catch-all';
}
