// The planner and its data types.
export * from "./canonical-json.js";
export * from "./close-keys.js";
export * from "./plan.js";
export { planKeys } from "./plan-keys.js";
export type { Label, Verdict } from "./verdict.js";
export * from "./types.js";
