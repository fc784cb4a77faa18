/**
 * An advisor's notification preferences (docs/notifications.md): which of the advisor's kinds of
 * message they opt out of. Read: ops and trader tokens any advisor's, an advisor token its own.
 * Change: ops tokens any advisor's, an advisor token its own (always: they are the advisor's own
 * inbox, not the firm's configuration); trader tokens none. Another advisor's are 404 to an
 * advisor, as their accounts are. Audited with before and after.
 */
import { z } from 'zod';
import { changeNotifyPrefs, notifyPrefs } from '../../book/notify-prefs';
import { AdvisorId } from '../../domain/config/fields';
import { NotifyPrefsPatch } from '../../domain/config/notify-prefs';
import { ADVISOR_KINDS } from '../../notifications/kinds';
import { notFound } from '../problems';
import type { Principal } from '../tokens';
import { bookContext, configRoute, forbidden, viaBook } from './access';

const Params = z.object({ advisorId: AdvisorId }).strict();
const Kind = z.enum(ADVISOR_KINDS);
const Prefs = z
  .object({
    advisorId: AdvisorId,
    optOut: z.array(Kind).openapi({ description: 'The kinds the advisor is not sent' }),
    receives: z
      .array(Kind)
      .openapi({ description: "The advisor's kinds they are sent (NOTIFY_DISABLED aside)" }),
  })
  .openapi('NotifyPrefs');
const PrefsChange = Prefs.extend({
  changed: z.boolean().openapi({ description: 'false: they were so already (no audit row)' }),
}).openapi('NotifyPrefsChange');
const Body = NotifyPrefsPatch.openapi('NotifyPrefsPatch', {
  description: 'Kinds to turn off and kinds to turn back on; the others stay as they are.',
});

/** Another advisor's preferences are not an advisor token's to know about. */
function assertOwn(p: Principal, advisorId: string): void {
  if (p.kind === 'advisor' && p.advisorId !== advisorId)
    throw notFound(`advisor ${advisorId} not found`, 'path.advisorId');
}

export const NOTIFY_PREF_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/advisors/{advisorId}/notifications',
    operationId: 'getNotifyPrefs',
    summary: "An advisor's notification preferences",
    description:
      'Which of the advisor’s kinds of message (proposal awaiting approval, reminder, expired, not filled, confirm break) they opt out of. Ops and trader tokens: any advisor; advisor tokens: their own.',
    tags: ['firm'],
    params: Params,
    response: { description: 'The preferences', schema: Prefs },
    problems: { 404: 'No such advisor among those the token may see' },
    async handler({ principal, params, deps }) {
      assertOwn(principal, params.advisorId);
      return viaBook('path.advisorId', () => notifyPrefs(deps.db, params.advisorId));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/advisors/{advisorId}/notifications',
    operationId: 'changeNotifyPrefs',
    summary: "Change an advisor's notification preferences",
    description:
      'Turns kinds off (`off`) and back on (`on`); a kind in both is refused. Ops tokens: any advisor; advisor tokens: their own; trader tokens: none. Audited with before and after; applies to messages written from then on.',
    tags: ['firm'],
    params: Params,
    body: Body,
    response: { description: 'The preferences after the change', schema: PrefsChange },
    problems: {
      403: 'A trader token',
      404: 'No such advisor among those the token may see',
      413: 'Body too large',
      415: 'Body is not application/json',
    },
    async handler(ctx) {
      const { principal, params } = ctx;
      if (principal.kind === 'trader')
        throw forbidden(
          "a trader token may not change an advisor's notification preferences",
          'header.authorization',
        );
      assertOwn(principal, params.advisorId);
      return viaBook('path.advisorId', () => changeNotifyPrefs(bookContext(ctx), params.advisorId, ctx.body));
    },
  }),
];
