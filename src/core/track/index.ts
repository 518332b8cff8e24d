// Trackers: desired and live state per kind with exact indexes and dirty keys (pure core).
export * from "./dirty.js";
export * from "./route-key.js";
export * from "./route-indexes.js";
export * from "./site-index.js";
export * from "./route-tracker.js";
export * from "./address-tracker.js";
export * from "./rule-tracker.js";
export * from "./sysctl-tracker.js";
export * from "./stores.js";
export * from "./trackers.js";
export * from "./live-events.js";
