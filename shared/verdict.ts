/** What the stop judge says about a pass: the one definition (contracts, database, pages). */
import { z } from "zod";

export const VERDICTS = ["full_stop", "rolling_stop", "no_stop"] as const;
export const VerdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof VerdictSchema>;
