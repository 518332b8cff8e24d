// The planner and its data types.
export * from "./canonical-json.js";
export * from "./plan.js";
export * from "./types.js";
