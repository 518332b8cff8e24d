// A resync on fresh trackers (runPass with scope "all"): what one full pass of a new reconciler does.
import { newPassState, runPass, type PassDeps, type PassOptions, type PassResult } from "../../src/reconciler/pass.js";

/** Runs one resync on fresh trackers; the config's VIPs unless `o.vips` is given. */
export async function fullPass(deps: PassDeps, o: Partial<PassOptions> & { apply: boolean }): Promise<PassResult> {
  return (await runPass(deps, newPassState(deps.policy), "all", { vips: deps.config.vips, ...o })).result;
}
