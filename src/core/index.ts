// The pure core: model, ownership policy, planner, wire normalizers. No I/O.
export * from "./errors.js";
export * from "./model/index.js";
export * from "./net/ip.js";
export * from "./ownership.js";
export * from "./parse/ip-json.js";
export * from "./plan/index.js";
