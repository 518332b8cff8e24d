// The core model: routes, rules, addresses, sysctls, their names and identity keys.
export * from "./address.js";
export * from "./keys.js";
export * from "./names.js";
export * from "./route.js";
export * from "./rule.js";
export * from "./sysctl.js";
export * from "./normalize.js";
