/**
 * The long run of the monolithic kernel's hostile fuzz (see fuzz.ts and cli.ts):
 *
 *   pnpm --filter @exolab/monolithic fuzz                      (1,000,000 calls, seed 1)
 *   FUZZ_CALLS=200000 FUZZ_SEED=7 pnpm --filter @exolab/monolithic fuzz
 */
import { fuzzCommand } from "./cli.js";

process.exitCode = await fuzzCommand(
  process.env,
  (l) => console.log(l),
  (l) => console.error(l),
);
