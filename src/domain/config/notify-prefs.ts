/**
 * An advisor's notification preferences: which of the advisor's kinds of message they do not want
 * (docs/notifications.md). A change names kinds to turn off and kinds to turn back on; a kind in
 * both is refused where it is.
 */
import { z } from 'zod';
import { ADVISOR_KINDS } from '../../notifications/kinds';

const Kinds = z.array(z.enum(ADVISOR_KINDS)).max(ADVISOR_KINDS.length);

export const NotifyPrefsPatch = z
  .object({
    /** Kinds the advisor is no longer sent. */
    off: Kinds.optional(),
    /** Kinds the advisor is sent again. */
    on: Kinds.optional(),
  })
  .strict()
  .refine((p) => (p.off?.length ?? 0) + (p.on?.length ?? 0) > 0, 'give kinds to turn off or on')
  .superRefine((p, ctx) => {
    (p.on ?? []).forEach((k, i) => {
      if (p.off?.includes(k))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['on', i], message: `${k} is also in off` });
    });
  });
export type NotifyPrefsPatch = z.infer<typeof NotifyPrefsPatch>;
